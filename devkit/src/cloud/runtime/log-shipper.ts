/**
 * awslogs: a container's stdout and stderr, shipped live to a CloudWatch Logs stream in the order
 * the container wrote them, each line with the timestamp Docker recorded for it.
 */
import type Docker from 'dockerode';

export interface LogEvent {
  timestamp: number;
  message: string;
}

/** Where shipped lines go (the local CloudWatch Logs). */
export type LogSink = (group: string, stream: string, events: LogEvent[]) => void;

export interface LogDestination {
  group: string;
  stream: string;
}

export interface ShipOptions {
  /**
   * Resume after what was already shipped (the cloud restarted): the last shipped timestamp and the
   * messages shipped at that very millisecond, so nothing is shipped twice.
   */
  after?: { timestamp: number; messages: string[] };
  /** Stops following (the cloud closes while the container keeps running); resolves at once. */
  signal?: AbortSignal;
}

/**
 * Follows the container's log from its start; resolves once the container has exited and every
 * line has been delivered to the sink — which is why a task is reported STOPPED only after this.
 */
export async function shipLogs(
  container: Docker.Container,
  destination: LogDestination,
  sink: LogSink,
  options: ShipOptions = {},
): Promise<void> {
  const { after, signal } = options;
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: true,
    // Docker counts `since` in whole seconds: lines of that second already shipped are filtered below.
    ...(after ? { since: Math.floor(after.timestamp / 1000) } : {}),
  })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const alreadyShipped = after ? [...after.messages] : [];
  const isNew = (event: LogEvent): boolean => {
    if (!after || event.timestamp > after.timestamp) return true;
    if (event.timestamp < after.timestamp) return false;
    const index = alreadyShipped.indexOf(event.message);
    if (index === -1) return true;
    alreadyShipped.splice(index, 1);
    return false;
  };
  const partial = { stdout: '', stderr: '' };
  const deliver = (lines: string[]) => {
    const events = lines
      .filter((l) => l.length > 0)
      .map(parseTimestamped)
      .filter(isNew);
    if (events.length > 0) sink(destination.group, destination.stream, events);
  };
  const writer = (kind: 'stdout' | 'stderr') => ({
    // demuxStream calls these synchronously in frame order, so stdout and stderr stay interleaved
    // as the container wrote them.
    write(chunk: Buffer) {
      const text = partial[kind] + chunk.toString('utf8');
      const lines = text.split('\n');
      partial[kind] = lines.pop() ?? '';
      deliver(lines);
      return true;
    },
  });
  container.modem.demuxStream(stream, writer('stdout'), writer('stderr'));
  const aborted = await new Promise<boolean>((resolve, reject) => {
    if (signal?.aborted) return resolve(true);
    const onAbort = () => resolve(true);
    signal?.addEventListener('abort', onAbort, { once: true });
    const ended = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', reject);
  });
  if (aborted) {
    // An unfinished line is left for the next start to ship whole.
    stream.destroy();
    return;
  }
  deliver([partial.stdout, partial.stderr]);
}

/** `2026-11-24T18:00:00.123456789Z message` → {timestamp, message}. */
function parseTimestamped(line: string): LogEvent {
  const space = line.indexOf(' ');
  const timestamp = Date.parse(line.slice(0, space));
  return Number.isNaN(timestamp)
    ? { timestamp: Date.now(), message: line }
    : { timestamp, message: line.slice(space + 1) };
}
