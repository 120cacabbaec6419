import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CassetteDefinition } from '../../src/gemini/cassette.ts';
import { readCassetteFile } from '../../src/gemini/cassette-file.ts';
import type { Recorder } from '../../src/gemini/recorder.ts';
import { startRecorder } from '../../src/gemini/recorder.ts';
import { startReplayServer } from '../../src/gemini/replay-server.ts';
import { parseSseEvents } from '../../src/gemini/sse.ts';
import type { FakeUpstream } from './fake-upstream.ts';
import { startFakeUpstream } from './fake-upstream.ts';

const USER_KEY = 'AIzaSyD-the-users-real-key-0123456789ab';
const CLIENT_KEY = 'client-side-placeholder-key';
const UNARY = '/v1beta/models/gemini-2.5-flash:generateContent';
const STREAM = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
const ask = (prompt: string) => JSON.stringify({ contents: [{ parts: [{ text: prompt }], role: 'user' }] });
const answer = (text: string, finishReason?: string) => ({
  candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(finishReason ? { finishReason } : {}) }],
});

let upstream: FakeUpstream;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devkit-record-'));
  upstream = await startFakeUpstream(async (request, response) => {
    const prompt = (JSON.parse(request.body || '{}') as { contents?: [{ parts: [{ text: string }] }] })
      .contents?.[0].parts[0].text;
    if (prompt === 'gzip please') {
      response.writeHead(200, {
        'content-type': 'application/json; charset=UTF-8',
        'content-encoding': 'gzip',
      });
      response.end(gzipSync(JSON.stringify(answer('Compressed hello', 'STOP'))));
    } else if (prompt === 'bad key') {
      // Gemini echoes an invalid key in the error details.
      const key = request.headers['x-goog-api-key'];
      response.writeHead(400, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(
        JSON.stringify({
          error: {
            code: 400,
            message: 'API key not valid. Please pass a valid API key.',
            status: 'INVALID_ARGUMENT',
            details: [
              { '@type': 'type.googleapis.com/google.rpc.DebugInfo', detail: `Invalid API key: ${key}` },
            ],
          },
        }),
      );
    } else if (request.url.includes('streamGenerateContent')) {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'x-echo-key': String(request.headers['x-goog-api-key']),
      });
      for (const [i, text] of ['One', ' two', ' three'].entries()) {
        await sleep(15);
        response.write(`data: ${JSON.stringify(answer(text, i === 2 ? 'STOP' : undefined))}\r\n\r\n`);
      }
      response.end();
    } else {
      response.writeHead(200, {
        'content-type': 'application/json; charset=UTF-8',
        date: new Date().toUTCString(),
      });
      response.end(JSON.stringify(answer(`You said: ${prompt}`, 'STOP')));
    }
  });
});

