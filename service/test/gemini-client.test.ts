/**
 * The Gemini client against Google's recorded replies and synthetic failures, intercepted at the
 * HTTP edge with nock. (Timeouts and aborts are in gemini-client-timeouts.test.ts: nock 15 cannot
 * abort an intercepted fetch.)
 */
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createGeminiClient,
  GeminiError,
  NO_ANSWER_TEXT,
  REFUSAL_TEXT,
  type GeminiClientOptions,
  type GeminiStreamEvent,
} from '../src/gemini/index.ts';
import {
  errorBody,
  fixture,
  fixtureEvents,
  JSON_HEADERS,
  SSE_HEADERS,
  sseFixture,
  sseWithoutLastEvent,
} from './support/fixtures.ts';

const BASE = 'http://gemini.test';
const MODEL = 'gemini-2.5-flash';
const UNARY = `/v1beta/models/${MODEL}:generateContent`;
const STREAM = `/v1beta/models/${MODEL}:streamGenerateContent`;
const KEY = 'key1234';

interface Logged {
  level: 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

function client(options: Partial<GeminiClientOptions> = {}) {
  const logged: Logged[] = [];
  const gemini = createGeminiClient({
    apiKey: KEY,
    model: MODEL,
    baseUrl: BASE,
    timeoutMs: 10_000,
    maxRetries: 2,
    backoffBaseMs: 1,
    log: {
      warn: (obj, msg) => void logged.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
      error: (obj, msg) => void logged.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
    },
    ...options,
  });
  return { gemini, logged };
}

const unary = () => nock(BASE).post(UNARY);
const stream = () => nock(BASE).post(STREAM).query({ alt: 'sse' });

async function collect(events: AsyncIterable<GeminiStreamEvent>): Promise<GeminiStreamEvent[]> {
  const out: GeminiStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function failure(promise: Promise<unknown>): Promise<GeminiError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(GeminiError);
  return error as GeminiError;
}

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('answers (HTTP 200) from recorded replies', () => {
  it('reads a recorded answer', async () => {
    unary().reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    const answer = await client().gemini.generate({ prompt: 'Where is Google based?' });
    expect(answer).toEqual({
      text: "Google's headquarters, also known as the Googleplex, is located in **Mountain View, California**.\n",
      finishReason: 'STOP',
      withheld: false,
      usage: { promptTokens: 7, answerTokens: 22 },
      model: 'gemini-2.0-flash',
    });
  });

  it('joins text parts in order, skipping thoughts and non-text parts', async () => {
    const parts = [
      { text: 'Step 1. ' },
      { text: 'thinking...', thought: true },
      { functionCall: { name: 'now', args: {} } },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { text: 'Step 2.' },
    ];
    unary().reply(200, { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP' }] });
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer.text).toBe('Step 1. Step 2.');
  });

  it('skips thought parts', async () => {
    unary().reply(200, fixture('unary-success-thinking-reply-thought-summary.json'), JSON_HEADERS);
    const answer = await client().gemini.generate({ prompt: 'Where is Google based?' });
    expect(answer.text).toBe('Mountain View');
    expect(answer.usage).toEqual({ promptTokens: 14, answerTokens: 2 });
  });

  it('ignores executable code and code results, keeping the text around them', async () => {
    unary().reply(200, fixture('unary-success-code-execution.json'), JSON_HEADERS);
    const answer = await client().gemini.generate({ prompt: 'sum of the first 5 primes' });
    const body = JSON.parse(fixture('unary-success-code-execution.json')) as {
      candidates: { content: { parts: { text?: string; thought?: boolean }[] } }[];
    };
    const expected = body.candidates[0]!.content.parts.map((part) =>
      part.thought ? '' : (part.text ?? ''),
    ).join('');
    expect(answer.text).toBe(expected);
    expect(answer.text).not.toContain('prime_numbers = [');
    expect(answer.withheld).toBe(false);
  });

  it.each([
    'unary-success-citations.json',
    'unary-success-google-search-grounding.json',
    'unary-success-google-maps-grounding.json',
    'unary-success-url-context.json',
    'unary-success-basic-reply-long.json',
  ])('reads %s as a plain answer', async (name) => {
    unary().reply(200, fixture(name), JSON_HEADERS);
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer.finishReason).toBe('STOP');
    expect(answer.withheld).toBe(false);
    expect(answer.text.length).toBeGreaterThan(20);
  });

  it('answers a function call with no text with the no-answer text', async () => {
    unary().reply(
      200,
      fixture('unary-success-thinking-function-call-thought-summary-signature.json'),
      JSON_HEADERS,
    );
    const answer = await client().gemini.generate({ prompt: 'days until new year' });
    expect(answer).toMatchObject({ text: NO_ANSWER_TEXT, finishReason: 'STOP', withheld: true });
  });

  it('answers SAFETY with the refusal text, dropping the partial text', async () => {
    unary().reply(200, fixture('unary-failure-finish-reason-safety.json'), JSON_HEADERS);
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer).toMatchObject({ text: REFUSAL_TEXT, finishReason: 'SAFETY', withheld: true });
  });

  it('answers a blocked prompt (promptFeedback, no candidates) with the refusal text', async () => {
    unary().reply(200, fixture('unary-failure-only-prompt-feedback.json'), JSON_HEADERS);
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer).toMatchObject({ text: REFUSAL_TEXT, finishReason: 'PROMPT_BLOCKED', withheld: true });
  });

