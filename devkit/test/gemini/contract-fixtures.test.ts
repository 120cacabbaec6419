/**
 * Contract: the service's Gemini client against every response Google recorded for its own SDK
 * tests (../shared/gemini-fixtures, read in place, never copied), each mapped to the outcome
 * service/README.md ("Gemini outcomes") documents.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NO_ANSWER_TEXT, REFUSAL_TEXT } from '@iscoolgpt/service/gemini';
import { describe, expect, it } from 'vitest';
import type { Cassette } from '../../src/gemini/cassette.ts';
import { parseSseEvents } from '../../src/gemini/sse.ts';
import { useGeminiCassettes } from '../../src/gemini/vitest-cassettes.ts';
import type { Outcome } from './contract-support.ts';
import { MODEL, apiRequestBody, generateOutcome, geminiClient, streamOutcome } from './contract-support.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// GEMINI_FIXTURES_DIR: for checkouts (git worktrees) with no ../shared beside them.
const FIXTURES = resolve(REPO_ROOT, process.env.GEMINI_FIXTURES_DIR || '../shared/gemini-fixtures');
const present = existsSync(FIXTURES);
if (!present) console.warn(`gemini fixture contract tests skipped: ${FIXTURES} does not exist`);

type Expected =
  | { outcome: 'answer' }
  | { outcome: 'withheld'; finishReason: string; text: typeof REFUSAL_TEXT | typeof NO_ANSWER_TEXT }
  | { outcome: 'rejected'; code: string; status: number };

const answer: Expected = { outcome: 'answer' };
const refused = (finishReason: string): Expected => ({
  outcome: 'withheld',
  finishReason,
  text: REFUSAL_TEXT,
});
const noAnswer = (finishReason: string): Expected => ({
  outcome: 'withheld',
  finishReason,
  text: NO_ANSWER_TEXT,
});
const rejected = (status: number): Expected => ({ outcome: 'rejected', code: 'upstream_rejected', status });

/** Every fixture and what the service must make of it; a fixture missing here fails the suite. */
const EXPECTED: Record<string, Expected> = {
  'streaming-failure-image-rejected.txt': rejected(400),
  'streaming-failure-prompt-blocked-safety.txt': refused('PROMPT_BLOCKED'),
  'streaming-failure-recitation-no-content.txt': refused('RECITATION'),
  'streaming-success-basic-reply-long.txt': answer,
  'streaming-success-basic-reply-short.txt': answer,
  'streaming-success-citations.txt': answer,
  'streaming-success-code-execution.txt': answer,
  'streaming-success-empty-parts.txt': answer,
  'streaming-success-finish-message.txt': answer,
  'streaming-success-no-content-parts.txt': answer,
  // Thoughts and a function call but no text: nothing to show.
  'streaming-success-thinking-function-call-thought-summary-signature.txt': noAnswer('STOP'),
  'streaming-success-thinking-reply-thought-summary.txt': answer,
  'streaming-success-url-context.txt': answer,
  'unary-failure-api-key.json': rejected(400),
  'unary-failure-api-key.txt': rejected(400),
  'unary-failure-finish-reason-safety.json': refused('SAFETY'),
  'unary-failure-finish-reason-safety.txt': refused('SAFETY'),
  'unary-failure-generativelanguage-api-not-enabled.json': rejected(403),
  'unary-failure-only-prompt-feedback.json': refused('PROMPT_BLOCKED'),
  'unary-failure-unknown-model.json': rejected(404),
  'unary-failure-unknown-model.txt': rejected(404),
  'unary-failure-with-message-no-content.json': noAnswer('OTHER'),
  'unary-success-basic-reply-long.json': answer,
  'unary-success-basic-reply-long.txt': answer,
  'unary-success-basic-reply-short.json': answer,
  'unary-success-basic-reply-short.txt': answer,
  'unary-success-citations.json': answer,
  'unary-success-citations.txt': answer,
  'unary-success-code-execution.json': answer,
  'unary-success-google-maps-grounding.json': answer,
  'unary-success-google-search-grounding-empty-grounding-chunks.json': answer,
  'unary-success-google-search-grounding.json': answer,
  'unary-success-thinking-function-call-thought-summary-signature.json': noAnswer('STOP'),
  'unary-success-thinking-reply-thought-summary.json': answer,
  'unary-success-url-context-mixed-validity.json': answer,
  'unary-success-url-context.json': answer,
};

const NOT_FIXTURES = new Set(['LICENSE', 'README.md']);
const fixtures = present
  ? readdirSync(FIXTURES)
      .filter((file) => !NOT_FIXTURES.has(file))
      .sort()
  : [];
const PROMPT = 'Contract test question';
const PROMPT_BODY = await apiRequestBody({ question: PROMPT });

interface Chunk {
  candidates?: Array<{
    content?: { parts?: Array<{ text?: string; thought?: boolean }> };
    finishReason?: string;
  }>;
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number };
  modelVersion?: string;
  error?: { code: number };
}

/** The fixture's reply body: one JSON object, or for an SSE body the list of its events. */
function replyOf(file: string): { streaming: boolean; chunks: Chunk[] } {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const streaming = file.startsWith('streaming-');
  if (streaming && text.trimStart().startsWith('data:')) {
    return { streaming, chunks: parseSseEvents(text).map((data) => JSON.parse(data) as Chunk) };
  }
  return { streaming, chunks: [JSON.parse(text) as Chunk] };
}

