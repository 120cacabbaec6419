/**
 * Reading an API request's body so that a client can neither crash nor stall the cloud: the body
 * is bounded, and a request whose client went away (or whose framing broke) never reaches a
 * handler and is never answered.
 */
import type { IncomingMessage } from 'node:http';

/** API bodies are small; the registry streams its uploads and never comes through here. */
export const MAX_API_BODY_BYTES = 16 * 1024 * 1024;

export type BodyResult =
  | { kind: 'complete'; body: string }
  /** Over the limit: answer 413 and close; the rest of the body is discarded, not buffered. */
  | { kind: 'tooLarge' }
  /** The client aborted mid-body or sent a malformed (e.g. chunked) body: nobody to answer. */
  | { kind: 'incomplete' };

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
    req.on('end', () => resolve({ kind: 'complete', body: Buffer.concat(chunks).toString('utf8') }));
    // 'error' (aborted, bad chunk framing) is followed by 'close'; `complete` tells them apart.
    req.on('error', () => resolve({ kind: 'incomplete' }));
    req.on('close', () => {
      if (!req.complete) resolve({ kind: 'incomplete' });
    });
  });
}
