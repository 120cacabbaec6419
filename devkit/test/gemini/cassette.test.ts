import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CassetteFormatError, isEventStream, parseCassette } from '../../src/gemini/cassette.ts';
import { loadCassetteDir, PROJECT_CASSETTES } from '../../src/gemini/cassette-file.ts';

const cassettes = await loadCassetteDir(PROJECT_CASSETTES);

// nock intercepts every node:http request in the process while active: only while this file runs
// (test files share a worker process).
beforeAll(() => {
  if (!nock.isActive()) nock.activate();
});
afterAll(() => nock.restore());

describe('the project cassettes', () => {
  afterEach(() => nock.cleanAll());

  it('cover every scenario the issue lists', () => {
    const replies = cassettes.flatMap((cassette) => cassette.definitions);
    const statuses = new Set(replies.map((definition) => definition.status));
    expect([...statuses].sort()).toEqual([200, 400, 403, 429, 500, 503]);
    const text = JSON.stringify(replies);
    for (const marker of [
      '"blockReason":"SAFETY"',
      '"finishReason":"SAFETY"',
      '"finishReason":"RECITATION"',
      'RetryInfo',
    ]) {
      expect(text).toContain(marker);
    }
    expect(replies.some(isEventStream)).toBe(true);
  });

  it('are each listed in their README', async () => {
    const readme = await readFile(join(PROJECT_CASSETTES, 'README.md'), 'utf8');
    for (const { name } of cassettes) expect(readme).toContain(`| \`${name}\` |`);
  });

  it.each(cassettes.map((cassette) => [cassette.name, cassette] as const))(
    '%s is accepted by nock.define as it is',
    async (_name, cassette) => {
      const scopes = nock.define(cassette.definitions.map((definition) => ({ ...definition })));
      expect(scopes).toHaveLength(cassette.definitions.length);
    },
  );

  it('replay through plain nock for unary replies (nock compatibility, not only the devkit)', async () => {
    const short = cassettes.find((cassette) => cassette.name === 'short-answer')!.definitions[0]!;
    nock.define([{ ...short }]);
    const response = await fetch(`https://generativelanguage.googleapis.com${short.path}`, {
      method: 'POST',
      body: JSON.stringify(short.body),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(short.response);
  });
});

describe('cassette format checks', () => {
  const valid = {
    scope: 'https://generativelanguage.googleapis.com:443',
    method: 'POST',
    path: '/v1beta/models/m:generateContent',
    status: 200,
  };

  it.each([
    ['not JSON', '[{', 'cassette bad: not JSON'],
    ['not an array', '{}', 'cassette bad: expected a JSON array of nock definitions'],
    [
      'no method',
      JSON.stringify([{ ...valid, method: '' }]),
      "cassette bad#0: 'method' must be a non-empty string",
    ],
    [
      'no status',
      JSON.stringify([{ ...valid, status: '200' }]),
      "cassette bad#0: 'status' must be an HTTP status code",
    ],
    [
      'bad match',
      JSON.stringify([{ ...valid, devkit: { match: 'fuzzy' } }]),
      "cassette bad#0: 'devkit.match' must be one of",
    ],
    [
      'SSE without events',
      JSON.stringify([
        { ...valid, rawHeaders: { 'Content-Type': 'text/event-stream' }, response: 'data: {}' },
      ]),
      "an event-stream 'response' must be the list of events",
    ],
    [
      'gaps not matching events',
      JSON.stringify([
        {
          ...valid,
          rawHeaders: { 'content-type': 'text/event-stream' },
          response: [{}, {}],
          devkit: { eventGapsMs: [1] },
        },
      ]),
      "'devkit.eventGapsMs' must hold one non-negative number per event",
    ],
  ])('rejects %s, naming the cassette and the field', (_case, text, message) => {
    expect(() => parseCassette('bad', text)).toThrow(CassetteFormatError);
    expect(() => parseCassette('bad', text)).toThrow(message);
  });
});