  it('answers OTHER without content with the no-answer text', async () => {
    unary().reply(200, fixture('unary-failure-with-message-no-content.json'), JSON_HEADERS);
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer).toMatchObject({ text: NO_ANSWER_TEXT, finishReason: 'OTHER', withheld: true });
  });

  // Recorded chunks of Google's streams: a candidate with text and no finishReason. The SDK's
  // response.text is that text, and so is the answer.
  it.each([
    ['streaming-success-basic-reply-short.txt', 0, 'The'],
    ['streaming-success-basic-reply-short.txt', 1, ' capital of Wyoming'],
    ['streaming-success-finish-message.txt', 0, 'Hello'],
  ])(
    'answers a reply with text and no finishReason (%s, event %i) with its text',
    async (name, index, text) => {
      unary().reply(200, fixtureEvents(name)[index] as object, JSON_HEADERS);
      const answer = await client().gemini.generate({ prompt: 'q' });
      expect(answer).toEqual({
        text,
        finishReason: 'FINISH_REASON_UNSPECIFIED',
        withheld: false,
        usage: expect.any(Object),
        model: expect.any(String),
      });
    },
  );

  it('answers text with a finish reason that is not a refusal (OTHER) with the text', async () => {
    unary().reply(200, {
      candidates: [{ content: { parts: [{ text: 'An answer' }] }, finishReason: 'OTHER' }],
    });
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer).toMatchObject({ text: 'An answer', finishReason: 'OTHER', withheld: false });
  });

  it('answers empty candidates without feedback as NO_CANDIDATES', async () => {
    unary().reply(200, { candidates: [] });
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer).toMatchObject({ text: NO_ANSWER_TEXT, finishReason: 'NO_CANDIDATES', withheld: true });
  });

  it('keeps a MAX_TOKENS answer', async () => {
    unary().reply(200, {
      candidates: [{ content: { parts: [{ text: 'cut sh' }] }, finishReason: 'MAX_TOKENS' }],
    });
    const answer = await client().gemini.generate({ prompt: 'q' });
    expect(answer).toMatchObject({
      text: 'cut sh',
      finishReason: 'MAX_TOKENS',
      withheld: false,
      model: MODEL,
    });
  });
});

