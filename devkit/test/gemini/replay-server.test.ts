import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cassette } from '../../src/gemini/cassette.ts';
import { loadCassetteDir, PROJECT_CASSETTES } from '../../src/gemini/cassette-file.ts';
import { parseFaults } from '../../src/gemini/faults.ts';
import type { ReplayServer, ReplayServerOptions } from '../../src/gemini/replay-server.ts';
import { FAULTS_PATH, startReplayServer } from '../../src/gemini/replay-server.ts';
import { parseSseEvents } from '../../src/gemini/sse.ts';
import { apiRequestBody } from './contract-support.ts';

const MODEL_PATH = '/v1beta/models/gemini-2.5-flash';
const cassettes = await loadCassetteDir(PROJECT_CASSETTES);
const cassette = (name: string): Cassette => cassettes.find((c) => c.name === name)!;
const askBody = (prompt: string) =>
  JSON.stringify({ contents: [{ parts: [{ text: prompt }], role: 'user' }] });
/** The body the API sends for a question (system instruction and all). */
const apiBody = async (question: string, more: { level?: 'beginner'; subject?: string } = {}) =>
  JSON.stringify(await apiRequestBody({ question, ...more }));

async function withServer(options: Partial<ReplayServerOptions>) {
  const lines: string[] = [];
  const server = await startReplayServer({
    cassettes,
    pacing: { kind: 'none' },
    log: (l) => lines.push(l),
    ...options,
  });
  return { server, lines };
}

function post(server: ReplayServer, action: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${MODEL_PATH}:${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'any-key-at-all', ...headers },
    body,
  });
}

/** Reads a body to its end or its failure: what arrived, and the error if the stream broke. */
async function readAll(response: Response): Promise<{ text: string; error?: unknown }> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body!) text += decoder.decode(chunk, { stream: true });
    return { text };
  } catch (error) {
    return { text, error };
  }
}

describe('replay server', () => {
  let server: ReplayServer;
  let lines: string[];
  beforeAll(async () => ({ server, lines } = await withServer({})));
  afterAll(() => server.close());

  it('answers health checks', async () => {
    const response = await fetch(`${server.url}/health`);
    expect(await response.json()).toEqual({ status: 'ok', recordings: 14, fallback: false });
  });

  it('replays a unary cassette, whatever the key, the system instruction and the body layout', async () => {
    const recorded = cassette('short-answer').definitions[0]!;
    const question = 'What is photosynthesis, in one sentence?';
    // A level and a subject change the system instruction the API sends, not the recording that answers.
    const sent = JSON.parse(await apiBody(question, { level: 'beginner', subject: 'biology' })) as object;
    expect(sent).not.toEqual(recorded.body);
    const body = JSON.stringify(sent, null, 2);
    const response = await post(server, 'generateContent?key=some-other-key-123', body);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    expect(await response.json()).toEqual(recorded.response);
  });

  it('replays a streaming cassette as its separate SSE events', async () => {
    const recorded = cassette('streaming-answer').definitions[0]!;
    const response = await post(server, 'streamGenerateContent?alt=sse', JSON.stringify(recorded.body));
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSseEvents((await readAll(response)).text).map((data) => JSON.parse(data) as unknown);
    expect(events).toEqual(recorded.response);
    expect(events).toHaveLength(5);
  });

  it('replays countTokens', async () => {
    const response = await post(server, 'countTokens', askBody('How many tokens is this question?'));
    expect(await response.json()).toEqual({
      totalTokens: 8,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }],
    });
  });

  it('replays recorded error replies with their status', async () => {
    const response = await post(server, 'generateContent', await apiBody('devkit scenario: rate limited'));
    expect(response.status).toBe(429);
    const { error } = (await response.json()) as {
      error: { status: string; details: Array<Record<string, unknown>> };
    };
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect(error.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '17s',
    });
  });

  it('answers an unmatched request with a Gemini error naming the closest cassette, and logs it', async () => {
    const response = await post(
      server,
      'generateContent',
      await apiBody('What is photosynthesis, in two sentences?'),
    );
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as { error: { code: number; status: string; message: string } };
    expect(error).toMatchObject({ code: 404, status: 'NOT_FOUND' });
    expect(error.message).toContain('closest cassette: short-answer#0');
    expect(lines.at(-1)).toBe(
      'gemini-mock: no recording matches POST /v1beta/models/gemini-2.5-flash:generateContent; closest cassette: short-answer#0, ' +
        'which differs in body at contents[0].parts[0].text (recorded "What is photosynthesis, in one sentence?", got "What is photosynthesis, in two sentences?")',
    );
  });

  it('answers other paths with a Gemini-shaped 404', async () => {
    const response = await fetch(`${server.url}/v1beta/models`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
  });
});

