/**
 * A definition's reply as bytes ready to send, prepared once at load so replaying costs a lookup
 * and a write. Streaming replies are a list of SSE events with the delay before each.
 */
import type { CassetteDefinition } from './cassette.ts';
import { eventData, isEventStream } from './cassette.ts';
import { encodeSseEvent } from './sse.ts';

export interface PreparedReply {
  status: number;
  headers: Record<string, string>;
  /** Unary replies. */
  body?: Buffer;
  /** Streaming replies: one encoded SSE event each. */
  events?: Buffer[];
  /** Recorded milliseconds before each event, when known. */
  recordedGapsMs?: number[];
}

/** How streamed events are spaced: as recorded, not at all, or a fixed gap. */
export type Pacing = { kind: 'recorded' } | { kind: 'none' } | { kind: 'fixed'; ms: number };

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';

export function parsePacing(spec: string): Pacing {
  if (spec === 'recorded' || spec === 'none') return { kind: spec };
  const match = /^(\d+(?:\.\d+)?)ms$/.exec(spec);
  if (!match) throw new Error(`pacing must be 'recorded', 'none' or a gap like '25ms', got '${spec}'`);
  return { kind: 'fixed', ms: Number(match[1]) };
}

export function eventDelays(reply: PreparedReply, pacing: Pacing): number[] {
  const count = reply.events?.length ?? 0;
  switch (pacing.kind) {
    case 'none':
      return new Array<number>(count).fill(0);
    case 'fixed':
      return new Array<number>(count).fill(pacing.ms);
    case 'recorded':
      return reply.recordedGapsMs ?? new Array<number>(count).fill(0);
  }
}

export function prepareReply(definition: CassetteDefinition): PreparedReply {
  const headers = Object.fromEntries(
    Object.entries(definition.rawHeaders ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  if (isEventStream(definition)) {
    return {
      status: definition.status,
      headers,
      events: eventData(definition).map((data) => Buffer.from(encodeSseEvent(data))),
      ...(definition.devkit?.eventGapsMs ? { recordedGapsMs: definition.devkit.eventGapsMs } : {}),
    };
  }
  const { response } = definition;
  const text =
    typeof response === 'string' ? response : response === undefined ? '' : JSON.stringify(response);
  headers['content-type'] ??= typeof response === 'string' ? 'text/plain; charset=UTF-8' : JSON_CONTENT_TYPE;
  return jsonLikeReply(definition.status, headers, Buffer.from(text));
}

export function jsonReply(status: number, value: unknown): PreparedReply {
  return jsonLikeReply(status, { 'content-type': JSON_CONTENT_TYPE }, Buffer.from(JSON.stringify(value)));
}

export function eventStreamReply(chunks: unknown[]): PreparedReply {
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    events: chunks.map((chunk) => Buffer.from(encodeSseEvent(JSON.stringify(chunk)))),
  };
}

function jsonLikeReply(status: number, headers: Record<string, string>, body: Buffer): PreparedReply {
  return { status, headers: { ...headers, 'content-length': String(body.length) }, body };
}
