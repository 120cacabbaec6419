import { beforeAll, describe, expect, it } from 'vitest';
import type { Cassette, CassetteDefinition } from '../../src/gemini/cassette.ts';
import { loadCassetteDir, PROJECT_CASSETTES } from '../../src/gemini/cassette-file.ts';
import type { RecordedRequest } from '../../src/gemini/request-match.ts';
import { CassetteMatcher, cassetteEntries, entryLabel } from '../../src/gemini/request-match.ts';
import type { ChatInput } from './contract-support.ts';
import { apiRequestBody } from './contract-support.ts';

const PATH = '/v1beta/models/gemini-2.5-flash:generateContent';

function definition(prompt: string, extra: Partial<CassetteDefinition> = {}): CassetteDefinition {
  return {
    scope: 'https://generativelanguage.googleapis.com:443',
    method: 'POST',
    path: PATH,
    body: { contents: [{ parts: [{ text: prompt }], role: 'user' }], generationConfig: { temperature: 1 } },
    status: 200,
    response: { candidates: [{ content: { parts: [{ text: `answer to ${prompt}` }] } }] },
    ...extra,
  };
}

function post(body: string, url = PATH): RecordedRequest {
  return { method: 'POST', url, body };
}

function matched(matcher: CassetteMatcher, request: RecordedRequest): string {
  const result = matcher.match(request);
  if ('miss' in result) throw new Error(result.miss.message);
  return entryLabel(result.entry);
}

function matcherOf(...cassettes: Cassette[]): CassetteMatcher {
  return new CassetteMatcher(cassetteEntries(cassettes));
}

describe('request matching', () => {
  it('ignores key order and whitespace in normalized mode', () => {
    const matcher = matcherOf({
      name: 'photosynthesis',
      definitions: [definition('What is photosynthesis?')],
    });
    const reordered =
      '{ "generationConfig": {"temperature": 1},\n  "contents": [ {"role": "user", "parts": [{"text": "What is photosynthesis?"}]} ] }';
    expect(matched(matcher, post(reordered))).toBe('photosynthesis#0');
  });

  it('never matches on the API key: key= parameters are dropped, headers are not compared', () => {
    const matcher = matcherOf({ name: 'c', definitions: [definition('Q')] });
    const body = JSON.stringify(definition('Q').body);
    expect(matched(matcher, post(body, `${PATH}?key=AIzaSyA-one-key-000000000000000000000`))).toBe('c#0');
    expect(matched(matcher, post(body, `${PATH}?key=another-key-9999999999`))).toBe('c#0');
  });

  it('compares the rest of the query, in any order', () => {
    const stream = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';
    const matcher = matcherOf({
      name: 's',
      definitions: [definition('Q', { path: `${stream}?alt=sse&foo=1` })],
    });
    const body = JSON.stringify(definition('Q').body);
    expect(matched(matcher, post(body, `${stream}?foo=1&key=abcdefgh123&alt=sse`))).toBe('s#0');
    expect('miss' in matcher.match(post(body, `${stream}?alt=sse`))).toBe(true);
  });

  it('ignores generationConfig when the cassette says so, and only then', () => {
    const matcher = matcherOf(
      {
        name: 'loose',
        definitions: [definition('loose Q', { devkit: { match: 'ignore-generation-config' } })],
      },
      { name: 'strict', definitions: [definition('strict Q')] },
    );
    const retuned = (prompt: string) =>
      JSON.stringify({
        contents: [{ parts: [{ text: prompt }], role: 'user' }],
        generationConfig: { temperature: 0 },
      });
    expect(matched(matcher, post(retuned('loose Q')))).toBe('loose#0');
    expect(
      matched(matcher, post(JSON.stringify({ contents: [{ parts: [{ text: 'loose Q' }], role: 'user' }] }))),
    ).toBe('loose#0');
    const miss = matcher.match(post(retuned('strict Q')));
    expect('miss' in miss && miss.miss.message).toContain(
      'body at generationConfig.temperature (recorded 1, got 0)',
    );
  });

  it('wants the body byte for byte in exact mode', () => {
    const exact = definition('Q', { devkit: { match: 'exact' } });
    const matcher = matcherOf({ name: 'exact', definitions: [exact] });
    expect(matched(matcher, post(JSON.stringify(exact.body)))).toBe('exact#0');
    const result = matcher.match(post(JSON.stringify(exact.body, null, 2)));
    expect('miss' in result && result.miss.differences).toEqual([
      'body bytes (this cassette matches the body exactly; key order or spacing differs)',
    ]);
  });

  it('replays repeated requests in recorded order, then keeps answering with the last', () => {
    const q = definition('Q');
    const matcher = matcherOf({
      name: 'retry',
      definitions: [
        { ...q, status: 503 },
        { ...q, status: 200 },
      ],
    });
    const body = JSON.stringify(q.body);
    expect([1, 2, 3].map(() => matched(matcher, post(body)))).toEqual(['retry#0', 'retry#1', 'retry#1']);
  });

  it('names the closest recording and what differed', () => {
    const matcher = matcherOf(
      { name: 'api-disabled', definitions: [definition('devkit scenario: API disabled')] },
      { name: 'photosynthesis', definitions: [definition('What is photosynthesis, in one sentence?')] },
      {
        name: 'stream',
        definitions: [
          definition('What is photosynthesis?', {
            path: `${PATH.replace(':generateContent', ':streamGenerateContent')}?alt=sse`,
          }),
        ],
      },
    );
    const result = matcher.match(
      post(JSON.stringify(definition('What is photosynthesis, in two sentences?').body)),
    );
    expect('miss' in result).toBe(true);
    if (!('miss' in result)) return;
    expect(result.miss.closest).toBe('photosynthesis#0');
    expect(result.miss.message).toBe(
      'no recording matches POST /v1beta/models/gemini-2.5-flash:generateContent; closest cassette: photosynthesis#0, ' +
        'which differs in body at contents[0].parts[0].text (recorded "What is photosynthesis, in one sentence?", got "What is photosynthesis, in two sentences?")',
    );
  });

  it('reports a different model or action by name', () => {
    const matcher = matcherOf({ name: 'short', definitions: [definition('Q')] });
    const body = JSON.stringify(definition('Q').body);
    const otherModel = matcher.match(post(body, '/v1beta/models/gemini-2.0-flash:generateContent'));
    expect('miss' in otherModel && otherModel.miss.differences).toEqual([
      'model (recorded gemini-2.5-flash, got gemini-2.0-flash)',
    ]);
    const otherAction = matcher.match(post(body, '/v1beta/models/gemini-2.5-flash:countTokens'));
    expect('miss' in otherAction && otherAction.miss.differences).toEqual([
      'action (recorded generateContent, got countTokens)',
    ]);
  });

  it('says so when nothing is loaded', () => {
    const result = matcherOf().match(post('{}'));
    expect('miss' in result && result.miss.message).toBe(
      'no recording matches POST /v1beta/models/gemini-2.5-flash:generateContent: no cassettes are loaded',
    );
  });
});

