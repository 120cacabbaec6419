/**
 * Record mode: a proxy on 127.0.0.1 that forwards each request to Gemini (or any upstream with
 * its API), passes the reply through unchanged, and appends the exchange to one cassette. Gzip
 * bodies are stored decoded; SSE replies as their events with the gaps between them. Keys are
 * scrubbed, and the cassette writer refuses any file that still holds one.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { CassetteDefinition, MatchMode } from './cassette.ts';
import { writeCassetteFile } from './cassette-file.ts';
import { geminiError } from './gemini-errors.ts';
import { listen } from './listen.ts';
import { MIN_SECRET_LENGTH, scrubSecrets, SecretLeakError, withoutKeyParam } from './scrub.ts';
import { SseParser } from './sse.ts';

export const GEMINI_API = 'https://generativelanguage.googleapis.com';

export interface RecorderOptions {
  /** Base URL of the Gemini API to record from. */
  upstream: string;
  /** The cassette to write; rewritten (atomically) after every exchange. */
  cassetteFile: string;
  /** The user's key, sent upstream in place of whatever key the client sends. */
  apiKey?: string;
  /** Written on each definition (default normalized). */
  match?: MatchMode;
  port?: number;
  log?: (line: string) => void;
}

export interface Recorder {
  url: string;
  /** Exchanges written to the cassette so far. */
  readonly recorded: number;
  /** Stops accepting requests and waits for the last cassette write. */
  close(): Promise<void>;
}

// Per-connection headers, and ones that would be wrong once the body is stored decoded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);
const NOT_RECORDED = new Set([
  ...HOP_BY_HOP,
  'content-encoding',
  'content-length',
  'date',
  'alt-svc',
  'server-timing',
  'set-cookie',
]);

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const upstream = new URL(options.upstream);
  const log = options.log ?? ((line: string) => console.error(line));
  let definitions: CassetteDefinition[] = [];
  const secrets = new Set<string>();
  let writing = Promise.resolve();

  const append = (definition: CassetteDefinition, exchangeSecrets: string[]) => {
    exchangeSecrets.forEach((secret) => secrets.add(secret));
    const scrubbed = scrubSecrets(definition, [...secrets]);
    writing = writing.then(async () => {
      const next = [...definitions, scrubbed];
      try {
        await writeCassetteFile(options.cassetteFile, next, [...secrets]);
        definitions = next;
        log(
          `record: ${definition.method} ${definition.path} -> ${definition.status} (${next.length} in ${options.cassetteFile})`,
        );
      } catch (error) {
        const reason =
          error instanceof SecretLeakError ? error.message : `write failed: ${(error as Error).message}`;
        log(`record: ${definition.method} ${definition.path} not recorded: ${reason}`);
      }
    });
  };

  const server = createServer((request, response) => {
    forward(request, upstream, options.apiKey)
      .then(async ({ upstreamResponse, exchangeSecrets, requestBody }) => {
        response.writeHead(upstreamResponse.statusCode ?? 502, passThroughHeaders(upstreamResponse.headers));
        const reply = await captureReply(upstreamResponse, (chunk) => response.write(chunk));
        response.end();
        append(
          {
            scope: scopeOf(upstream),
            method: request.method ?? 'GET',
            path: withoutKeyParam(request.url ?? '/'),
            ...(requestBody ? { body: parseOrText(requestBody) } : {}),
            status: upstreamResponse.statusCode ?? 502,
            response: reply.response,
            rawHeaders: recordedHeaders(upstreamResponse.headers),
            devkit: {
              ...(options.match && options.match !== 'normalized' ? { match: options.match } : {}),
              ...(reply.eventGapsMs ? { eventGapsMs: reply.eventGapsMs } : {}),
              recordedAt: new Date().toISOString(),
            },
          },
          exchangeSecrets,
        );
      })
      .catch((error: Error) => {
        log(
          `record: ${request.method} ${withoutKeyParam(request.url ?? '/')} not recorded: ${error.message}`,
        );
        if (response.headersSent) {
          response.destroy();
          return;
        }
        const status = error instanceof RefusedRequest ? 400 : 502;
        const body = geminiError(
          status,
          status === 400 ? 'INVALID_ARGUMENT' : 'UNAVAILABLE',
          `devkit record: ${error.message}`,
        );
        response
          .writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
          .end(JSON.stringify(body));
      });
  });
  await listen(server, options.port ?? 0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get recorded() {
      return definitions.length;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await writing;
    },
  };
}

