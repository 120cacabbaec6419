import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Google's recorded Gemini replies, shared beside the project (../shared/gemini-fixtures), or where
 * GEMINI_FIXTURES_DIR says (a git worktree elsewhere has no ../shared beside it).
 */
const FIXTURES =
  process.env.GEMINI_FIXTURES_DIR ||
  fileURLToPath(new URL('../../../../shared/gemini-fixtures/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
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

/** The events of a streaming fixture, parsed: each a GenerateContentResponse as Gemini sent it. */
export function fixtureEvents(name: string): unknown[] {
  return sseFixture(name)
    .split('\r\n\r\n')
    .filter(Boolean)
    .map((event) => JSON.parse(event.replace(/^data: ?/, '')) as unknown);
}

/** The same stream without its last event: every chunk Gemini sent before the one with finishReason. */
export function sseWithoutLastEvent(name: string): string {
  const events = sseFixture(name).split('\r\n\r\n').filter(Boolean);
  return events
    .slice(0, -1)
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
