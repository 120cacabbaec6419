import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCassetteDir, PROJECT_CASSETTES } from '../../src/gemini/cassette-file.ts';
import { parseSseEvents } from '../../src/gemini/sse.ts';
import { cassetteModeFromEnv, GeminiCassettes } from '../../src/gemini/vitest-cassettes.ts';
import { apiRequestBody, generateOutcome, geminiClient } from './contract-support.ts';
import type { FakeUpstream } from './fake-upstream.ts';
import { startFakeUpstream } from './fake-upstream.ts';

const UNARY = '/v1beta/models/gemini-2.5-flash:generateContent';
const cassettes = await loadCassetteDir(PROJECT_CASSETTES);
const recorded = (name: string) => cassettes.find((c) => c.name === name)!.definitions[0]!;
const ask = (prompt: string) => JSON.stringify({ contents: [{ parts: [{ text: prompt }], role: 'user' }] });

let helper: GeminiCassettes | undefined;
afterEach(async () => {
  // Tests that expect eject to throw call it themselves; this only cleans up after a failure.
  await helper?.eject().catch(() => undefined);
  helper = undefined;
});

describe('replay and lockdown', () => {
  it('replays a named cassette in-process for a client pointed at Gemini', async () => {
    helper = new GeminiCassettes({ mode: 'replay' });
    const { baseUrl } = await helper.insert('short-answer');
    expect(baseUrl).toBe('https://generativelanguage.googleapis.com');
    const response = await fetch(`${baseUrl}${UNARY}`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'whatever' },
      body: JSON.stringify(recorded('short-answer').body),
    });
    expect(await response.json()).toEqual(recorded('short-answer').response);
    await helper.eject();
  });

  it('replays streaming cassettes as separate events', async () => {
    helper = new GeminiCassettes({ mode: 'replay', pacing: { kind: 'none' } });
    const { baseUrl } = await helper.insert('streaming-answer');
    const response = await fetch(`${baseUrl}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      body: JSON.stringify(recorded('streaming-answer').body),
    });
    const events = parseSseEvents(await response.text()).map((data) => JSON.parse(data) as unknown);
    expect(events).toEqual(recorded('streaming-answer').response);
    await helper.eject();
  });

  it('fails on eject when a request matched nothing, naming the closest cassette and what differed', async () => {
    helper = new GeminiCassettes({ mode: 'replay' });
    const { baseUrl } = await helper.insert('short-answer');
    const response = await fetch(`${baseUrl}/v1beta/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      body: JSON.stringify(recorded('short-answer').body),
    });
    expect(response.status).toBe(404);
    await expect(helper.eject()).rejects.toThrow(
      'Gemini cassette short-answer: 1 request(s) matched no recording:\n' +
        '  - no recording matches POST /v1beta/models/gemini-2.0-flash:generateContent; closest cassette: short-answer#0, ' +
        'which differs in model (recorded gemini-2.5-flash, got gemini-2.0-flash)',
    );
  });

  it('in lockdown, lets only loopback traffic through while a cassette is in', async () => {
    const local = await startFakeUpstream((_request, response) => void response.end('local ok'));
    try {
      helper = new GeminiCassettes({ mode: 'lockdown' });
      await helper.insert('short-answer');
      // nock refuses before any socket or DNS lookup: that is what the cause says.
      const blocked = await fetch('https://lockdown-test.invalid/').catch((error: Error) => error);
      expect(String((blocked as Error).cause)).toContain(
        'Nock: Disallowed net connect for "lockdown-test.invalid:443/"',
      );
      expect(await (await fetch(local.url)).text()).toBe('local ok');
      await helper.eject();
    } finally {
      await local.close();
    }
  });

  it('says how to record a cassette that does not exist', async () => {
    helper = new GeminiCassettes({ mode: 'lockdown' });
    await expect(helper.insert('no-such-scenario')).rejects.toThrow(
      /no cassette .*no-such-scenario\.json: record it with DEVKIT_GEMINI_MODE=record GEMINI_API_KEY=<your key>/,
    );
  });

  it('takes lockdown as the default under CI=true, replay otherwise, and rejects unknown modes', () => {
    expect(cassetteModeFromEnv({ CI: 'true' })).toBe('lockdown');
    expect(cassetteModeFromEnv({})).toBe('replay');
    expect(cassetteModeFromEnv({ CI: 'true', DEVKIT_GEMINI_MODE: 'record' })).toBe('record');
    expect(() => cassetteModeFromEnv({ DEVKIT_GEMINI_MODE: 'dry' })).toThrow(
      'DEVKIT_GEMINI_MODE must be one of',
    );
  });
});