class RefusedRequest extends Error {}

async function forward(
  request: IncomingMessage,
  upstream: URL,
  apiKey: string | undefined,
): Promise<{ upstreamResponse: IncomingMessage; exchangeSecrets: string[]; requestBody: string }> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const requestBody = Buffer.concat(chunks);

  const target = new URL(upstream.pathname.replace(/\/$/, '') + (request.url ?? '/'), upstream.origin);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value;
  }
  const clientKeys = [request.headers['x-goog-api-key'], target.searchParams.get('key')]
    .flat()
    .filter((key): key is string => Boolean(key));
  if (apiKey) {
    if (target.searchParams.has('key')) target.searchParams.set('key', apiKey);
    else headers['x-goog-api-key'] = apiKey;
  }
  // The client's own keys are only scrubbed when they reach Gemini (they may echo them back).
  const exchangeSecrets = apiKey ? [apiKey] : clientKeys;
  if (exchangeSecrets.some((key) => key.length < MIN_SECRET_LENGTH)) {
    throw new RefusedRequest(
      `an API key shorter than ${MIN_SECRET_LENGTH} characters cannot be scrubbed reliably`,
    );
  }

  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstreamResponse = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = send(target, { method: request.method, headers }, resolve);
    outgoing.on('error', reject);
    outgoing.end(requestBody);
  });
  return { upstreamResponse, exchangeSecrets, requestBody: requestBody.toString('utf8') };
}

/** Relays the raw bytes as they come while decoding a copy: the body, or the SSE events and their gaps. */
async function captureReply(
  upstreamResponse: IncomingMessage,
  relay: (chunk: Buffer) => void,
): Promise<{ response: unknown; eventGapsMs?: number[] }> {
  const decoder = decoderFor(upstreamResponse.headers['content-encoding']);
  const streaming = String(upstreamResponse.headers['content-type'] ?? '').startsWith('text/event-stream');
  const text = new StringDecoder('utf8');
  const parser = new SseParser();
  const events: string[] = [];
  const gaps: number[] = [];
  let last = performance.now();
  let whole = '';
  const take = (decoded: string) => {
    if (!streaming) {
      whole += decoded;
      return;
    }
    for (const event of parser.push(decoded)) {
      const now = performance.now();
      events.push(event);
      gaps.push(Math.round(now - last));
      last = now;
    }
  };

  await new Promise<void>((resolve, reject) => {
    const decoded = decoder ?? upstreamResponse;
    decoded.on('data', (chunk: Buffer) => take(text.write(chunk)));
    decoded.on('end', resolve);
    decoded.on('error', reject);
    upstreamResponse.on('error', reject);
    if (decoder) upstreamResponse.pipe(decoder);
    upstreamResponse.on('data', (chunk: Buffer) => relay(chunk));
  });
  take(text.end());
  if (!streaming) return { response: whole === '' ? undefined : parseOrText(whole) };
  for (const event of parser.end()) {
    events.push(event);
    gaps.push(0);
  }
  return { response: events.map(parseOrText), eventGapsMs: gaps };
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

function passThroughHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

function recordedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => !NOT_RECORDED.has(name) && value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );
}

/** nock writes scopes with the port, e.g. https://generativelanguage.googleapis.com:443. */
function scopeOf(upstream: URL): string {
  return `${upstream.protocol}//${upstream.hostname}:${upstream.port || (upstream.protocol === 'https:' ? 443 : 80)}`;
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