describe('fallback mode', () => {
  let server: ReplayServer;
  beforeAll(async () => ({ server } = await withServer({ fallback: true })));
  afterAll(() => server.close());

  it('still replays cassettes that match', async () => {
    const recorded = cassette('short-answer').definitions[0]!;
    expect(await (await post(server, 'generateContent', JSON.stringify(recorded.body))).json()).toEqual(
      recorded.response,
    );
  });

  it('answers any other question with the same templated reply every time', async () => {
    const ask = () => post(server, 'generateContent', askBody('Why is the sky blue?')).then((r) => r.text());
    const [first, second] = [await ask(), await ask()];
    expect(first).toBe(second);
    const reply = JSON.parse(first) as {
      candidates: Array<{ content: { parts: Array<{ text: string }> }; finishReason: string }>;
    };
    expect(reply.candidates[0]!.finishReason).toBe('STOP');
    expect(reply.candidates[0]!.content.parts[0]!.text).toContain('You asked: "Why is the sky blue?"');
  });

  it('streams the same answer as a few events, the last one finished', async () => {
    const unary = (await (await post(server, 'generateContent', askBody('Why is the sky blue?'))).json()) as {
      candidates: Array<{ content: { parts: Array<{ text: string }> } }>;
    };
    const response = await post(server, 'streamGenerateContent?alt=sse', askBody('Why is the sky blue?'));
    const events = parseSseEvents((await readAll(response)).text).map(
      (data) =>
        JSON.parse(data) as {
          candidates: Array<{ content: { parts: Array<{ text: string }> }; finishReason?: string }>;
        },
    );
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((e) => e.candidates[0]!.content.parts[0]!.text).join('')).toBe(
      unary.candidates[0]!.content.parts[0]!.text,
    );
    expect(events.map((e) => e.candidates[0]!.finishReason)).toEqual([
      ...new Array<undefined>(events.length - 1).fill(undefined),
      'STOP',
    ]);
  });

  it('counts tokens', async () => {
    const response = await post(server, 'countTokens', askBody('Why is the sky blue?'));
    expect(await response.json()).toEqual({
      totalTokens: 5,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }],
    });
  });
});

