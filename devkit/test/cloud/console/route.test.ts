/**
 * The console's routes on a real cloud endpoint (control plane only, no Docker): the page, its
 * assets served offline, the live stream, and what it leaves alone (other methods, other paths,
 * regions nobody used).
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCloud } from '../harness.ts';
import { startTestCloud } from '../harness.ts';

describe('console routes', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await startTestCloud();
    const ecs = new ECSClient(t.clientConfig);
    await ecs.send(new CreateClusterCommand({ clusterName: 'shop' }));
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'cart',
        containerDefinitions: [{ name: 'app', image: 'cart:1', memory: 128, essential: true }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'shop',
        serviceName: 'cart',
        taskDefinition: taskDefinition!.taskDefinitionArn,
        desiredCount: 2,
      }),
    );
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('serves the page with the service, its deployment, and a policy that runs scripts from the cloud only', async () => {
    const res = await fetch(`${t.cloud.url}/_devkit/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await res.text();
    expect(page).toContain('shop / cart');
    expect(page).toMatch(/<tr data-deployment="ecs-svc\/\d+">.*PRIMARY.*cart:1/);
    expect(page).toContain('desired <b>2</b>');
    expect(t.cloud.consoleUrl).toBe(`${t.cloud.url}/_devkit/`);
    const moved = await fetch(`${t.cloud.url}/_devkit?region=us-east-1`, { redirect: 'manual' });
    expect([moved.status, moved.headers.get('location')]).toEqual([308, '/_devkit/?region=us-east-1']);
  });

  it('serves echarts from the installed package (no CDN) and its own script and style', async () => {
    const echarts = await fetch(`${t.cloud.url}/_devkit/assets/echarts.min.js`);
    expect(echarts.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const installed = await readFile(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'));
    expect(Buffer.from(await echarts.arrayBuffer()).equals(installed)).toBe(true);
    for (const asset of ['console.js', 'console.css']) {
      expect((await fetch(`${t.cloud.url}/_devkit/assets/${asset}`)).status).toBe(200);
    }
    const head = await fetch(`${t.cloud.url}/_devkit/`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('streams the view as server-sent events', async () => {
    const abort = new AbortController();
    const res = await fetch(`${t.cloud.url}/_devkit/stream`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n', text.indexOf('event: view'))) text += (await reader.read()).value ?? '';
    abort.abort();
    const data = /event: view\ndata: (.*)\n\n/.exec(text)![1]!;
    const view = JSON.parse(data) as {
      sections: Record<string, string>;
      charts: { timeline: { rows: string[] } };
    };
    expect(view.sections.services).toContain('shop / cart');
    expect(view.charts.timeline.rows).toEqual([expect.stringMatching(/^cart ecs-svc\/\d+ \(cart:1\)$/)]);
  });

  it('only reads: other methods and paths pass to the API, and an unused region is not created', async () => {
    const post = await fetch(`${t.cloud.url}/_devkit/`, { method: 'POST', body: '' });
    expect(post.status).toBeGreaterThanOrEqual(400);
    expect(post.headers.get('content-type')).not.toContain('text/html');
    expect((await fetch(`${t.cloud.url}/_devkit/assets/../../package.json`)).status).toBeGreaterThanOrEqual(
      400,
    );
    expect((await fetch(`${t.cloud.url}/_devkit/assets/toString`)).status).toBeGreaterThanOrEqual(400);
    const before = t.cloud.store.regions('ecs').map(([r]) => r);
    const page = await (await fetch(`${t.cloud.url}/_devkit/?region=eu-west-3`)).text();
    expect(page).toContain('No ECS services in this region yet.');
    expect(t.cloud.store.regions('ecs').map(([r]) => r)).toEqual(before);
    const odd = await fetch(`${t.cloud.url}/_devkit/?region=${encodeURIComponent('<x>')}`);
    expect(odd.status).toBe(200);
    expect(await odd.text()).not.toContain('<x>');
  });
});
