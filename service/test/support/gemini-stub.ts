/**
 * A stand-in for the Gemini API over real HTTP, for what nock cannot do: serve another process (the
 * SIGTERM test, the benchmark, the container test) and hold requests open so they can time out or
 * be aborted. Only node: imports, so it also runs alone, in a container:
 *   PORT=8080 STUB_LATENCY_MS=0 node gemini-stub.ts
 *
 * Answers :generateContent with a fixed answer and :streamGenerateContent with three SSE chunks,
 * after `latencyMs`; `handle` overrides that per test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STUB_ANSWER = 'Photosynthesis turns light, water and CO2 into sugar and oxygen.';
const STUB_CHUNKS = ['Photosynthesis turns light, ', 'water and CO2 ', 'into sugar and oxygen.'];

export interface StubCall {
  model: string;
  stream: boolean;
  body: string;
  apiKey: string | undefined;
}

export interface GeminiStub {
  url: string;
  port: number;
  /** Every call received, in order (when recording). */
  calls: StubCall[];
  close(): Promise<void>;
}

export interface GeminiStubOptions {
  port?: number;
  host?: string;
  latencyMs?: number;
  /** Keep every call in `calls` (default true; off for long benchmark runs). */
  recordCalls?: boolean;
  /** Replaces the default answer; `res` is the raw response. */
  handle?: (call: StubCall, res: ServerResponse) => void;
}

export function answerBody(text: string, finishReason = 'STOP'): object {
  return {
    candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason, index: 0 }],
    usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 14, totalTokenCount: 26 },
    modelVersion: 'stub-model',
  };
}

export function sseEvent(body: object): string {
  return `data: ${JSON.stringify(body)}\r\n\r\n`;
}

function defaultHandle(latencyMs: number) {
  return (call: StubCall, res: ServerResponse) => {
    setTimeout(() => {
      if (!call.stream) {
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(answerBody(STUB_ANSWER)));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      STUB_CHUNKS.forEach((text, index) => {
        const last = index === STUB_CHUNKS.length - 1;
        const chunk = answerBody(text, 'STOP') as { candidates: { finishReason?: string }[] };
        if (!last) delete chunk.candidates[0]?.finishReason;
        res.write(sseEvent(chunk));
      });
      res.end();
    }, latencyMs);
  };
}

export async function startGeminiStub(options: GeminiStubOptions = {}): Promise<GeminiStub> {
  const handle = options.handle ?? defaultHandle(options.latencyMs ?? 0);
  const calls: StubCall[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const call: StubCall = {
        model: match[1] ?? '',
        stream: match[2] === 'streamGenerateContent',
        body: Buffer.concat(chunks).toString('utf8'),
        apiKey: req.headers['x-goog-api-key'] as string | undefined,
      };
      if (options.recordCalls !== false) calls.push(call);
      handle(call, res);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A stub that answers nothing by itself: each request's response is handed to the test, which
 * answers (or not) when it chooses. `nextRequest()` resolves with the next unclaimed one.
 */
export async function startHoldingStub(): Promise<GeminiStub & { nextRequest(): Promise<ServerResponse> }> {
  const unclaimed: ServerResponse[] = [];
  const claimers: ((res: ServerResponse) => void)[] = [];
  const stub = await startGeminiStub({
    handle: (_call, res) => {
      const claim = claimers.shift();
      if (claim) claim(res);
      else unclaimed.push(res);
    },
  });
  const nextRequest = () =>
    new Promise<ServerResponse>((resolve) => {
      const res = unclaimed.shift();
      if (res) resolve(res);
      else claimers.push(resolve);
    });
  return { ...stub, nextRequest };
}

/** Answers a held request with the default unary answer. */
export function answerHeld(res: ServerResponse, text = STUB_ANSWER): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(answerBody(text)));
}

/** Starts a held stream with one chunk that has no finish reason yet. */
export function startHeldStream(res: ServerResponse, text: string): void {
  const chunk = answerBody(text) as { candidates: { finishReason?: string }[] };
  delete chunk.candidates[0]?.finishReason;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(sseEvent(chunk));
}

if (import.meta.main) {
  const stub = await startGeminiStub({
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST ?? '0.0.0.0',
    latencyMs: Number(process.env.STUB_LATENCY_MS ?? 0),
    recordCalls: false,
  });
  process.stdout.write(`gemini stub listening on ${stub.port}\n`);
  process.once('SIGTERM', () => void stub.close().then(() => process.exit(0)));
}
