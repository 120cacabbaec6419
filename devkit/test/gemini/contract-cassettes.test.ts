/**
 * Contract: the service's Gemini client (@iscoolgpt/service/gemini) against the project's cassettes,
 * each mapped to the outcome service/README.md ("Gemini outcomes") documents.
 */
import { REFUSAL_TEXT } from '@iscoolgpt/service/gemini';
import { describe, expect, it } from 'vitest';
import type { CassetteDefinition } from '../../src/gemini/cassette.ts';
import { PROJECT_CASSETTES, readCassetteFile } from '../../src/gemini/cassette-file.ts';
import { parseFaults } from '../../src/gemini/faults.ts';
import { startReplayServer } from '../../src/gemini/replay-server.ts';
import { useGeminiCassettes } from '../../src/gemini/vitest-cassettes.ts';
import type { Outcome } from './contract-support.ts';
import { MODEL, chatInputOf, generateOutcome, geminiClient, streamOutcome } from './contract-support.ts';

const gemini = useGeminiCassettes();

async function definitions(name: string): Promise<CassetteDefinition[]> {
  return (await readCassetteFile(`${PROJECT_CASSETTES}/${name}.json`)).definitions;
}

/** The question a cassette answers (cassette-requests.test.ts checks the rest of its request), and its reply's text parts. */
async function recorded(name: string): Promise<{ prompt: string; parts: string[] }> {
  const [definition] = await definitions(name);
  const prompt = chatInputOf(definition!.body).question;
  const chunks = (
    Array.isArray(definition!.response) ? definition!.response : [definition!.response]
  ) as Array<{
    candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }>;
  }>;
  const parts = chunks
    .flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? [])
    .map((part) => part.text ?? '');
  return { prompt, parts };
}

describe(`service Gemini client against the project cassettes (${gemini.mode} mode)`, () => {
  it('short answer: the text exactly, STOP, usage and model', async () => {
    const { prompt, parts } = await recorded('short-answer');
    const { baseUrl } = await gemini.insert('short-answer');
    expect(await generateOutcome(geminiClient(baseUrl), prompt)).toEqual({
      kind: 'answer',
      answer: {
        text: parts.join(''),
        finishReason: 'STOP',
        withheld: false,
        usage: { promptTokens: 9, answerTokens: 29 },
        model: MODEL,
      },
    } satisfies Outcome);
  });

  it('long answer: the whole Markdown text exactly', async () => {
    const { prompt, parts } = await recorded('long-answer');
    const { baseUrl } = await gemini.insert('long-answer');
    const outcome = await generateOutcome(geminiClient(baseUrl), prompt);
    expect(outcome).toMatchObject({ kind: 'answer', answer: { text: parts.join(''), finishReason: 'STOP' } });
    expect(parts.join('')).toContain('```python\ndef binary_search(items, target):');
  });

  it('streaming: one delta per event, then the assembled answer', async () => {
    const { prompt, parts } = await recorded('streaming-answer');
    const { baseUrl } = await gemini.insert('streaming-answer');
    expect(await streamOutcome(geminiClient(baseUrl), prompt)).toEqual({
      kind: 'answer',
      deltas: parts,
      answer: {
        text: parts.join(''),
        finishReason: 'STOP',
        withheld: false,
        usage: { promptTokens: 9, answerTokens: 71 },
        model: MODEL,
      },
    } satisfies Outcome);
  });

  it('prompt blocked: PROMPT_BLOCKED with the refusal text', async () => {
    const { prompt } = await recorded('prompt-blocked');
    const { baseUrl } = await gemini.insert('prompt-blocked');
    expect(await generateOutcome(geminiClient(baseUrl), prompt)).toMatchObject({
      kind: 'answer',
      answer: { text: REFUSAL_TEXT, finishReason: 'PROMPT_BLOCKED', withheld: true },
    });
  });

  it('finishReason SAFETY: the refusal text', async () => {
    const { prompt } = await recorded('finish-safety');
    const { baseUrl } = await gemini.insert('finish-safety');
    expect(await generateOutcome(geminiClient(baseUrl), prompt)).toMatchObject({
      kind: 'answer',
      answer: { text: REFUSAL_TEXT, finishReason: 'SAFETY', withheld: true },
    });
  });

  it('finishReason RECITATION mid-stream: the deltas came, the answer is the refusal text', async () => {
    const { prompt, parts } = await recorded('finish-recitation');
    const { baseUrl } = await gemini.insert('finish-recitation');
    expect(await streamOutcome(geminiClient(baseUrl), prompt)).toMatchObject({
      kind: 'answer',
      deltas: parts.filter(Boolean),
      answer: { text: REFUSAL_TEXT, finishReason: 'RECITATION', withheld: true },
    });
  });
});

