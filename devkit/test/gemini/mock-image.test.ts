/**
 * The replay server's container image, built and run with the real Docker engine, reached only
 * through a port published on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGeminiMockImage } from '../../src/gemini/mock-image.ts';
import { parseSseEvents } from '../../src/gemini/sse.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { TEST_BASE_IMAGES } from '../deploy/base-images.ts';
import { apiRequestBody } from './contract-support.ts';

const MODEL_PATH = '/v1beta/models/gemini-2.5-flash';
const ask = (prompt: string) => JSON.stringify({ contents: [{ parts: [{ text: prompt }], role: 'user' }] });

describe.skipIf(!dockerAvailable)('gemini-mock container image', () => {
  const docker = new Docker();
  const tag = `devkit-test/gemini-mock:${randomBytes(4).toString('hex')}`;
  let container: Docker.Container | undefined;
  let url: string;

  beforeAll(async () => {
    await buildGeminiMockImage(docker, { tag, runtimeImage: TEST_BASE_IMAGES.runtime });
    container = await docker.createContainer({
      Image: tag,
      Env: ['GEMINI_MOCK_PACING=none'],
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    await container.start();
    const inspected = await container.inspect();
    const port = inspected.NetworkSettings.Ports['8080/tcp']![0]!.HostPort;
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => undefined);
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('reports healthy through its HEALTHCHECK', async () => {
    for (let attempt = 0; ; attempt++) {
      const health = (await container!.inspect()).State.Health?.Status;
      if (health === 'healthy') break;
      if (health === 'unhealthy' || attempt > 120) throw new Error(`container health: ${health}`);
      await sleep(500);
    }
    const response = await fetch(`${url}/health`);
    expect(await response.json()).toMatchObject({ status: 'ok', fallback: true });
  });

  it('serves the bundled cassettes, unary and streaming', async () => {
    const unary = await fetch(`${url}${MODEL_PATH}:generateContent`, {
      method: 'POST',
      body: JSON.stringify(await apiRequestBody({ question: 'What is photosynthesis, in one sentence?' })),
    });
    expect(await unary.json()).toMatchObject({
      candidates: [
        { finishReason: 'STOP', content: { parts: [{ text: expect.stringContaining('light energy') }] } },
      ],
    });
    const stream = await fetch(`${url}${MODEL_PATH}:streamGenerateContent?alt=sse`, {
      method: 'POST',
      body: JSON.stringify(await apiRequestBody({ question: 'What is a variable in programming?' })),
    });
    expect(parseSseEvents(await stream.text())).toHaveLength(5);
  });

  it('answers anything else from the fallback template, and injects faults by header', async () => {
    const fallback = await fetch(`${url}${MODEL_PATH}:generateContent`, {
      method: 'POST',
      body: ask('Hello?'),
    });
    expect(JSON.stringify(await fallback.json())).toContain('You asked: \\"Hello?\\"');
    const limited = await fetch(`${url}${MODEL_PATH}:generateContent`, {
      method: 'POST',
      headers: { 'x-devkit-fault': '429' },
      body: ask('Hello?'),
    });
    expect(limited.status).toBe(429);
  });

  it('exits 0 on SIGTERM: as PID 1 it handles the signal itself', async () => {
    await container!.stop({ t: 10 });
    expect((await container!.inspect()).State.ExitCode).toBe(0);
  });
});
