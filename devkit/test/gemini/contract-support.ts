/**
 * Shared by the contract tests: the service's Gemini client, set up as the service sets it up, asked
 * what the API asks (the chat route's own request builder), so recording through these tests writes
 * the requests the API really sends.
 */
import { chatRequest } from '@iscoolgpt/service/chat';
import type { GeminiAnswer, GeminiClient, GeminiStreamEvent } from '@iscoolgpt/service/gemini';
import { createGeminiClient, GeminiError } from '@iscoolgpt/service/gemini';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../src/gemini/listen.ts';

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

/** A chat request body as the API takes it (POST /v1/chat): the question, and optionally more. */
export type ChatInput = Parameters<typeof chatRequest>[0];

/**
 * The body the API sends Gemini for a chat input (what a cassette must record): the chat route's
 * request builder through the service's client, captured on the wire from a local listener.
 */
export async function apiRequestBody(input: ChatInput): Promise<unknown> {
  let body: unknown;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"candidates":[]}');
    });
  });
  await listen(server, 0, '127.0.0.1');
  try {
    const { port } = server.address() as AddressInfo;
    await geminiClient(`http://127.0.0.1:${port}`).generate(chatRequest(input));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return body;
}

/** The chat input a recorded request asks: its last turn is the question, earlier turns the history. */
export function chatInputOf(body: unknown): ChatInput {
  const contents = (body as { contents?: Array<{ role?: string; parts?: Array<{ text?: string }> }> })
    .contents;
  const turns = (contents ?? []).map((content) => ({
    role: content.role === 'model' ? ('model' as const) : ('user' as const),
    text: (content.parts ?? []).map((part) => part.text ?? '').join(''),
  }));
  const last = turns.pop();
  if (last?.role !== 'user') throw new Error('a recorded request must end with the user question');
  return { question: last.text, ...(turns.length ? { history: turns } : {}) };
}

export async function generateOutcome(client: GeminiClient, question: string): Promise<Outcome> {
  try {
    return { kind: 'answer', answer: await client.generate(chatRequest({ question })) };
  } catch (error) {
    return errorOutcome(error);
  }
}

export async function streamOutcome(client: GeminiClient, question: string): Promise<Outcome> {
  try {
    const deltas: string[] = [];
    let done: GeminiAnswer | undefined;
    for await (const event of await client.generateStream(chatRequest({ question }))) {
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
