/**
 * The API over real HTTP (in-process server on 127.0.0.1), with Gemini intercepted by nock at
 * Google's own endpoint (GEMINI_BASE_URL unset).
 */
import nock from 'nock';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_ANSWER_TEXT, REFUSAL_TEXT } from '../src/gemini/index.ts';
import {
  errorBody,
  fixture,
  fixtureEvents,
  JSON_HEADERS,
  SSE_HEADERS,
  sseFixture,
  sseWithoutLastEvent,
} from './support/fixtures.ts';
import { getJson, postJson, postStream, startApp, TEST_API_KEY, type RunningApp } from './support/app.ts';

const GOOGLE = 'https://generativelanguage.googleapis.com';
const UNARY = '/v1beta/models/gemini-2.5-flash:generateContent';
const STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';
const gemini = () => nock(GOOGLE).post(UNARY);
const geminiStream = () => nock(GOOGLE).post(STREAM).query({ alt: 'sse' });
const QUESTION = { question: 'What is photosynthesis?' };

let api: RunningApp;
beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  api = await startApp();
});
afterAll(async () => {
  await api.close();
  nock.enableNetConnect();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('POST /v1/chat', () => {
  it('answers with the answer, model, finish reason, usage and request id', async () => {
    gemini().reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION, { 'x-request-id': 'req-42' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('x-request-id')).toBe('req-42');
    expect(reply.body).toEqual({
      answer:
        "Google's headquarters, also known as the Googleplex, is located in **Mountain View, California**.\n",
      model: 'gemini-2.0-flash',
      finishReason: 'STOP',
      usage: { promptTokens: 7, answerTokens: 22 },
      requestId: 'req-42',
    });
  });

  it('generates a request id when none (or an unsafe one) is given, and echoes it', async () => {
    gemini().twice().reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    const offered: Record<string, string>[] = [{}, { 'x-request-id': 'bad id\twith "quotes"' }];
    for (const headers of offered) {
      const reply = await postJson(`${api.url}/v1/chat`, QUESTION, headers);
      expect(reply.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(reply.headers.get('x-request-id')).toBe(reply.body.requestId);
    }
  });

  it('asks Gemini with the tutoring instruction, the level, the subject and the history', async () => {
    let sent: { systemInstruction?: { parts: { text: string }[] }; contents?: unknown[] } = {};
    nock(GOOGLE)
      .post(UNARY, (body: typeof sent) => {
        sent = body;
        return true;
      })
      .reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    await postJson(`${api.url}/v1/chat`, {
      question: 'And why is it green?',
      subject: 'biology',
      level: 'beginner',
      history: [
        { role: 'user', text: 'What is photosynthesis?' },
        { role: 'model', text: 'How plants make sugar from light.' },
      ],
    });
    const instruction = sent.systemInstruction?.parts[0]?.text ?? '';
    expect(instruction).toContain('step by step');
    expect(instruction).toContain('beginner');
    expect(instruction).toContain('"biology"');
    expect(instruction).toContain('refuse');
    expect(sent.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is photosynthesis?' }] },
      { role: 'model', parts: [{ text: 'How plants make sugar from light.' }] },
      { role: 'user', parts: [{ text: 'And why is it green?' }] },
    ]);
  });

  it.each([
    ['SAFETY', 'unary-failure-finish-reason-safety.json', 'SAFETY', REFUSAL_TEXT],
    ['a blocked prompt', 'unary-failure-only-prompt-feedback.json', 'PROMPT_BLOCKED', REFUSAL_TEXT],
    ['OTHER without content', 'unary-failure-with-message-no-content.json', 'OTHER', NO_ANSWER_TEXT],
  ])('answers %s with 200, its finish reason and a fixed text', async (_what, name, finishReason, answer) => {
    gemini().reply(200, fixture(name), JSON_HEADERS);
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ answer, finishReason });
  });

  it('answers a recorded reply with text but no finishReason with that text', async () => {
    gemini().reply(200, fixtureEvents('streaming-success-finish-message.txt')[0] as object, JSON_HEADERS);
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION);
    expect(reply).toMatchObject({
      status: 200,
      body: { answer: 'Hello', finishReason: 'FINISH_REASON_UNSPECIFIED' },
    });
  });

  it('answers empty candidates with 200 NO_CANDIDATES', async () => {
    gemini().reply(200, { candidates: [] });
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION);
    expect(reply).toMatchObject({
      status: 200,
      body: { finishReason: 'NO_CANDIDATES', answer: NO_ANSWER_TEXT },
    });
  });

  it('retries 429 and, when retries run out, answers 503 with Retry-After', async () => {
    gemini()
      .times(3)
      .reply(429, errorBody(429, 'RESOURCE_EXHAUSTED', '0.01s'));
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.body.error).toMatchObject({ code: 'upstream_overloaded' });
    const retries = api
      .logs()
      .filter(
        (line) => line.event === 'gemini_retry' && line.requestId === reply.headers.get('x-request-id'),
      );
    expect(retries).toHaveLength(2);
  });

  it('recovers when a retry succeeds', async () => {
    gemini().reply(503, errorBody(503, 'UNAVAILABLE', '0.01s'));
    gemini().reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    expect((await postJson(`${api.url}/v1/chat`, QUESTION)).status).toBe(200);
  });

  it.each([
    ['a bad key (400)', 400, fixture('unary-failure-api-key.json'), 'upstream_rejected'],
    [
      'a disabled API (403)',
      403,
      fixture('unary-failure-generativelanguage-api-not-enabled.json'),
      'upstream_rejected',
    ],
    ['an unknown model (404)', 404, fixture('unary-failure-unknown-model.json'), 'upstream_rejected'],
    ['an internal error (500)', 500, JSON.stringify(errorBody(500, 'INTERNAL')), 'upstream_error'],
    ['a malformed body', 200, '{"candidates": [ {"content": ', 'upstream_bad_response'],
  ])('answers %s with 502 and a stable code', async (_what, status, body, code) => {
    gemini().reply(status, body, JSON_HEADERS);
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION);
    expect(reply.status).toBe(502);
    expect(reply.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it('answers 502 upstream_unreachable when Gemini cannot be reached', async () => {
    gemini().replyWithError('connect ECONNREFUSED');
    const reply = await postJson(`${api.url}/v1/chat`, QUESTION);
    expect(reply).toMatchObject({ status: 502, body: { error: { code: 'upstream_unreachable' } } });
  });
});

