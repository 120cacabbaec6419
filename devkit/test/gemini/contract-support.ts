/** Shared by the contract tests: the service's Gemini client, set up as the service sets it up. */
import type { GeminiAnswer, GeminiClient, GeminiStreamEvent } from '@iscoolgpt/service/gemini';
import { createGeminiClient, GeminiError } from '@iscoolgpt/service/gemini';

export const MODEL = 'gemini-2.5-flash';
/** Replay ignores keys; in record mode the recorder swaps this for GEMINI_API_KEY. */
const PLACEHOLDER_KEY = 'contract-test-placeholder-key';

/** What a client call came to: an answer, a stream's deltas and final answer, or a GeminiError. */
export type Outcome =
  | { kind: 'answer'; answer: GeminiAnswer; deltas?: string[] }
  | {
      kind: 'error';
      code: string;
      upstreamStatus: number | undefined;
      retryAfterSeconds: number | undefined;
    };

export function geminiClient(baseUrl: string, options: { maxRetries?: number } = {}): GeminiClient {
  const quiet = { warn: () => undefined, error: () => undefined };
  return createGeminiClient({
    apiKey: PLACEHOLDER_KEY,
    model: MODEL,
    baseUrl,
    timeoutMs: 10_000,
    maxRetries: options.maxRetries ?? 0,
    // Backoff without RetryInfo: short, so a retried 503 does not slow the suite.
    backoffBaseMs: 1,
    log: quiet,
  });
}

/** The request body the client sends for one prompt (what a cassette must record). */
export function requestBody(prompt: string): object {
  return { contents: [{ parts: [{ text: prompt }], role: 'user' }], generationConfig: {} };
}

export async function generateOutcome(client: GeminiClient, prompt: string): Promise<Outcome> {
  try {
    return { kind: 'answer', answer: await client.generate({ prompt }) };
  } catch (error) {
    return errorOutcome(error);
  }
}

export async function streamOutcome(client: GeminiClient, prompt: string): Promise<Outcome> {
  try {
    const deltas: string[] = [];
    let done: GeminiAnswer | undefined;
    for await (const event of await client.generateStream({ prompt })) {
      if (event.type === 'delta') deltas.push(event.text);
      else done = withoutType(event);
    }
    if (!done) throw new Error('the stream ended without a done event');
    return { kind: 'answer', answer: done, deltas };
  } catch (error) {
    return errorOutcome(error);
  }
}

function withoutType(event: Extract<GeminiStreamEvent, { type: 'done' }>): GeminiAnswer {
  const { type: _type, ...answer } = event;
  return answer;
}

function errorOutcome(error: unknown): Outcome {
  if (!(error instanceof GeminiError)) throw error;
  const { code, upstreamStatus, retryAfterSeconds } = error;
  return { kind: 'error', code, upstreamStatus, retryAfterSeconds };
}
