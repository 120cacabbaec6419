/**
 * The Gemini replay server: serves cassettes over HTTP for containers and local runs, on
 * `/{version}/models/{model}:generateContent`, `:streamGenerateContent?alt=sse` and `:countTokens`.
 * Node built-ins only, so its container image is a Node runtime plus these files.
 * `PUT /_devkit/faults` (the body a fault spec, empty for none) replaces the faults applied to every
 * request while it runs, so a load test can set Gemini's latency without a restart; `GET` reads them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cassette } from './cassette.ts';
import { fallbackCountTokens, fallbackGenerateContent, fallbackStream } from './fallback.ts';
import type { Fault, FaultRule } from './faults.ts';
import {
  drawFaults,
  FAULT_HEADER,
  FaultSpecError,
  formatFaults,
  parseFaults,
  sampleDelayMs,
} from './faults.ts';
import type { GeminiErrorBody } from './gemini-errors.ts';
import { geminiError, internalError, noRecording, resourceExhausted, unavailable } from './gemini-errors.ts';
import { listen } from './listen.ts';
import type { Pacing, PreparedReply } from './reply.ts';
import { eventDelays, eventStreamReply, jsonReply, prepareReply } from './reply.ts';
import type { ReplayEntry } from './request-match.ts';
import { CassetteMatcher, cassetteEntries } from './request-match.ts';

export interface ReplayServerOptions {
  cassettes: readonly Cassette[];
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1; a container listens on 0.0.0.0. */
  host?: string;
  /** Answer unmatched requests with a templated reply instead of an error. */
  fallback?: boolean;
  /** Faults applied to every request (per-request ones come in the `x-devkit-fault` header). */
  faults?: readonly FaultRule[];
  /** Default: recorded gaps. */
  pacing?: Pacing;
  /** Where the server says what it did not match and which faults it injected. */
  log?: (line: string) => void;
  /** Source of randomness for fault shares and latency distributions. */
  random?: () => number;
}

export interface ReplayServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const FAULTS_PATH = '/_devkit/faults';
const GEMINI_ROUTE =
  /^\/(v[^/]+)\/models\/([^/:?]+):(generateContent|streamGenerateContent|countTokens)(?:\?|$)/;

type PreparedEntry = ReplayEntry & { reply: PreparedReply };
type StatusFault = Extract<Fault, { kind: 'status' }>;
type Mangling = 'cut-stream' | 'malformed-chunk';
const MANGLINGS: readonly string[] = ['cut-stream', 'malformed-chunk'] satisfies Mangling[];

export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const matcher = new CassetteMatcher<PreparedEntry>(
    cassetteEntries(options.cassettes).map((entry) => ({ ...entry, reply: prepareReply(entry.definition) })),
  );
  const context: ReplayContext = {
    matcher,
    fallback: options.fallback ?? false,
    faults: options.faults ?? [],
    pacing: options.pacing ?? { kind: 'recorded' },
    log: options.log ?? ((line) => console.error(line)),
    random: options.random ?? Math.random,
  };
  const server = createServer((request, response) => {
    handle(context, request, response).catch((error: Error) => {
      context.log(`gemini-mock: ${request.method} ${request.url} failed: ${error.message}`);
      if (!response.headersSent) send(response, jsonReply(500, internalError()));
      else response.destroy();
    });
  });
  // Keep-alive connections must not outlive the client's patience, nor block close().
  server.keepAliveTimeout = 5_000;
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  const host = options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface ReplayContext {
  matcher: CassetteMatcher<PreparedEntry>;
  fallback: boolean;
  faults: readonly FaultRule[];
  pacing: Pacing;
  log: (line: string) => void;
  random: () => number;
}

async function handle(
  context: ReplayContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = request.url ?? '/';
  if (request.method === 'GET' && url === '/health') {
    send(
      response,
      jsonReply(200, { status: 'ok', recordings: context.matcher.size, fallback: context.fallback }),
    );
    return;
  }
  const body = await readBody(request);
  if (url === FAULTS_PATH && (request.method === 'GET' || request.method === 'PUT')) {
    if (request.method === 'PUT') setFaults(context, body.trim(), response);
    else send(response, jsonReply(200, faultsBody(context)));
    return;
  }
  const route = GEMINI_ROUTE.exec(url);
  if (request.method !== 'POST' || !route) {
    context.log(`gemini-mock: ${request.method} ${url}: not a Gemini generate/stream/countTokens call`);
    send(
      response,
      jsonReply(404, geminiError(404, 'NOT_FOUND', `Method not found: ${request.method} ${url}`)),
    );
    return;
  }
  const [, , model, action] = route as unknown as [string, string, string, string];

  let faults: Fault[];
  try {
    faults = [...drawFaults(context.faults, context.random), ...requestFaults(request)];
  } catch (error) {
    if (!(error instanceof FaultSpecError)) throw error;
    send(response, jsonReply(400, geminiError(400, 'INVALID_ARGUMENT', `${FAULT_HEADER}: ${error.message}`)));
    return;
  }
  if (faults.length) context.log(`gemini-mock: ${url}: injecting ${faults.map(describeFault).join(', ')}`);

  const delayMs = faults.reduce(
    (sum, fault) => sum + (fault.kind === 'latency' ? sampleDelayMs(fault.delay, context.random) : 0),
    0,
  );
  if (delayMs > 0) await sleep(delayMs);
  if (faults.some((fault) => fault.kind === 'reset')) {
    request.socket.resetAndDestroy();
    return;
  }
  const statusFault = faults.find((fault): fault is StatusFault => fault.kind === 'status');
  if (statusFault) {
    send(response, jsonReply(statusFault.code, statusErrorBody(statusFault, model)));
    return;
  }

  const reply = findReply(context, { method: 'POST', url, body }, model, action);
  const mangle = faults.find((fault): fault is Extract<Fault, { kind: Mangling }> =>
    MANGLINGS.includes(fault.kind),
  )?.kind;
  if (reply.events) await sendEvents(response, reply, eventDelays(reply, context.pacing), mangle);
  else send(response, reply, mangle);
}

