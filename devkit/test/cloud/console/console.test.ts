/**
 * The console in a real headless Chromium against a cloud running the fixture on the real Docker
 * engine: the page loads without errors, shows the service, its tasks and their metrics, follows a
 * rollout live (no reload), escapes whatever clients wrote, never shows a secret's value, and
 * leaves a screenshot for CI (devkit/test-artifacts/console.png).
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ListTasksCommand, UpdateClusterSettingsCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import type { ServiceWorld } from '../runtime/service-world.ts';
import { serviceWorld } from '../runtime/service-world.ts';
import type { Browser } from './browser.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

const SCREENSHOT = fileURLToPath(new URL('../../../test-artifacts/console.png', import.meta.url));
const LOG_GROUP = 'console/app';
const HOSTILE_LINES = [
  '<script>window.__injected = 1</script>',
  '<img src=x onerror="window.__injected = 2">',
];
const SECRET_VALUE = 'hunter2-must-never-show';

/** The timeline chart's row labels, read from the echarts instance the page drew. */
const TIMELINE_ROWS = `echarts.getInstanceByDom(document.getElementById('timeline')).getOption().yAxis[0].data`;
const taskStatuses = `[...document.querySelectorAll('#tasks tr[data-task]')].map((r) => r.dataset.status + ' ' + r.children[2].textContent)`;