describe('the request', () => {
  it('sends the key in a header, the system instruction and the conversation, and nothing else', async () => {
    let sent: Record<string, unknown> = {};
    nock(BASE, { reqheaders: { 'x-goog-api-key': KEY } })
      .post(UNARY, (body: Record<string, unknown>) => {
        sent = body;
        return true;
      })
      .reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    await client().gemini.generate({
      systemInstruction: 'Be a tutor.',
      history: [
        { role: 'user', text: 'Hi' },
        { role: 'model', text: 'Hello!' },
      ],
      prompt: 'What is 2+2?',
    });
    expect(sent).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello!' }] },
        { role: 'user', parts: [{ text: 'What is 2+2?' }] },
      ],
      systemInstruction: { role: 'user', parts: [{ text: 'Be a tutor.' }] },
      generationConfig: {},
    });
  });

  it("goes to Google's endpoint when no base URL is set", async () => {
    nock('https://generativelanguage.googleapis.com')
      .post(UNARY)
      .reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    const answer = await client({ baseUrl: undefined }).gemini.generate({ prompt: 'q' });
    expect(answer.finishReason).toBe('STOP');
  });
});

describe('retries', () => {
  it('retries 429 after the RetryInfo delay and then answers', async () => {
    unary()
      .twice()
      .reply(429, errorBody(429, 'RESOURCE_EXHAUSTED', '0.02s'));
    unary().reply(200, fixture('unary-success-basic-reply-short.json'), JSON_HEADERS);
    const { gemini, logged } = client();
    const answer = await gemini.generate({ prompt: 'q' });
    expect(answer.withheld).toBe(false);
    expect(logged.filter((line) => line.obj.event === 'gemini_retry').map((line) => line.obj)).toEqual([
      expect.objectContaining({
        attempt: 1,
        delayMs: 20,
        upstreamStatus: 429,
        upstreamStatusName: 'RESOURCE_EXHAUSTED',
      }),
      expect.objectContaining({ attempt: 2, delayMs: 20, upstreamStatus: 429 }),
    ]);
  });

  it('gives up after GEMINI_MAX_RETRIES with upstream_overloaded and a Retry-After from RetryInfo', async () => {
    unary()
      .times(3)
      .reply(503, errorBody(503, 'UNAVAILABLE', '1.5s'));
    const { gemini } = client({ maxRetries: 2, timeoutMs: 10_000 });
    // 1.5 s waits would make the test slow: the retries here use the backoff instead.
    nock.cleanAll();
    unary().times(3).reply(503, errorBody(503, 'UNAVAILABLE'));
    const error = await failure(gemini.generate({ prompt: 'q' }));
    expect(error.code).toBe('upstream_overloaded');
    expect(error.upstreamStatus).toBe(503);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('does not wait for a RetryInfo delay longer than the budget: fails at once with that delay', async () => {
    unary().reply(429, errorBody(429, 'RESOURCE_EXHAUSTED', '42s'));
    const { gemini, logged } = client({ timeoutMs: 5_000 });
    const error = await failure(gemini.generate({ prompt: 'q' }));
    expect(error).toMatchObject({ code: 'upstream_overloaded', retryAfterSeconds: 42 });
    expect(logged.some((line) => line.obj.event === 'gemini_retry')).toBe(false);
  });

  it('makes exactly one attempt with GEMINI_MAX_RETRIES=0 (the SDK does not retry on its own)', async () => {
    unary().reply(503, errorBody(503, 'UNAVAILABLE'));
    const error = await failure(client({ maxRetries: 0 }).gemini.generate({ prompt: 'q' }));
    expect(error.code).toBe('upstream_overloaded');
  });

  it('retries a stream that fails before its first chunk', async () => {
    stream().reply(503, errorBody(503, 'UNAVAILABLE'));
    stream().reply(200, sseFixture('streaming-success-basic-reply-short.txt'), SSE_HEADERS);
    const events = await collect(await client().gemini.generateStream({ prompt: 'q' }));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'STOP' });
  });

  it.each([500, 502, 504])('does not retry %i: upstream_error', async (status) => {
    unary().reply(status, errorBody(status, 'INTERNAL'));
    const error = await failure(client().gemini.generate({ prompt: 'q' }));
    expect(error).toMatchObject({ code: 'upstream_error', upstreamStatus: status });
  });
});

