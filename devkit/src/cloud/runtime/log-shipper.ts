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

/**
 * Follows the container's log from its start; resolves once the container has exited and every
 * line has been delivered to the sink — which is why a task is reported STOPPED only after this.
 */
export async function shipLogs(
  container: Docker.Container,
  destination: LogDestination,
  sink: LogSink,
): Promise<void> {
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
    timestamps: true,
  })) as unknown as NodeJS.ReadableStream;
  const partial = { stdout: '', stderr: '' };
  const deliver = (lines: string[]) => {
    const events = lines.filter((l) => l.length > 0).map(parseTimestamped);
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
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
  });
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