// Gemini will not produce these on demand, so they stay hand-written: inserted as values, they
// replay in every mode, and re-recording never overwrites them.
describe('service Gemini client against the hand-written error cassettes', () => {
  const replayOnly = async (name: string) => gemini.insert({ name, definitions: await definitions(name) });

  it.each([
    ['bad-api-key', 'upstream_rejected', 400],
    ['api-disabled', 'upstream_rejected', 403],
    ['internal-error', 'upstream_error', 500],
  ])('%s: %s with upstream status %i, not retried', async (name, code, status) => {
    const { prompt } = await recorded(name);
    const { baseUrl } = await replayOnly(name);
    expect(await generateOutcome(geminiClient(baseUrl, { maxRetries: 2 }), prompt)).toEqual({
      kind: 'error',
      code,
      upstreamStatus: status,
      retryAfterSeconds: undefined,
    } satisfies Outcome);
  });

  it('429 with a RetryInfo delay beyond the time budget: upstream_overloaded, Retry-After from RetryInfo', async () => {
    const { prompt } = await recorded('rate-limited');
    const { baseUrl } = await replayOnly('rate-limited');
    expect(await generateOutcome(geminiClient(baseUrl, { maxRetries: 2 }), prompt)).toEqual({
      kind: 'error',
      code: 'upstream_overloaded',
      upstreamStatus: 429,
      retryAfterSeconds: 17,
    } satisfies Outcome);
  });

  it('503 on every attempt: upstream_overloaded once the retries are spent', async () => {
    const { prompt } = await recorded('unavailable');
    const { baseUrl } = await replayOnly('unavailable');
    expect(await generateOutcome(geminiClient(baseUrl, { maxRetries: 2 }), prompt)).toMatchObject({
      kind: 'error',
      code: 'upstream_overloaded',
      upstreamStatus: 503,
    });
  });

  it('503 then an answer: the retry succeeds', async () => {
    const { prompt } = await recorded('unavailable-then-answer');
    const { baseUrl } = await replayOnly('unavailable-then-answer');
    expect(await generateOutcome(geminiClient(baseUrl, { maxRetries: 1 }), prompt)).toMatchObject({
      kind: 'answer',
      answer: {
        text: expect.stringContaining('HyperText Transfer Protocol'),
        finishReason: 'STOP',
        withheld: false,
      },
    });
  });
});

describe('service Gemini client against injected faults (replay server over HTTP)', () => {
  async function withFault(fault: string, call: (baseUrl: string) => Promise<Outcome>) {
    const cassettes = await Promise.all(
      ['short-answer', 'streaming-answer'].map((name) =>
        readCassetteFile(`${PROJECT_CASSETTES}/${name}.json`),
      ),
    );
    const server = await startReplayServer({
      cassettes,
      faults: parseFaults(fault),
      pacing: { kind: 'none' },
      log: () => undefined,
    });
    try {
      return await call(server.url);
    } finally {
      await server.close();
    }
  }
  const calls = {
    generate: async (baseUrl: string) =>
      generateOutcome(geminiClient(baseUrl), (await recorded('short-answer')).prompt),
    generateStream: async (baseUrl: string) =>
      streamOutcome(geminiClient(baseUrl), (await recorded('streaming-answer')).prompt),
  };

  it.each([
    ['reset', 'generate', 'upstream_unreachable'],
    ['malformed-chunk', 'generate', 'upstream_bad_response'],
    ['malformed-chunk', 'generateStream', 'upstream_bad_response'],
    ['429=30s', 'generate', 'upstream_overloaded'],
    ['500', 'generateStream', 'upstream_error'],
  ] as const)('%s on %s: %s', async (fault, call, code) => {
    expect(await withFault(fault, calls[call])).toMatchObject({ kind: 'error', code });
  });

  // KNOWN MISMATCH, reported to the service: service/README.md and errors.ts document a stream cut
  // short after a 200 as upstream_bad_response, but the client classifies undici's "terminated" as
  // upstream_unreachable. Both become a 502 for the API's caller. `fails` keeps the documented
  // expectation here; once the client follows its README these start failing and lose the `fails`.
  it.fails.each([
    ['cut-stream', 'generate', 'upstream_bad_response'],
    ['cut-stream', 'generateStream', 'upstream_bad_response'],
  ] as const)('KNOWN MISMATCH %s on %s: documented as %s', async (fault, call, code) => {
    expect(await withFault(fault, calls[call])).toMatchObject({ kind: 'error', code });
  });

  it.each([
    ['cut-stream', 'generate'],
    ['cut-stream', 'generateStream'],
  ] as const)('%s on %s: today upstream_unreachable (also a 502 to the caller)', async (fault, call) => {
    expect(await withFault(fault, calls[call])).toMatchObject({
      kind: 'error',
      code: 'upstream_unreachable',
    });
  });

  it('latency only delays: the answer is intact', async () => {
    expect(await withFault('latency=uniform(1ms,5ms)', calls.generate)).toMatchObject({
      kind: 'answer',
      answer: { finishReason: 'STOP', withheld: false },
    });
  });
});
