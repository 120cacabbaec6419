import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';

/** What @google/genai accepts as `httpOptions.fetch`. */
export type Fetch = typeof fetch;

/** Parsed URLs kept at most; the SDK uses a handful. */
const MAX_TARGETS = 64;

/** Where a URL's requests go, as node:http request options. */
type Target = ReturnType<typeof urlToHttpOptions> & { protocol: 'http:' | 'https:' };

/** Statuses whose Response must have no body (the Fetch standard's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The `fetch` the Gemini client gives @google/genai: node:http(s) over keep-alive agents instead of
 * the global fetch (undici's), which the service benchmark measured at about twice node:http's CPU
 * per call, the largest single cost of a chat request.
 *
 * It does what the SDK's calls need (a string URL, method, headers, a string body, a signal) and
 * fails as fetch fails, because the client classifies failures by fetch's shapes: no answer
 * rejects with `TypeError('fetch failed')`, a body cut short errors with `TypeError('terminated')`,
 * each with the network error as its `cause`. A JSON reply is read whole before the promise
 * resolves (a BufferedResponse); an event stream (`text/event-stream`) is handed over as it arrives,
 * with backpressure. Bodies come uncompressed: the request asks for `identity`.
 */
export function createHttpFetch(): Fetch {
  // Like Node's global agent: idle sockets are closed after 5 s, before any server drops them.
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, timeout: 5_000 }),
    'https:': new HttpsAgent({ keepAlive: true, timeout: 5_000 }),
  };

  // The SDK asks for the same few URLs (one per model and method) again and again: each is parsed
  // into request options once, not on every call.
  const targets = new Map<string, Target>();

  return (input, init = {}) => {
    if (typeof input !== 'string' && !(input instanceof URL)) {
      return Promise.reject(new TypeError('only a URL can be fetched here, not a Request'));
    }
    const href = String(input);
    let target = targets.get(href);
    if (target === undefined) {
      const url = new URL(href);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return Promise.reject(new TypeError(`cannot fetch ${url.protocol} URLs`));
      }
      target = { ...urlToHttpOptions(url), protocol: url.protocol };
      if (targets.size >= MAX_TARGETS) targets.clear();
      targets.set(href, target);
    }
    const { protocol } = target;
    const body = init.body ?? undefined;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      return Promise.reject(new TypeError('only a string or bytes can be sent as the body'));
    }
    // The SDK passes a Headers; copying it into another one first would cost as much again.
    const headers = Object.fromEntries(
      init.headers instanceof Headers ? init.headers : new Headers(init.headers),
    );
    headers['accept-encoding'] = 'identity';
    const send = protocol === 'https:' ? httpsRequest : httpRequest;

    return new Promise<Response>((resolve, reject) => {
      const outgoing = send(
        {
          ...target,
          method: init.method ?? 'GET',
          headers,
          agent: agents[protocol],
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (reply) => {
          const status = reply.statusCode ?? 0;
          const meta = { status, statusText: reply.statusMessage ?? '', headers: headerPairs(reply) };
          const settle = (responseBody: Buffer | ReadableStream<Uint8Array> | null) => {
            try {
              resolve(
                Buffer.isBuffer(responseBody)
                  ? new BufferedResponse(responseBody, meta)
                  : new Response(responseBody, meta),
              );
            } catch (err) {
              // A status Response cannot carry (e.g. above 599): no usable answer.
              reply.destroy();
              reject(new TypeError('fetch failed', { cause: err }));
            }
          };
          if (NULL_BODY_STATUSES.has(status)) {
            reply.resume();
            settle(null);
          } else if (reply.headers['content-type']?.startsWith('text/event-stream')) {
            settle(webStream(reply));
          } else {
            readWhole(reply).then((bytes) => settle(bytes), reject);
          }
        },
      );
      outgoing.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
      outgoing.end(body);
    });
  };
}

/**
 * A Response whose body was read whole: text(), json(), arrayBuffer() and bytes() use the bytes at
 * once (`body` stays null). A Response made from the bytes would wrap them in a web stream and read
 * that back, which cost about 15 times a JSON.parse of the body and was the largest part of the
 * SDK's cost per call. Reading the body a second time fails as it does on any Response.
 */
class BufferedResponse extends Response {
  #bytes: Buffer | undefined;
  override bodyUsed = false;

  constructor(bytes: Buffer, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
  }

  override text = async (): Promise<string> => this.#take().toString('utf8');
  override json = async (): Promise<unknown> => JSON.parse(await this.text());
  override arrayBuffer = async (): Promise<ArrayBuffer> => {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
  override bytes = async (): Promise<Uint8Array<ArrayBuffer>> => new Uint8Array(await this.arrayBuffer());

  #take(): Buffer {
    const bytes = this.#bytes;
    if (bytes === undefined) throw new TypeError('Body is unusable: Body has already been read');
    this.#bytes = undefined;
    this.bodyUsed = true;
    return bytes;
  }
}

function headerPairs(reply: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < reply.rawHeaders.length; i += 2)
    pairs.push([reply.rawHeaders[i]!, reply.rawHeaders[i + 1]!]);
  return pairs;
}

/** The whole body, or `TypeError('terminated')` when the connection ends before it does. */
function readWhole(reply: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    reply.on('data', (chunk: Buffer) => chunks.push(chunk));
    reply.once('end', () => resolve(Buffer.concat(chunks)));
    reply.on('error', (err) => reject(new TypeError('terminated', { cause: err })));
  });
}

/**
 * The body as a web stream that pauses the socket while the reader is behind, and errors with
 * `TypeError('terminated')` when the connection ends first. Cancelling it closes the connection.
 */
function webStream(reply: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      reply.on('data', (chunk: Buffer) => {
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= 0) reply.pause();
      });
      reply.once('end', () => controller.close());
      reply.on('error', (err) => controller.error(new TypeError('terminated', { cause: err })));
    },
    pull() {
      reply.resume();
    },
    cancel() {
      reply.destroy();
    },
  });
}