describe('POST /v1/chat/stream', () => {
  it('streams delta events and a final done event', async () => {
    geminiStream().reply(200, sseFixture('streaming-success-basic-reply-short.txt'), SSE_HEADERS);
    const reply = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(reply.events).toEqual([
      { event: 'delta', data: { text: 'The' } },
      { event: 'delta', data: { text: ' capital of Wyoming' } },
      { event: 'delta', data: { text: ' is **Cheyenne**.\n' } },
      {
        event: 'done',
        data: {
          finishReason: 'STOP',
          usage: { promptTokens: 7, answerTokens: 10 },
          model: 'gemini-2.0-flash',
          requestId: reply.headers.get('x-request-id'),
        },
      },
    ]);
  });

  it('streams recorded chunks with text but no finishReason as the answer, without a refusal', async () => {
    geminiStream().reply(200, sseWithoutLastEvent('streaming-success-basic-reply-short.txt'), SSE_HEADERS);
    const reply = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    expect(reply.events).toEqual([
      { event: 'delta', data: { text: 'The' } },
      { event: 'delta', data: { text: ' capital of Wyoming' } },
      {
        event: 'done',
        data: {
          finishReason: 'FINISH_REASON_UNSPECIFIED',
          usage: { promptTokens: 7, answerTokens: 0 },
          model: 'gemini-2.0-flash',
          requestId: reply.headers.get('x-request-id'),
        },
      },
    ]);
  });

  it('ends a withheld answer with done carrying the refusal to show instead', async () => {
    geminiStream().reply(200, sseFixture('streaming-failure-recitation-no-content.txt'), SSE_HEADERS);
    const reply = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    expect(reply.events.at(-1)).toMatchObject({
      event: 'done',
      data: { finishReason: 'RECITATION', refusal: REFUSAL_TEXT },
    });
  });

  it('answers a blocked prompt with a lone done event', async () => {
    geminiStream().reply(200, sseFixture('streaming-failure-prompt-blocked-safety.txt'), SSE_HEADERS);
    const reply = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    expect(reply.events).toEqual([
      {
        event: 'done',
        data: expect.objectContaining({ finishReason: 'PROMPT_BLOCKED', refusal: REFUSAL_TEXT }),
      },
    ]);
  });

  it('sends an error event when Gemini fails mid-stream', async () => {
    const firstChunk = 'data: {"candidates":[{"content":{"parts":[{"text":"Photosynthesis is"}]}}]}\r\n\r\n';
    geminiStream().reply(
      200,
      `${firstChunk}data: ${JSON.stringify(errorBody(500, 'INTERNAL'))}\r\n\r\n`,
      SSE_HEADERS,
    );
    const reply = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    expect(reply.status).toBe(200);
    expect(reply.events).toEqual([
      { event: 'delta', data: { text: 'Photosynthesis is' } },
      {
        event: 'error',
        data: {
          code: 'upstream_error',
          message: expect.any(String),
          requestId: reply.headers.get('x-request-id'),
        },
      },
    ]);
  });

  it('answers a failure before the first chunk with a plain JSON error and status', async () => {
    geminiStream().reply(400, fixture('streaming-failure-image-rejected.txt'), JSON_HEADERS);
    const reply = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    expect(reply.status).toBe(502);
    expect(JSON.parse(reply.text)).toMatchObject({ error: { code: 'upstream_rejected' } });
  });

  it('answers 503 with Retry-After when Gemini stays overloaded before the stream starts', async () => {
    geminiStream()
      .times(3)
      .reply(503, errorBody(503, 'UNAVAILABLE', '0.01s'));
    const reply = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('1');
  });
});