describe.skipIf(!dockerAvailable || !browserAvailable)('the console in a real Chromium', () => {
  let w: ServiceWorld;
  let browser: Browser;
  beforeAll(async () => {
    // The engine sampled every second, so the task's performance events come quickly.
    [w, browser] = await Promise.all([
      serviceWorld('console', { metricsSamplingSeconds: 1 }),
      launchBrowser(),
    ]);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  }, 60_000);

  it('shows the service and its tasks, follows a rollout live, escapes what clients wrote, and hides secret values', async () => {
    const v1 = await w.revision('v1');
    // Container Insights on: the sampler writes the task's performance events the sparklines read.
    await w.ecs.send(
      new UpdateClusterSettingsCommand({
        cluster: w.cluster,
        settings: [{ name: 'containerInsights', value: 'enabled' }],
      }),
    );
    await w.service({ name: 'web', taskDefinition: v1, desiredCount: 1 });
    await w.steady('web');
    const [firstTask] = (await w.ecs.send(new ListTasksCommand({ cluster: w.cluster, serviceName: 'web' })))
      .taskArns!;
    const taskId = firstTask!.split('/').at(-1)!;

    const logs = new CloudWatchLogsClient(w.t.clientConfig);
    await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: LOG_GROUP, logStreamName: 'app/web/1' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: LOG_GROUP,
        logStreamName: 'app/web/1',
        logEvents: [...HOSTILE_LINES, 'ERROR plain line'].map((message) => ({
          timestamp: Date.now(),
          message,
        })),
      }),
    );
    await new SecretsManagerClient(w.t.clientConfig).send(
      new CreateSecretCommand({ Name: 'console/db-password', SecretString: SECRET_VALUE }),
    );
    await browser.navigate(`${w.t.cloud.url}/_devkit/?group=${encodeURIComponent(LOG_GROUP)}`);
    await browser.waitFor('the live stream', `document.getElementById('live').classList.contains('on')`);
    // A marker the page keeps only if live updates never reload it.
    await browser.evaluate(`window.__samePage = true`);

    expect(
      await browser.evaluate(`document.querySelector('#services [data-service="web"] h3').textContent`),
    ).toContain('console / web');
    expect(await browser.evaluate<string[]>(taskStatuses)).toEqual([`RUNNING ${v1.split('/').at(-1)}`]);
    expect(await browser.evaluate<string[]>(TIMELINE_ROWS)).toEqual([
      expect.stringMatching(/^web ecs-svc\/\d+ \(console-app:1\)$/),
      `web task ${taskId.slice(0, 8)}`,
    ]);
    // The task's CPU and memory sparklines are drawn (echarts' SVG inside each placeholder) once the
    // sampler has written its performance events.
    await browser.waitFor(
      "the task's sparklines",
      `document.querySelectorAll('#tasks [data-spark^="task/${taskId}/"] svg').length === 2`,
    );

    // Its target in the service's target group, as the ALB's health check found it.
    await browser.waitFor(
      "the task's target health",
      `document.querySelector('#tasks tr[data-task="${taskId}"]').children[7].textContent.trim() === 'healthy'`,
    );

    // Log lines are text: shown as written, nothing injected ran or was parsed into elements.
    const logText = await browser.evaluate<string>(`document.getElementById('log-lines').textContent`);
    for (const line of HOSTILE_LINES) expect(logText).toContain(line);
    expect(
      await browser.evaluate(`document.querySelectorAll('#log-lines script, #log-lines img').length`),
    ).toBe(0);
    expect(await browser.evaluate(`window.__injected === undefined`)).toBe(true);
    // Secrets by name, never a value.
    expect(await browser.evaluate(`document.getElementById('secrets').textContent`)).toContain(
      'console/db-password',
    );
    expect(
      await browser.evaluate(`document.documentElement.outerHTML.includes(${JSON.stringify(SECRET_VALUE)})`),
    ).toBe(false);
    // The fixture's image in ECR, with its tag and size.
    expect(
      await browser.evaluate(`document.querySelector('[data-repository="console-fixture"]').textContent`),
    ).toMatch(/v1[\s\S]*sha256:[\s\S]*MB/);

    // A rollout while the page is open: a new deployment appears in the timeline, tasks change state.
    const v2 = await w.revision('v2');
    await w.ecs.send(new UpdateServiceCommand({ cluster: w.cluster, service: 'web', taskDefinition: v2 }));
    const rows = await browser.waitFor<string[]>(
      'a second deployment in the timeline',
      `(() => { const rows = ${TIMELINE_ROWS}; return rows.filter((r) => r.includes('ecs-svc/')).length === 2 && rows; })()`,
      90_000,
    );
    expect(rows.filter((r) => r.includes('(console-app:2)'))).toHaveLength(1);
    const revision2 = v2.split('/').at(-1)!;
    const revision1 = v1.split('/').at(-1)!;
    await browser.waitFor(
      'the v2 task running and the v1 task stopped, in the tasks table',
      `(() => { const s = ${taskStatuses}; return s.includes('RUNNING ${revision2}') && s.includes('STOPPED ${revision1}'); })()`,
      120_000,
    );
    await browser.waitFor(
      'the rollout completed in the deployments table',
      `[...document.querySelectorAll('#services tr[data-deployment]')].map((r) => r.textContent).join('|').includes('COMPLETED')`,
      60_000,
    );
    // ECS lists only the new deployment now; the timeline keeps the old one, spanning its tasks.
    const after = await browser.evaluate<string[]>(TIMELINE_ROWS);
    expect(after.filter((r) => r.includes('ecs-svc/')).map((r) => r.slice(-15))).toEqual([
      '(console-app:1)',
      '(console-app:2)',
    ]);
    expect(await browser.evaluate(`window.__samePage`)).toBe(true);
    expect(await browser.evaluate(`document.getElementById('events').textContent`)).toContain(
      '(service web) has reached a steady state.',
    );

    await browser.screenshot(SCREENSHOT);
    expect(browser.errors).toEqual([]);
  }, 300_000);

  it("filters logs with the Logs API's patterns, shows a bad pattern's error, and escapes the pattern it echoes", async () => {
    const page = `${w.t.cloud.url}/_devkit/?group=${encodeURIComponent(LOG_GROUP)}&filter=`;
    await browser.navigate(page + encodeURIComponent('ERROR'));
    const filtered = await browser.evaluate<string>(`document.getElementById('log-lines').textContent`);
    expect(filtered).toContain('ERROR plain line');
    expect(filtered).not.toContain('window.__injected');

    const hostile = '"><script>window.__injected = 3</script>';
    await browser.navigate(page + encodeURIComponent(hostile));
    expect(await browser.evaluate(`document.querySelector('#log-filter input[name=filter]').value`)).toBe(
      hostile,
    );
    expect(await browser.evaluate(`window.__injected === undefined`)).toBe(true);

    await browser.navigate(page + encodeURIComponent('{ $.level = '));
    expect(await browser.evaluate(`document.querySelector('#log-lines .error').textContent`)).toMatch(
      /^Invalid filter pattern/,
    );
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
