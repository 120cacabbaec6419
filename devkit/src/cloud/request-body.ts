/**
 * Reading an API request's body so that a client can neither crash nor stall the cloud: the body
 * is bounded, and a request whose client went away (or whose framing broke) never reaches a
 * handler and is never answered.
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** API bodies are small; the registry streams its uploads and never comes through here. */
export const MAX_API_BODY_BYTES = 16 * 1024 * 1024;

export type BodyResult =
  /** `raw`: the bytes as they came (what a SigV4 signature covers), before any decoding. */
  | { kind: 'complete'; body: string; raw: Buffer }
  /** Over the limit: answer 413 and close; the rest of the body is discarded, not buffered. */
  | { kind: 'tooLarge' }
  /** The client aborted mid-body or sent a malformed (e.g. chunked) body: nobody to answer. */
  | { kind: 'incomplete' }
  /** A `Content-Encoding` the cloud does not read, or a gzip body that does not decompress. */
  | { kind: 'undecodable'; reason: string };

export function readBody(req: IncomingMessage, limit = MAX_API_BODY_BYTES): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.resolve({ kind: 'tooLarge' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        resolve({ kind: 'tooLarge' });
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(decoded(req.headers['content-encoding'], Buffer.concat(chunks), limit)));
    // 'error' (aborted, bad chunk framing) is followed by 'close'; `complete` tells them apart.
    req.on('error', () => resolve({ kind: 'incomplete' }));
    req.on('close', () => {
      if (!req.complete) resolve({ kind: 'incomplete' });
    });
  });
}

/**
 * The SDK gzips big requests of operations AWS marks so (CloudWatch's PutMetricData over 10 KB).
 * The decompressed body has the same bound as a plain one, so a small bomb cannot grow past it.
 */
async function decoded(encoding: string | undefined, raw: Buffer, limit: number): Promise<BodyResult> {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return { kind: 'complete', body: raw.toString('utf8'), raw };
  if (coding !== 'gzip') return { kind: 'undecodable', reason: `Unsupported Content-Encoding: ${coding}` };
  try {
    const body = (await gunzipAsync(raw, { maxOutputLength: limit })).toString('utf8');
    return { kind: 'complete', body, raw };
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ? { kind: 'tooLarge' }
      : {
          kind: 'undecodable',
          reason: `The gzip request body does not decompress: ${(error as Error).message}`,
        };
  }
}
