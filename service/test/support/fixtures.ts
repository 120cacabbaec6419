import { readFileSync } from 'node:fs';

/** Google's recorded Gemini replies, shared beside the project (../shared/gemini-fixtures). */
const FIXTURES = new URL('../../../../shared/gemini-fixtures/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/**
 * A streaming fixture framed as Gemini sends it: each `data:` event closed by a blank line (CRLF).
 * Some recorded files drop the last event's closing blank line, which the SDK (rightly, for a live
 * stream) treats as a truncated body.
 */
export function sseFixture(name: string): string {
  return fixture(name)
    .split(/\r?\n\r?\n/)
    .map((event) => event.trim())
    .filter((event) => event.startsWith('data:'))
    .map((event) => `${event}\r\n\r\n`)
    .join('');
}

export const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8' };
export const SSE_HEADERS = { 'content-type': 'text/event-stream' };

/** A Gemini error body as the API sends it, optionally with a RetryInfo delay. */
export function errorBody(code: number, status: string, retryDelay?: string): object {
  const details = retryDelay ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }] : [];
  return { error: { code, status, message: `${status} (test)`, details } };
}
