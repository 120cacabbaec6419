/**
 * The engine's events about one cloud's task containers, as they happen: a container that dies,
 * is signalled to end or turns unhealthy, so the runtime can take its task out of the load
 * balancer at once instead of at its next look, or turns healthy, so a rollout waiting for it
 * goes on at once. The stream is followed again whenever it ends
 * (engine restarted, connection dropped), from shortly before it was lost, so nothing that
 * happened in between is missed; an engine that is away costs a retry now and then, no crash.
 */
import type Docker from 'dockerode';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { LABELS } from './labels.ts';

export interface ContainerEvent {
  containerId: string;
  /** The task the container belongs to (its ECS agent label). */
  taskArn: string;
  /**
   * The container is gone (`die`), was sent a signal that ends a process (`kill`), failed its health
   * check, or passed it (`healthy`: a task waiting for it may go on).
   */
  kind: 'died' | 'signalled' | 'unhealthy' | 'healthy';
}

/** Signals that end a process unless it handles them: `docker kill` and `docker stop` send these. */
const ENDING_SIGNALS = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT']);

/** Docker names the signal of a `kill` event by number ("15") or, from some clients, by name. */
function signalName(signal: string | undefined): string | undefined {
  if (!signal) return undefined;
  if (!/^\d+$/.test(signal)) return signal.startsWith('SIG') ? signal : `SIG${signal}`;
  return Object.entries(constants.signals).find(([, n]) => n === Number(signal))?.[0];
}

interface EngineEvent {
  Type?: string;
  Action?: string;
  time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** An engine event as one of ours, or nothing when it is not one the runtime acts on. */
export function containerEvent(event: EngineEvent): ContainerEvent | undefined {
  const attributes = event.Actor?.Attributes ?? {};
  const taskArn = attributes[LABELS.taskArn];
  const containerId = event.Actor?.ID;
  if (event.Type !== 'container' || !taskArn || !containerId) return undefined;
  if (event.Action === 'die') return { containerId, taskArn, kind: 'died' };
  if (event.Action === 'health_status: unhealthy') return { containerId, taskArn, kind: 'unhealthy' };
  if (event.Action === 'health_status: healthy') return { containerId, taskArn, kind: 'healthy' };
  if (event.Action === 'kill' && ENDING_SIGNALS.has(signalName(attributes.signal) ?? '')) {
    return { containerId, taskArn, kind: 'signalled' };
  }
  return undefined;
}

export interface ContainerEventsOptions {
  /** Label filters (all must match), e.g. one cloud's managed labels. */
  labels: string[];
  onEvent: (event: ContainerEvent) => void;
  /** How long to wait before following again after the stream ended or the engine was away. */
  retryMs?: number;
}

/** Follows the engine's container events until `close()`. */
export class ContainerEvents {
  private readonly docker: Docker;
  private readonly options: ContainerEventsOptions;
  private stream: Readable | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Engine time (seconds) from which a new stream picks up: the last event seen or connection made. */
  private since: number | undefined;

  constructor(docker: Docker, options: ContainerEventsOptions) {
    this.docker = docker;
    this.options = options;
  }

  /** Starts following; resolves once the first stream is open or has failed (it retries on its own). */
  async start(): Promise<void> {
    await this.follow();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.stream?.destroy();
    this.stream = undefined;
  }

  private async follow(): Promise<void> {
    if (this.closed) return;
    let stream: Readable;
    try {
      stream = (await this.docker.getEvents({
        filters: {
          type: ['container'],
          event: ['die', 'kill', 'health_status'],
          label: this.options.labels,
        },
        // One second back: `since` counts whole seconds, and an event repeated is harmless.
        ...(this.since !== undefined ? { since: this.since - 1 } : {}),
      })) as Readable;
    } catch {
      this.retry();
      return;
    }
    if (this.closed) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    this.since ??= Math.floor(Date.now() / 1000);
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => this.take(line));
    // A cut stream errors ('close' follows); readline passes its input's errors on, and an error
    // without a listener would end the process.
    stream.on('error', () => undefined);
    lines.on('error', () => undefined);
    stream.once('close', () => {
      lines.close();
      if (this.stream === stream) this.stream = undefined;
      this.retry();
    });
  }

  private take(line: string): void {
    let raw: EngineEvent;
    try {
      raw = JSON.parse(line) as EngineEvent;
    } catch {
      return;
    }
    if (typeof raw.time === 'number') this.since = raw.time;
    const event = containerEvent(raw);
    if (!event) return;
    try {
      this.options.onEvent(event);
    } catch (error) {
      // A listener's mistake must not end the stream, let alone the process.
      console.error('[cloud] container event:', error);
    }
  }

  private retry(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.follow(), this.options.retryMs ?? 1000);
  }
}
