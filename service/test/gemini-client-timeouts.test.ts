/**
 * Time budgets and aborts of the Gemini client, against a real local HTTP stub: nock 15 cannot
 * abort an intercepted fetch (the request never settles, or undici asserts), so these need sockets.
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createGeminiClient, GeminiError, type GeminiStreamEvent } from '../src/gemini/index.ts';
import { startHeldStream, startHoldingStub, type GeminiStub } from './support/gemini-stub.ts';

let stub: GeminiStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

/** A stub that holds every request for the test to answer, and the client pointed at it. */
async function setUp(timeoutMs: number) {
  const holding = await startHoldingStub();
  stub = holding;
  const events: Record<string, unknown>[] = [];
  const log = (obj: object) => void events.push(obj as Record<string, unknown>);
  const gemini = createGeminiClient({
    apiKey: 'test-key',
    model: 'm',
    baseUrl: holding.url,
    timeoutMs,
    maxRetries: 0,
    log: { warn: log, error: log },
  });
  return { gemini, events, nextRequest: holding.nextRequest };
}

/**
 * The GeminiError `promise` rejects with. Call it as soon as the call starts, before awaiting the
 * stub: under load the budget can run out before the held request reaches the test, and a
 * rejection with no listener yet is an unhandled rejection.
 */
async function rejection(promise: Promise<unknown>): Promise<GeminiError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(GeminiError);
  return error as GeminiError;
}

describe('time budget', () => {
  it('fails with upstream_timeout when Gemini does not answer, and closes the upstream request', async () => {
    const { gemini, events, nextRequest } = await setUp(200);
    const failed = rejection(gemini.generate({ prompt: 'q' }));
    const res = await nextRequest();
    const closed = once(res, 'close');
    expect((await failed).code).toBe('upstream_timeout');
    await closed;
    expect(events).toEqual([expect.objectContaining({ event: 'gemini_failed', code: 'upstream_timeout' })]);
  });

  it('fails a stream with upstream_timeout when its first chunk does not come', async () => {
    const { gemini, nextRequest } = await setUp(200);
    const failed = rejection(gemini.generateStream({ prompt: 'q' }));
    const res = await nextRequest();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    expect((await failed).code).toBe('upstream_timeout');
  });

  it('fails a stream with upstream_timeout when it goes silent half-way', async () => {
    const { gemini, nextRequest } = await setUp(300);
    const seen: GeminiStreamEvent[] = [];
    const failed = rejection(
      (async () => {
        for await (const event of await gemini.generateStream({ prompt: 'q' })) seen.push(event);
      })(),
    );
    startHeldStream(await nextRequest(), 'Half');
    const error = await failed;
    expect(seen).toEqual([{ type: 'delta', text: 'Half' }]);
    expect(error.code).toBe('upstream_timeout');
  });
});

describe('aborts', () => {
  it('rejects with aborted when the caller aborts, closes the upstream request, and logs nothing', async () => {
    const { gemini, events, nextRequest } = await setUp(10_000);
    const controller = new AbortController();
    const failed = rejection(gemini.generate({ prompt: 'q', signal: controller.signal }));
    const res = await nextRequest();
    const closed = once(res, 'close');
    controller.abort();
    expect((await failed).code).toBe('aborted');
    await closed;
    expect(events).toEqual([]);
  });

  it('closes the upstream request when the reader stops reading a stream half-way', async () => {
    const { gemini, nextRequest } = await setUp(10_000);
    const call = gemini.generateStream({ prompt: 'q' });
    const res = await nextRequest();
    const closed = once(res, 'close');
    startHeldStream(res, 'Half');
    for await (const event of await call) {
      expect(event).toEqual({ type: 'delta', text: 'Half' });
      break;
    }
    await closed;
    expect(res.writableFinished).toBe(false);
  });
});
