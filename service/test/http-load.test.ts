/**
 * Load shedding, time budgets and client disconnects over real HTTP, against a real local Gemini
 * stub that holds each request until the test answers it (no nock here: these need real sockets).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startApp, type RunningApp } from './support/app.ts';
import { answerHeld, startHeldStream, startHoldingStub, STUB_ANSWER } from './support/gemini-stub.ts';

const QUESTION = { question: 'What is photosynthesis?' };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(env: Record<string, string>) {
  const stub = await startHoldingStub();
  cleanups.push(() => stub.close());
  const api: RunningApp = await startApp({ GEMINI_BASE_URL: stub.url, ...env });
  cleanups.push(() => api.close());
  return { stub, api };
}

describe('load shedding', () => {
  it('runs MAX_CONCURRENT_UPSTREAM calls, queues MAX_QUEUE, and sheds the rest with 503 + Retry-After', async () => {
    const { stub, api } = await setUp({ MAX_CONCURRENT_UPSTREAM: '1', MAX_QUEUE: '1' });
    const first = postJson(`${api.url}/v1/chat`, QUESTION);
    const firstUpstream = await stub.nextRequest();

    // Of the next two, one waits in the queue and the other is refused at once.
    const others = [postJson(`${api.url}/v1/chat`, QUESTION), postJson(`${api.url}/v1/chat`, QUESTION)];
    const shed = await Promise.race(others);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(shed.body).toEqual({ error: { code: 'overloaded', message: expect.any(String) } });
    expect(stub.calls).toHaveLength(1);

    answerHeld(firstUpstream);
    expect((await first).status).toBe(200);
    answerHeld(await stub.nextRequest());
    const statuses = (await Promise.all(others)).map((reply) => reply.status).sort();
    expect(statuses).toEqual([200, 503]);
    expect(api.logs().filter((line) => line.event === 'shed')).toEqual([
      expect.objectContaining({ level: 'warn', reason: 'queue_full', active: 1, queued: 1 }),
    ]);
  });

  it('holds a slot for the whole length of a stream', async () => {
    const { stub, api } = await setUp({ MAX_CONCURRENT_UPSTREAM: '1', MAX_QUEUE: '0' });
    const streaming = fetch(`${api.url}/v1/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(QUESTION),
    });
    const upstream = await stub.nextRequest();
    startHeldStream(upstream, 'Photosynthesis');
    const response = await streaming;
    expect(response.status).toBe(200);
    expect((await postJson(`${api.url}/v1/chat`, QUESTION)).status).toBe(503);

    upstream.end(
      `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: '.' }] }, finishReason: 'STOP' }] })}\r\n\r\n`,
    );
    expect(await response.text()).toContain('event: done');
    const after = postJson(`${api.url}/v1/chat`, QUESTION);
    answerHeld(await stub.nextRequest());
    expect((await after).body.answer).toBe(STUB_ANSWER);
  });
});

describe('time budget', () => {
  it('answers 504 upstream_timeout when Gemini does not answer within GEMINI_TIMEOUT_MS', async () => {
    const { api } = await setUp({ GEMINI_TIMEOUT_MS: '200' });
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION);
    expect(reply).toMatchObject({ status: 504, body: { error: { code: 'upstream_timeout' } } });
  });

  it('ends a stream that goes silent with an upstream_timeout error event', async () => {
    const { stub, api } = await setUp({ GEMINI_TIMEOUT_MS: '300' });
    const streaming = fetch(`${api.url}/v1/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(QUESTION),
    });
    startHeldStream(await stub.nextRequest(), 'Photosynthesis');
    const text = await (await streaming).text();
    expect(text).toContain('event: delta\ndata: {"text":"Photosynthesis"}');
    expect(text).toMatch(/event: error\ndata: \{"code":"upstream_timeout"/);
  });
});

describe('clients that go away', () => {
  it('closes the upstream request and frees the slot when a streaming client disconnects', async () => {
    const { stub, api } = await setUp({ MAX_CONCURRENT_UPSTREAM: '1', MAX_QUEUE: '0' });
    const controller = new AbortController();
    const response = await (async () => {
      const pending = fetch(`${api.url}/v1/chat/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'leaver' },
        body: JSON.stringify(QUESTION),
        signal: controller.signal,
      });
      const upstream = await stub.nextRequest();
      startHeldStream(upstream, 'Photosynthesis');
      return { upstream, reply: await pending };
    })();
    const reader = response.reply.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: delta');
    const upstreamClosed = once(response.upstream, 'close');
    controller.abort();
    await upstreamClosed;

    const next = postJson(`${api.url}/v1/chat`, QUESTION);
    answerHeld(await stub.nextRequest());
    expect((await next).status).toBe(200);
    expect(api.logs().find((line) => line.event === 'access' && line.requestId === 'leaver')).toMatchObject({
      aborted: true,
    });
  });

  it('closes the upstream request when a waiting client disconnects', async () => {
    const { stub, api } = await setUp({});
    const controller = new AbortController();
    const pending = fetch(`${api.url}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(QUESTION),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    const upstream = await stub.nextRequest();
    const upstreamClosed = once(upstream, 'close');
    controller.abort();
    await upstreamClosed;
    expect(await pending).toBeInstanceOf(Error);
    expect(upstream.writableEnded).toBe(false);
  });
});