afterAll(async () => {
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

describe('recording proxy', () => {
  let recorder: Recorder | undefined;
  afterEach(async () => {
    await recorder?.close();
    recorder = undefined;
  });

  async function record(
    name: string,
    calls: (url: string) => Promise<void>,
    { apiKey }: { apiKey?: string } = { apiKey: USER_KEY },
  ) {
    const cassetteFile = join(dir, `${name}.json`);
    recorder = await startRecorder({
      upstream: upstream.url,
      cassetteFile,
      ...(apiKey ? { apiKey } : {}),
      log: () => undefined,
    });
    await calls(recorder.url);
    await recorder.close();
    return { cassetteFile, text: await readFile(cassetteFile, 'utf8').catch(() => '') };
  }

  it('forwards with the user key in place of the client key and writes a nock definition without either', async () => {
    const start = upstream.received.length;
    let relayed: unknown;
    const { cassetteFile, text } = await record('unary', async (url) => {
      const response = await fetch(`${url}${UNARY}?key=${CLIENT_KEY}`, { method: 'POST', body: ask('Hi') });
      relayed = await response.json();
    });
    expect(relayed).toEqual(answer('You said: Hi', 'STOP'));
    expect(new URL(upstream.received[start]!.url, 'http://x').searchParams.get('key')).toBe(USER_KEY);
    expect(text).not.toContain(USER_KEY);
    expect(text).not.toContain(CLIENT_KEY);
    const [definition] = (await readCassetteFile(cassetteFile)).definitions;
    expect(definition).toMatchObject({
      scope: upstream.url,
      method: 'POST',
      path: UNARY,
      body: JSON.parse(ask('Hi')),
      status: 200,
      response: answer('You said: Hi', 'STOP'),
      rawHeaders: { 'content-type': 'application/json; charset=UTF-8' },
    } satisfies Partial<CassetteDefinition>);
    expect(definition!.rawHeaders).not.toHaveProperty('date');
    expect(Date.parse(definition!.devkit!.recordedAt!)).not.toBeNaN();
  });

  it('redacts a key that the reply echoes, and sends the header key upstream', async () => {
    const start = upstream.received.length;
    const { text } = await record('bad-key', async (url) => {
      await fetch(`${url}${UNARY}`, {
        method: 'POST',
        headers: { 'x-goog-api-key': CLIENT_KEY },
        body: ask('bad key'),
      });
    });
    expect(upstream.received[start]!.headers['x-goog-api-key']).toBe(USER_KEY);
    expect(text).not.toContain(USER_KEY);
    expect(text).toContain('Invalid API key: REDACTED');
  });

  it('stores gzip replies decoded and readable, while the client gets them as sent', async () => {
    let relayed: unknown;
    const { cassetteFile, text } = await record('gzip', async (url) => {
      const response = await fetch(`${url}${UNARY}`, { method: 'POST', body: ask('gzip please') });
      relayed = await response.json(); // fetch decodes the gzip it was relayed
    });
    expect(relayed).toEqual(answer('Compressed hello', 'STOP'));
    expect(text).toContain('Compressed hello');
    const [definition] = (await readCassetteFile(cassetteFile)).definitions;
    expect(definition!.rawHeaders).not.toHaveProperty('content-encoding');
  });

  it('stores SSE replies as their events with the gaps between them, key scrubbed from headers', async () => {
    let relayed = '';
    const { cassetteFile } = await record('stream', async (url) => {
      relayed = await (await fetch(`${url}${STREAM}`, { method: 'POST', body: ask('count') })).text();
    });
    expect(parseSseEvents(relayed)).toHaveLength(3);
    const [definition] = (await readCassetteFile(cassetteFile)).definitions;
    expect(definition!.response).toEqual([answer('One'), answer(' two'), answer(' three', 'STOP')]);
    expect(definition!.devkit!.eventGapsMs).toHaveLength(3);
    expect(definition!.rawHeaders!['x-echo-key']).toBe('REDACTED');
  });

  it('appends every exchange of a session to the one cassette, and it replays', async () => {
    const { cassetteFile } = await record('session', async (url) => {
      for (const prompt of ['first', 'second']) {
        await fetch(`${url}${UNARY}`, { method: 'POST', body: ask(prompt) }).then((r) => r.arrayBuffer());
      }
      await fetch(`${url}${STREAM}`, { method: 'POST', body: ask('count') }).then((r) => r.arrayBuffer());
    });
    const cassette = await readCassetteFile(cassetteFile);
    expect(cassette.definitions.map((d) => d.path)).toEqual([UNARY, UNARY, STREAM]);

    const replay = await startReplayServer({
      cassettes: [cassette],
      pacing: { kind: 'none' },
      log: () => undefined,
    });
    try {
      const second = await fetch(`${replay.url}${UNARY}`, { method: 'POST', body: ask('second') });
      expect(await second.json()).toEqual(answer('You said: second', 'STOP'));
      const stream = await fetch(`${replay.url}${STREAM}`, { method: 'POST', body: ask('count') });
      expect(parseSseEvents(await stream.text()).map((data) => JSON.parse(data) as unknown)).toEqual([
        answer('One'),
        answer(' two'),
        answer(' three', 'STOP'),
      ]);
    } finally {
      await replay.close();
    }
  });

  it('refuses to forward a key too short to scrub reliably', async () => {
    let status = 0;
    const { text } = await record(
      'short-key',
      async (url) => {
        const response = await fetch(`${url}${UNARY}`, {
          method: 'POST',
          headers: { 'x-goog-api-key': 'abc' },
          body: ask('Hi'),
        });
        status = response.status;
        await response.arrayBuffer();
      },
      {},
    );
    expect(status).toBe(400);
    expect(text).toBe('');
  });

  it('answers 502 in Gemini error shape when the upstream cannot be reached, recording nothing', async () => {
    recorder = await startRecorder({
      upstream: 'http://127.0.0.1:1',
      cassetteFile: join(dir, 'unreachable.json'),
      apiKey: USER_KEY,
      log: () => undefined,
    });
    const response = await fetch(`${recorder.url}${UNARY}`, { method: 'POST', body: ask('Hi') });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ error: { code: 502, status: 'UNAVAILABLE' } });
    expect(recorder.recorded).toBe(0);
  });
});
