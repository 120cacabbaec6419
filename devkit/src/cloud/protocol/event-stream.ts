/**
 * Event-stream responses (`application/vnd.amazon.eventstream`): what an operation with a
 * streaming union in its output (CloudWatch Logs' StartLiveTail) answers. A handler returns an
 * `EventSource` in that member; each union value becomes one binary frame, encoded by the SDK's own
 * codec (@smithy/core), an event (`:event-type` the member's name) or a modelled exception
 * (`:exception-type`), with the member's JSON as its payload. The source ends on its own (or with an
 * exception) or when the client goes: `close()` stops it at once, even mid-wait. Past its lifetime it
 * is closed whatever happens, and its `signal` tells the gateway to drop a client that stopped
 * reading (and so never asks for the source's last events).
 */
import { EventStreamCodec } from '@smithy/core/event-streams';
import { encodeJson, type Shape } from './shapes.ts';

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

/** Events a handler streams, and how the gateway stops them when the client disconnects. */
export interface EventSource<E> extends AsyncIterable<E> {
  close(): void;
  /** Aborted once the source is closed: by the client going, or its lifetime ending. */
  signal: AbortSignal;
}

/** The frames of one response stream, and the way to stop producing them. */
export interface FrameStream {
  frames: AsyncIterable<Uint8Array>;
  close(): void;
  signal: AbortSignal;
}

/**
 * An event source over `run`, which gets a signal aborted by `close()`: it waits with that signal
 * (timers/promises), so a closed source ends at once instead of at its next event.
 */
export function eventSource<E>(
  run: (signal: AbortSignal) => AsyncGenerator<E, void>,
  lifetimeMs: number,
): EventSource<E> {
  const controller = new AbortController();
  const expiry = setTimeout(() => controller.abort(), lifetimeMs);
  expiry.unref();
  controller.signal.addEventListener('abort', () => clearTimeout(expiry), { once: true });
  let generator: AsyncGenerator<E, void> | undefined;
  return {
    signal: controller.signal,
    [Symbol.asyncIterator]() {
      generator ??= run(controller.signal);
      const running = generator;
      return {
        next: () => running.next(),
        return: async () => {
          controller.abort();
          return running.return();
        },
      };
    },
    close: () => controller.abort(),
  };
}

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

/** The output member that carries the event stream, if the operation has one. */
export function eventStreamMember(output: Shape): string | undefined {
  if (!output.isStructSchema()) return undefined;
  return output.getEventStreamMember() || undefined;
}

function header(value: string) {
  return { type: 'string' as const, value };
}

/** One union value (`{ member: value }`) as its frame. */
function frame(union: Shape, event: Record<string, unknown>): Uint8Array {
  const name = Object.keys(event).find((key) => event[key] !== undefined);
  const members = union.getMemberSchemas();
  if (name === undefined || !Object.hasOwn(members, name)) {
    throw new Error(`not a member of ${union.getName() ?? 'the event stream'}: ${name ?? '(none)'}`);
  }
  const member = members[name]!;
  const body = Buffer.from(JSON.stringify(encodeJson(member, event[name]) ?? {}));
  const isException = member.getMergedTraits().error !== undefined;
  return codec.encode({
    headers: {
      ':message-type': header(isException ? 'exception' : 'event'),
      [isException ? ':exception-type' : ':event-type']: header(name),
      ':content-type': header('application/json'),
    },
    body,
  });
}

/** The frames of a handler's event source, for the output shape's streaming union. */
export function encodeEventStream(output: Shape, member: string, source: EventSource<unknown>): FrameStream {
  const union = output.getMemberSchema(member);
  async function* frames(): AsyncGenerator<Uint8Array> {
    for await (const event of source) yield frame(union, event as Record<string, unknown>);
  }
  return { frames: frames(), close: () => source.close(), signal: source.signal };
}