describe('matching the requests the API sends, against the project cassettes', () => {
  const UNARY = '/v1beta/models/gemini-2.5-flash:generateContent';
  let matcher: CassetteMatcher;
  beforeAll(async () => {
    matcher = new CassetteMatcher(cassetteEntries(await loadCassetteDir(PROJECT_CASSETTES)));
  });
  const ask = async (input: ChatInput, url = UNARY) =>
    matcher.match(post(JSON.stringify(await apiRequestBody(input)), url));

  it('answers a recorded question whatever system instruction the level and subject make', async () => {
    for (const more of [
      {},
      { level: 'beginner' as const },
      { level: 'advanced' as const, subject: 'biology' },
    ]) {
      const result = await ask({ question: 'What is photosynthesis, in one sentence?', ...more });
      expect('entry' in result && entryLabel(result.entry)).toBe('short-answer#0');
    }
  });

  it('still tells a different generationConfig apart', async () => {
    const body = (await apiRequestBody({ question: 'What is photosynthesis, in one sentence?' })) as object;
    const result = matcher.match(post(JSON.stringify({ ...body, generationConfig: { temperature: 0 } })));
    expect('miss' in result && result.miss).toMatchObject({
      closest: 'short-answer#0',
      differences: ['body at generationConfig.temperature (recorded nothing, got 0)'],
    });
  });

  it.each([
    ['What is photosynthesis, in two sentences?', UNARY, 'short-answer#0'],
    ['What is a variable?', UNARY, 'streaming-answer#0'],
    ['devkit scenario: rate limit', UNARY, 'rate-limited#0'],
    ['Explain binary search', UNARY, 'long-answer#0'],
    [
      'What is photosynthesis, in one sentence?',
      `${UNARY.replace(':generateContent', ':streamGenerateContent')}?alt=sse`,
      'short-answer#0',
    ],
  ])('names the closest cassette for %j (%s): %s', async (question, url, closest) => {
    const result = await ask({ question, level: 'beginner' }, url);
    expect('miss' in result && result.miss.closest).toBe(closest);
    expect('miss' in result && result.miss.message).not.toContain('systemInstruction');
  });
});