/** A one-request cassette replaying the fixture, as `devkit record` would have stored it. */
function fixtureCassette(file: string): Cassette {
  const { streaming, chunks } = replyOf(file);
  const error = chunks[0]!.error;
  const events = streaming && !error;
  return {
    name: `fixture ${file}`,
    definitions: [
      {
        scope: 'https://generativelanguage.googleapis.com:443',
        method: 'POST',
        path: `/v1beta/models/${MODEL}:${streaming ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        body: PROMPT_BODY,
        status: error?.code ?? 200,
        response: events ? chunks : chunks[0],
        rawHeaders: { 'content-type': events ? 'text/event-stream' : 'application/json; charset=UTF-8' },
      },
    ],
  };
}

/** What the README's rule makes of an answered fixture: the text parts (no thoughts) in order. */
function documentedAnswer(chunks: Chunk[]) {
  const texts = chunks.map((chunk) =>
    (chunk.candidates?.[0]?.content?.parts ?? [])
      .filter((part) => part.text !== undefined && part.thought !== true)
      .map((part) => part.text)
      .join(''),
  );
  const last = <T>(pick: (chunk: Chunk) => T | undefined) =>
    chunks
      .map(pick)
      .filter((v) => v !== undefined)
      .at(-1);
  const usage = last((chunk) => chunk.usageMetadata);
  return {
    deltas: texts.filter(Boolean),
    text: texts.join(''),
    finishReason: last((chunk) => chunk.candidates?.[0]?.finishReason) ?? 'FINISH_REASON_UNSPECIFIED',
    usage: { promptTokens: usage?.promptTokenCount ?? 0, answerTokens: usage?.candidatesTokenCount ?? 0 },
    model: last((chunk) => chunk.modelVersion) ?? MODEL,
  };
}

describe.skipIf(!present)(
  present
    ? `service Gemini client against Google's recorded responses (${FIXTURES})`
    : `SKIPPED: no ${FIXTURES}`,
  () => {
    const gemini = useGeminiCassettes({ mode: 'replay', pacing: { kind: 'none' } });

    it('has an expected outcome for every fixture file, and every listed fixture exists', () => {
      expect(fixtures).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(fixtures)('%s', async (file) => {
      const expected = EXPECTED[file];
      if (!expected) throw new Error(`no expected outcome listed for ${file}`);
      const { streaming, chunks } = replyOf(file);
      const { baseUrl } = await gemini.insert(fixtureCassette(file));
      const client = geminiClient(baseUrl);
      const outcome = streaming ? await streamOutcome(client, PROMPT) : await generateOutcome(client, PROMPT);

      if (expected.outcome === 'rejected') {
        expect(outcome).toMatchObject({
          kind: 'error',
          code: expected.code,
          upstreamStatus: expected.status,
        });
        return;
      }
      const documented = documentedAnswer(chunks);
      if (expected.outcome === 'answer') {
        expect(documented.text, 'an answered fixture has text').not.toBe('');
        expect(outcome).toEqual({
          kind: 'answer',
          answer: {
            text: documented.text,
            finishReason: documented.finishReason,
            withheld: false,
            usage: documented.usage,
            model: documented.model,
          },
          ...(streaming ? { deltas: documented.deltas } : {}),
        } satisfies Outcome);
        return;
      }
      expect(outcome).toMatchObject({
        kind: 'answer',
        answer: { text: expected.text, finishReason: expected.finishReason, withheld: true },
      });
    });
  },
);

/**
 * Every chunk Google recorded with text and no finishReason (all but the last of a stream), served
 * as a whole reply: text that is not refused is the answer, unary and streamed, as the SDK's
 * `response.text` reads it. Streamed: the recorded stream up to its last chunk without a reason.
 */
describe.skipIf(!present)("Google's recorded replies with text and no finishReason are answers", () => {
  const gemini = useGeminiCassettes({ mode: 'replay', pacing: { kind: 'none' } });
  const unfinished = fixtures
    .filter((file) => file.startsWith('streaming-success-'))
    .flatMap((file) =>
      replyOf(file)
        .chunks.map((chunk, index) => ({ file, index, chunk }))
        .filter(({ chunk }) => documentedAnswer([chunk]).text !== '' && !chunk.candidates?.[0]?.finishReason),
    );

  it('there are such replies among the fixtures', () => {
    expect(unfinished.length).toBeGreaterThan(50);
  });

  it.each(unfinished.map(({ file, index }) => [file, index] as const))(
    'unary: %s event %i',
    async (file, index) => {
      const { chunk } = unfinished.find((u) => u.file === file && u.index === index)!;
      const { baseUrl } = await gemini.insert(withReply(file, false, chunk));
      expect(await generateOutcome(geminiClient(baseUrl), PROMPT)).toMatchObject({
        kind: 'answer',
        answer: {
          text: documentedAnswer([chunk]).text,
          finishReason: 'FINISH_REASON_UNSPECIFIED',
          withheld: false,
        },
      });
    },
  );

  it.each([...new Set(unfinished.map(({ file }) => file))])(
    'streamed: %s without its last event',
    async (file) => {
      const chunks = replyOf(file).chunks.slice(0, -1);
      const { baseUrl } = await gemini.insert(withReply(file, true, chunks));
      const documented = documentedAnswer(chunks);
      expect(await streamOutcome(geminiClient(baseUrl), PROMPT)).toMatchObject({
        kind: 'answer',
        deltas: documented.deltas,
        answer: { text: documented.text, finishReason: 'FINISH_REASON_UNSPECIFIED', withheld: false },
      });
    },
  );
});

/** The fixture's cassette with another reply: one chunk as a unary body, or a list of SSE events. */
function withReply(file: string, streaming: boolean, response: Chunk | Chunk[]): Cassette {
  const [definition] = fixtureCassette(file).definitions;
  return {
    name: `${file} (edited)`,
    definitions: [
      {
        ...definition!,
        path: `/v1beta/models/${MODEL}:${streaming ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        response,
        rawHeaders: { 'content-type': streaming ? 'text/event-stream' : 'application/json; charset=UTF-8' },
      },
    ],
  };
}