describe('rejections (4xx) from recorded replies', () => {
  it.each([
    ['unary-failure-api-key.json', 400, 'API_KEY_INVALID'],
    ['unary-failure-generativelanguage-api-not-enabled.json', 403, 'SERVICE_DISABLED'],
    ['unary-failure-unknown-model.json', 404, undefined],
  ])('%s → upstream_rejected, logged as gemini_rejected without the key', async (name, status, reason) => {
    unary().reply(status, fixture(name), JSON_HEADERS);
    const { gemini, logged } = client();
    const error = await failure(gemini.generate({ prompt: 'q' }));
    expect(error).toMatchObject({ code: 'upstream_rejected', upstreamStatus: status });
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'error',
        obj: expect.objectContaining({ event: 'gemini_rejected', upstreamStatus: status, reason }),
      }),
    ]);
    expect(JSON.stringify(logged) + error.message).not.toContain(KEY);
  });

  it('rejects a stream refused before it starts (image rejected)', async () => {
    stream().reply(400, fixture('streaming-failure-image-rejected.txt'), JSON_HEADERS);
    const error = await failure(client().gemini.generateStream({ prompt: 'q' }));
    expect(error).toMatchObject({ code: 'upstream_rejected', upstreamStatus: 400 });
  });
});

describe('unreadable and unreachable upstreams', () => {
  it.each([
    ['invalid JSON', 'not json at all'],
    ['candidates of the wrong type', JSON.stringify({ candidates: 'none' })],
    [
      'a text part that is not a string',
      JSON.stringify({ candidates: [{ content: { parts: [{ text: 7 }] } }] }),
    ],
    ['JSON null', 'null'],
  ])('%s → upstream_bad_response', async (_what, body) => {
    unary().reply(200, body, JSON_HEADERS);
    const error = await failure(client().gemini.generate({ prompt: 'q' }));
    expect(error.code).toBe('upstream_bad_response');
  });

  it('a connection error → upstream_unreachable', async () => {
    unary().replyWithError('socket hang up');
    const error = await failure(client().gemini.generate({ prompt: 'q' }));
    expect(error.code).toBe('upstream_unreachable');
  });
});