function setFaults(context: ReplayContext, spec: string, response: ServerResponse): void {
  try {
    context.faults = spec ? parseFaults(spec) : [];
  } catch (error) {
    if (!(error instanceof FaultSpecError)) throw error;
    send(response, jsonReply(400, geminiError(400, 'INVALID_ARGUMENT', `${FAULTS_PATH}: ${error.message}`)));
    return;
  }
  context.log(`gemini-mock: faults for every request now: ${spec || 'none'}`);
  send(response, jsonReply(200, faultsBody(context)));
}

/** The faults as their spec (what a PUT takes back) and as data. */
const faultsBody = (context: ReplayContext) => ({
  fault: formatFaults(context.faults),
  faults: context.faults,
});

function findReply(
  context: ReplayContext,
  request: { method: string; url: string; body: string },
  model: string,
  action: string,
): PreparedReply {
  const result = context.matcher.match(request);
  if ('entry' in result) return result.entry.reply;
  if (!context.fallback) {
    context.log(`gemini-mock: ${result.miss.message}`);
    return jsonReply(404, noRecording(result.miss.message));
  }
  context.log(`gemini-mock: ${result.miss.message}; answering from the fallback template`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    return jsonReply(400, geminiError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
  }
  if (action === 'countTokens') return jsonReply(200, fallbackCountTokens(parsed));
  if (action === 'generateContent') return jsonReply(200, fallbackGenerateContent(model, parsed));
  const chunks = fallbackStream(model, parsed);
  // Without alt=sse Gemini streams one JSON array.
  return request.url.includes('alt=sse') ? eventStreamReply(chunks) : jsonReply(200, chunks);
}

function requestFaults(request: IncomingMessage): Fault[] {
  const header = request.headers[FAULT_HEADER];
  if (header === undefined) return [];
  return parseFaults(Array.isArray(header) ? header.join(',') : header).map((rule) => rule.fault);
}

function statusErrorBody(fault: StatusFault, model: string): GeminiErrorBody {
  if (fault.code === 429) return resourceExhausted(model, fault.retryDelay);
  return fault.code === 500 ? internalError() : unavailable();
}

function describeFault(fault: Fault): string {
  if (fault.kind === 'latency') return `latency ${JSON.stringify(fault.delay)}`;
  return fault.kind === 'status' ? String(fault.code) : fault.kind;
}

function send(response: ServerResponse, reply: PreparedReply, mangle?: Mangling): void {
  const body = reply.body ?? Buffer.alloc(0);
  if (mangle === 'malformed-chunk') {
    const truncated = body.subarray(0, Math.floor(body.length / 2));
    response.writeHead(reply.status, { ...reply.headers, 'content-length': String(truncated.length) });
    response.end(truncated);
  } else if (mangle === 'cut-stream') {
    response.writeHead(reply.status, reply.headers);
    response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.destroy());
  } else {
    response.writeHead(reply.status, reply.headers);
    response.end(body);
  }
}

async function sendEvents(
  response: ServerResponse,
  reply: PreparedReply,
  delays: number[],
  mangle?: Mangling,
): Promise<void> {
  const events = reply.events!;
  const middle = Math.floor(events.length / 2);
  response.writeHead(reply.status, reply.headers);
  response.flushHeaders();
  for (const [i, event] of events.entries()) {
    if (delays[i]! > 0) await sleep(delays[i]);
    if (response.destroyed) return; // the client went away
    if (mangle === 'cut-stream' && i === middle) {
      // Half of this event, then the connection drops without the stream's end.
      response.write(event.subarray(0, Math.floor(event.length / 2)), () => response.destroy());
      return;
    }
    response.write(mangle === 'malformed-chunk' && i === middle ? malformedEvent(event) : event);
  }
  response.end();
}

/** The event with its JSON cut in half: still a well-formed SSE event, no longer parseable data. */
function malformedEvent(event: Buffer): Buffer {
  const data = event
    .toString()
    .replace(/^data: /, '')
    .trimEnd();
  return Buffer.from(`data: ${data.slice(0, Math.floor(data.length / 2))}\r\n\r\n`);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