describe('input errors', () => {
  const chat = (body: unknown, headers: Record<string, string> = {}) =>
    postJson(`${api.url}/v1/chat`, body, headers);

  it.each([
    ['invalid JSON', '{"question": ', 'invalid_json', 'body'],
    ['a JSON string', '"just text"', 'invalid_json', 'body'],
    ['an array', [], 'invalid_field', 'body'],
    ['no question', {}, 'missing_field', 'question'],
    ['a number question', { question: 42 }, 'invalid_field', 'question'],
    ['an empty question', { question: '' }, 'invalid_field', 'question'],
    ['a blank question', { question: ' \n ' }, 'invalid_field', 'question'],
    ['a 4001-character question', { question: 'x'.repeat(4001) }, 'invalid_field', 'question'],
    ['an unknown level', { question: 'q', level: 'expert' }, 'invalid_field', 'level'],
    ['a subject of the wrong type', { question: 'q', subject: ['math'] }, 'invalid_field', 'subject'],
    ['an unknown field', { question: 'q', temperature: 2 }, 'unknown_field', 'temperature'],
    ['history that is not a list', { question: 'q', history: 'earlier' }, 'invalid_field', 'history'],
    [
      'a history turn with a bad role',
      { question: 'q', history: [{ role: 'system', text: 'x' }] },
      'invalid_field',
      'history[0].role',
    ],
    [
      'a history turn with an unknown field',
      { question: 'q', history: [{ role: 'user', text: 'x', at: 1 }] },
      'unknown_field',
      'history[0].at',
    ],
    [
      '21 history turns',
      { question: 'q', history: Array.from({ length: 21 }, () => ({ role: 'user', text: 'x' })) },
      'invalid_field',
      'history',
    ],
  ])('rejects %s with 400 naming the field', async (_what, body, code, field) => {
    const reply = await chat(body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { code, message: expect.any(String), field } });
  });

  it('accepts the limits themselves: 4000 characters and 20 turns', async () => {
    gemini().reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    const history = Array.from({ length: 20 }, (_, i) => ({
      role: i % 2 ? 'model' : 'user',
      text: 'y'.repeat(4000),
    }));
    expect((await chat({ question: 'x'.repeat(4000), history })).status).toBe(200);
  });

  it('validates the streaming endpoint the same way, before any event', async () => {
    const reply = await postJson(`${api.url}/v1/chat/stream`, { question: 'q', mood: 'happy' });
    expect(reply).toMatchObject({ status: 400, body: { error: { code: 'unknown_field', field: 'mood' } } });
  });

  it('answers 413 for a body over the limit', async () => {
    const reply = await chat({ question: 'x'.repeat(600 * 1024) });
    expect(reply).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
  });

  it('answers 415 for a body that is not JSON', async () => {
    const reply = await chat('question=hi', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(reply).toMatchObject({
      status: 415,
      body: { error: { code: 'unsupported_media_type', field: 'body' } },
    });
  });

  it('answers JSON 404 for an unknown route', async () => {
    const reply = await getJson(`${api.url}/v2/chat`);
    expect(reply).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it.each([
    ['GET', '/v1/chat', 'POST'],
    ['PUT', '/v1/chat/stream', 'POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/v1/info', 'GET, HEAD'],
  ])('answers JSON 405 with Allow for %s %s', async (method, path, allow) => {
    const response = await fetch(`${api.url}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(await response.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});

describe('health, readiness, info', () => {
  it('GET /health is 200 ok without calling Gemini', async () => {
    const reply = await getJson(`${api.url}/health`);
    expect(reply).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('GET /v1/info tells the version, model and uptime', async () => {
    const reply = await getJson(`${api.url}/v1/info`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ name: 'iscoolgpt', version: '1.0.0', model: 'gemini-2.5-flash' });
    expect(reply.body.uptimeSeconds).toEqual(expect.any(Number));
  });

  it('GET /ready is 200 while serving and 503 once draining', async () => {
    const own = await startApp();
    try {
      expect((await getJson(`${own.url}/ready`)).body).toEqual({ status: 'ready' });
      own.app.lifecycle.startDraining();
      expect(await getJson(`${own.url}/ready`)).toMatchObject({ status: 503, body: { status: 'draining' } });
    } finally {
      await own.close();
    }
  });

  it('GET /health is 503 after the event loop stalled beyond the threshold', async () => {
    const own = await startApp({}, { eventLoopStallMs: 100 });
    try {
      await sleep(50); // the delay histogram records from its second tick on
      const until = Date.now() + 300;
      while (Date.now() < until) {
        // a CPU-bound stall, as a runaway synchronous computation would cause
      }
      await sleep(30);
      const reply = await getJson(`${own.url}/health`);
      expect(reply).toMatchObject({
        status: 503,
        body: { status: 'unhealthy', reason: 'event_loop_stalled' },
      });
    } finally {
      await own.close();
    }
  });
});

describe('logs', () => {
  it('writes one access line per request with method, path, status, duration and request id', async () => {
    const before = api.lines.length;
    await getJson(`${api.url}/health`);
    await postJson(`${api.url}/v1/chat?debug=1`, {}, { 'x-request-id': 'log-test-1' });
    const access = api
      .logs()
      .slice(before)
      .filter((line) => line.event === 'access');
    expect(access).toEqual([
      expect.objectContaining({
        level: 'info',
        method: 'GET',
        path: '/health',
        status: 200,
        durationMs: expect.any(Number),
        requestId: expect.any(String),
      }),
      expect.objectContaining({ method: 'POST', path: '/v1/chat', status: 400, requestId: 'log-test-1' }),
    ]);
  });

  it('never shows the API key, even where Gemini echoes it back', async () => {
    expect(fixture('unary-failure-api-key.json')).toContain(TEST_API_KEY);
    gemini().reply(400, fixture('unary-failure-api-key.json'), JSON_HEADERS);
    geminiStream().reply(400, fixture('unary-failure-api-key.json'), JSON_HEADERS);
    const before = api.lines.length;
    const unary = await postJson(`${api.url}/v1/chat`, QUESTION);
    const streamed = await postStream(`${api.url}/v1/chat/stream`, QUESTION);
    const lines = api.lines.slice(before);
    expect(lines.filter((line) => line.includes('"event":"gemini_rejected"'))).toHaveLength(2);
    expect(lines.join('') + JSON.stringify(unary.body) + streamed.text).not.toContain(TEST_API_KEY);
  });
});