describe('streams from recorded replies', () => {
  it('yields each text chunk, then done with the whole answer', async () => {
    stream().reply(200, sseFixture('streaming-success-basic-reply-short.txt'), SSE_HEADERS);
    const events = await collect(await client().gemini.generateStream({ prompt: 'q' }));
    expect(events).toEqual([
      { type: 'delta', text: 'The' },
      { type: 'delta', text: ' capital of Wyoming' },
      { type: 'delta', text: ' is **Cheyenne**.\n' },
      {
        type: 'done',
        text: 'The capital of Wyoming is **Cheyenne**.\n',
        finishReason: 'STOP',
        withheld: false,
        usage: { promptTokens: 7, answerTokens: 10 },
        model: 'gemini-2.0-flash',
      },
    ]);
  });

  it('leaves thoughts out of the deltas', async () => {
    stream().reply(200, sseFixture('streaming-success-thinking-reply-thought-summary.txt'), SSE_HEADERS);
    const events = await collect(await client().gemini.generateStream({ prompt: 'why is the sky blue' }));
    const text = events.flatMap((event) => (event.type === 'delta' ? [event.text] : [])).join('');
    expect(text.startsWith('The sky is blue because')).toBe(true);
    expect(text).not.toContain('**Exploring Sky Color**');
    expect(events.at(-1)).toMatchObject({ type: 'done', text, withheld: false });
  });

  it.each([
    'streaming-success-basic-reply-long.txt',
    'streaming-success-citations.txt',
    'streaming-success-code-execution.txt',
    'streaming-success-empty-parts.txt',
    'streaming-success-finish-message.txt',
    'streaming-success-no-content-parts.txt',
    'streaming-success-url-context.txt',
  ])('streams %s to a STOP with the deltas adding up to the answer', async (name) => {
    stream().reply(200, sseFixture(name), SSE_HEADERS);
    const events = await collect(await client().gemini.generateStream({ prompt: 'q' }));
    const done = events.at(-1);
    const deltas = events.flatMap((event) => (event.type === 'delta' ? [event.text] : []));
    expect(done).toMatchObject({
      type: 'done',
      finishReason: 'STOP',
      withheld: false,
      text: deltas.join(''),
    });
  });

  it('answers a stream whose chunks carry text but no finishReason with that text', async () => {
    stream().reply(200, sseWithoutLastEvent('streaming-success-basic-reply-short.txt'), SSE_HEADERS);
    const events = await collect(await client().gemini.generateStream({ prompt: 'q' }));
    expect(events).toEqual([
      { type: 'delta', text: 'The' },
      { type: 'delta', text: ' capital of Wyoming' },
      {
        type: 'done',
        text: 'The capital of Wyoming',
        finishReason: 'FINISH_REASON_UNSPECIFIED',
        withheld: false,
        usage: { promptTokens: 7, answerTokens: 0 },
        model: 'gemini-2.0-flash',
      },
    ]);
  });

  it('ends a RECITATION stream with done, withheld, carrying the refusal text', async () => {
    stream().reply(200, sseFixture('streaming-failure-recitation-no-content.txt'), SSE_HEADERS);
    const events = await collect(await client().gemini.generateStream({ prompt: 'q' }));
    expect(events.filter((event) => event.type === 'delta')).toHaveLength(8);
    expect(events.at(-1)).toMatchObject({
      type: 'done',
      finishReason: 'RECITATION',
      withheld: true,
      text: REFUSAL_TEXT,
    });
  });

  it('answers a blocked prompt with done alone', async () => {
    stream().reply(200, sseFixture('streaming-failure-prompt-blocked-safety.txt'), SSE_HEADERS);
    const events = await collect(await client().gemini.generateStream({ prompt: 'q' }));
    expect(events).toEqual([
      expect.objectContaining({ type: 'done', finishReason: 'PROMPT_BLOCKED', text: REFUSAL_TEXT }),
    ]);
  });

  it('ends a function-call stream with the no-answer text', async () => {
    stream().reply(
      200,
      fixture('streaming-success-thinking-function-call-thought-summary-signature.txt'),
      SSE_HEADERS,
    );
    const events = await collect(await client().gemini.generateStream({ prompt: 'q' }));
    expect(events).toEqual([expect.objectContaining({ type: 'done', text: NO_ANSWER_TEXT, withheld: true })]);
  });
});

describe('streams failing half-way', () => {
  const firstChunk = 'data: {"candidates":[{"content":{"parts":[{"text":"Half an"}]}}]}\n\n';

  async function midStreamFailure(
    body: string,
  ): Promise<{ events: GeminiStreamEvent[]; error: GeminiError }> {
    stream().reply(200, body, SSE_HEADERS);
    const events: GeminiStreamEvent[] = [];
    const error = await failure(
      (async () => {
        for await (const event of await client().gemini.generateStream({ prompt: 'q' })) events.push(event);
      })(),
    );
    return { events, error };
  }

  it('throws the error event Gemini sends inside the stream, after the deltas before it', async () => {
    const { events, error } = await midStreamFailure(
      `${firstChunk}data: ${JSON.stringify(errorBody(500, 'INTERNAL'))}\n\n`,
    );
    expect(events).toEqual([{ type: 'delta', text: 'Half an' }]);
    expect(error).toMatchObject({ code: 'upstream_error', upstreamStatus: 500 });
  });

  it('throws upstream_bad_response for an unparseable chunk', async () => {
    const { error } = await midStreamFailure(`${firstChunk}data: {"candidates": [\n\n`);
    expect(error.code).toBe('upstream_bad_response');
  });

  it('throws upstream_bad_response for a last event without its closing blank line', async () => {
    const { events, error } = await midStreamFailure(`${firstChunk}data: {"candidates":[]}\n`);
    expect(events).toHaveLength(1);
    expect(error.code).toBe('upstream_bad_response');
  });
});