describe('record, update and wild modes (against a local stand-in for Gemini)', () => {
  const KEY = 'AIzaSyD-users-key-for-recording-0000';
  let upstream: FakeUpstream;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devkit-helper-'));
    upstream = await startFakeUpstream((request, response) => {
      const prompt = (JSON.parse(request.body) as { contents: [{ parts: [{ text: string }] }] }).contents[0]
        .parts[0].text;
      response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(JSON.stringify({ candidates: [{ content: { parts: [{ text: `live: ${prompt}` }] } }] }));
    });
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });
  const options = (mode: 'record' | 'update' | 'wild' | 'replay') => ({
    mode,
    dir,
    upstream: upstream.url,
    apiKey: KEY,
  });
  const askAt = async (baseUrl: string, prompt: string) =>
    (await fetch(`${baseUrl}${UNARY}`, { method: 'POST', body: ask(prompt) })).json();

  it('records a missing cassette through the proxy, then replays it without the upstream', async () => {
    helper = new GeminiCassettes(options('record'));
    const { baseUrl } = await helper.insert('recorded-here');
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await askAt(baseUrl, 'Hi')).toEqual({
      candidates: [{ content: { parts: [{ text: 'live: Hi' }] } }],
    });
    await helper.eject();
    const text = await readFile(join(dir, 'recorded-here.json'), 'utf8');
    expect(text).not.toContain(KEY);

    const before = upstream.received.length;
    helper = new GeminiCassettes(options('record')); // exists now: replayed
    const replay = await helper.insert('recorded-here');
    expect(await askAt(replay.baseUrl, 'Hi')).toEqual({
      candidates: [{ content: { parts: [{ text: 'live: Hi' }] } }],
    });
    await helper.eject();
    expect(upstream.received.length).toBe(before);
  });

  it('update re-records a cassette that exists', async () => {
    helper = new GeminiCassettes(options('update'));
    const { baseUrl } = await helper.insert('recorded-here');
    await askAt(baseUrl, 'Again');
    await helper.eject();
    const [definition] = JSON.parse(await readFile(join(dir, 'recorded-here.json'), 'utf8')) as [
      { body: unknown },
    ];
    expect(definition.body).toEqual(JSON.parse(ask('Again')));
  });

  it("recording through the contract tests' calls writes the request the API sends", async () => {
    helper = new GeminiCassettes(options('record'));
    const { baseUrl } = await helper.insert('api-shaped');
    const question = 'What is a recording?';
    expect(await generateOutcome(geminiClient(baseUrl), question)).toMatchObject({
      kind: 'answer',
      answer: { text: `live: ${question}` },
    });
    await helper.eject();
    const [definition] = JSON.parse(await readFile(join(dir, 'api-shaped.json'), 'utf8')) as [
      { body: unknown },
    ];
    expect(definition.body).toEqual(await apiRequestBody({ question }));
    expect(definition.body).toHaveProperty('systemInstruction');
  });

  it('wild sends the client straight to the upstream', async () => {
    helper = new GeminiCassettes(options('wild'));
    const { baseUrl } = await helper.insert('recorded-here');
    expect(baseUrl).toBe(upstream.url);
    expect(await askAt(baseUrl, 'Wild')).toEqual({
      candidates: [{ content: { parts: [{ text: 'live: Wild' }] } }],
    });
  });

  it('refuses to record without a key', async () => {
    helper = new GeminiCassettes({ mode: 'update', dir, upstream: upstream.url, apiKey: '' });
    const saved = process.env.GEMINI_API_KEY;
    delete process.env.GEMINI_API_KEY;
    try {
      await expect(helper.insert('keyless')).rejects.toThrow(
        'recording cassette keyless needs GEMINI_API_KEY',
      );
    } finally {
      if (saved !== undefined) process.env.GEMINI_API_KEY = saved;
    }
  });
});