describe('fault injection', () => {
  let server: ReplayServer;
  let lines: string[];
  beforeAll(async () => ({ server, lines } = await withServer({ fallback: true })));
  afterAll(() => server.close());
  const short = () => JSON.stringify(cassette('short-answer').definitions[0]!.body);
  const stream = () => JSON.stringify(cassette('streaming-answer').definitions[0]!.body);

  it('429: RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const response = await post(server, 'generateContent', short(), { 'x-devkit-fault': '429=30s' });
    expect(response.status).toBe(429);
    const { error } = (await response.json()) as { error: { status: string; details: unknown[] } };
    expect(error.status).toBe('RESOURCE_EXHAUSTED');
    expect(error.details).toContainEqual({
      '@type': 'type.googleapis.com/google.rpc.RetryInfo',
      retryDelay: '30s',
    });
  });

  it.each([
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
  ])('%i: %s', async (code, status) => {
    const response = await post(server, 'generateContent', short(), { 'x-devkit-fault': String(code) });
    expect(response.status).toBe(code);
    expect(await response.json()).toMatchObject({ error: { code, status } });
  });

  it('reset: the connection is reset without a reply', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const outgoing = request(`${server.url}${MODEL_PATH}:generateContent`, {
        method: 'POST',
        headers: { 'x-devkit-fault': 'reset' },
      });
      outgoing.on('response', () => reject(new Error('got a response')));
      outgoing.on('error', resolve);
      outgoing.end(short());
    });
    expect(error.code).toBe('ECONNRESET');
  });

  it('cut-stream: a stream stops midway and the connection drops', async () => {
    const response = await post(server, 'streamGenerateContent?alt=sse', stream(), {
      'x-devkit-fault': 'cut-stream',
    });
    const { text, error } = await readAll(response);
    expect(error).toBeDefined();
    const complete = text.split('\r\n\r\n').slice(0, -1);
    expect(complete).toHaveLength(2); // of 5 events; then half of the third
    expect(text.endsWith('\r\n\r\n')).toBe(false);
  });

  it('cut-stream: a unary body stops midway', async () => {
    const response = await post(server, 'generateContent', short(), { 'x-devkit-fault': 'cut-stream' });
    expect(response.status).toBe(200);
    expect((await readAll(response)).error).toBeDefined();
  });

  it('malformed-chunk: one event of the stream is not JSON, the others are intact', async () => {
    const response = await post(server, 'streamGenerateContent?alt=sse', stream(), {
      'x-devkit-fault': 'malformed-chunk',
    });
    const events = parseSseEvents((await readAll(response)).text);
    expect(events).toHaveLength(5);
    const parses = events.map((data) => {
      try {
        JSON.parse(data);
        return true;
      } catch {
        return false;
      }
    });
    expect(parses).toEqual([true, true, false, true, true]);
  });

  it('malformed-chunk: a unary body is invalid JSON', async () => {
    const response = await post(server, 'generateContent', short(), { 'x-devkit-fault': 'malformed-chunk' });
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it('latency: the reply comes, after the delay the log reports', async () => {
    const response = await post(server, 'generateContent', short(), {
      'x-devkit-fault': 'latency=uniform(5ms,15ms)',
    });
    expect(response.status).toBe(200);
    expect(lines.at(-1)).toContain('injecting latency {"kind":"uniform","minMs":5,"maxMs":15}');
  });

  it('rejects a fault header it cannot read with a 400 saying why', async () => {
    const response = await post(server, 'generateContent', short(), { 'x-devkit-fault': 'teapot' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: expect.stringContaining("unknown fault 'teapot'"),
      },
    });
  });

  it('applies configured faults to their share of requests', async () => {
    const draws = [0.1, 0.9];
    const { server: flaky } = await withServer({
      faults: parseFaults('503@50%'),
      random: () => draws.shift()!,
    });
    try {
      expect((await post(flaky, 'generateContent', short())).status).toBe(503);
      expect((await post(flaky, 'generateContent', short())).status).toBe(200);
    } finally {
      await flaky.close();
    }
  });
});

describe('faults set while it runs (PUT /_devkit/faults)', () => {
  const short = () => JSON.stringify(cassette('short-answer').definitions[0]!.body);
  const putFaults = (server: ReplayServer, spec: string) =>
    fetch(`${server.url}${FAULTS_PATH}`, { method: 'PUT', body: spec });

  it('replaces the faults of every request, reads them back, and clears them with an empty spec', async () => {
    const { server, lines } = await withServer({});
    try {
      expect((await post(server, 'generateContent', short())).status).toBe(200);
      const set = await putFaults(server, '503');
      expect(set.status).toBe(200);
      expect(await set.json()).toEqual({
        fault: '503',
        faults: [{ fault: { kind: 'status', code: 503 }, probability: 1 }],
      });
      expect((await post(server, 'generateContent', short())).status).toBe(503);
      expect(await (await fetch(`${server.url}${FAULTS_PATH}`)).json()).toEqual(
        await (await putFaults(server, '503')).json(),
      );
      expect((await putFaults(server, '')).status).toBe(200);
      expect((await post(server, 'generateContent', short())).status).toBe(200);
      expect(lines).toContain('gemini-mock: faults for every request now: none');
    } finally {
      await server.close();
    }
  });

  it('refuses a spec it cannot read with a 400 saying why, and keeps the faults it had', async () => {
    const { server } = await withServer({ faults: parseFaults('latency=1ms') });
    try {
      const response = await putFaults(server, 'latency=fast');
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining("'fast' is not a duration") },
      });
      expect(await (await fetch(`${server.url}${FAULTS_PATH}`)).json()).toEqual({
        fault: 'latency=1ms',
        faults: [{ fault: { kind: 'latency', delay: { kind: 'fixed', ms: 1 } }, probability: 1 }],
      });
    } finally {
      await server.close();
    }
  });
});
