/**
 * A bounded load generator: steady request starts at a fixed rate against one base URL, never more
 * than `maxInFlight` at once, and never more than `maxRequests` or `maxDurationMs` in all, whatever
 * the caller does. It counts every request it sent and every one that failed (any status outside
 * 2xx, a network error or a timeout), which build version answered, in order, and how long each
 * successful request took.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { reachableUrl } from '../net/loopback.ts';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

export interface LoadOptions {
  baseUrl: string;
  /** Sent in turn, round-robin. */
  requests: LoadRequest[];
  ratePerSecond: number;
  maxInFlight: number;
  maxRequests: number;
  maxDurationMs: number;
  timeoutMs: number;
  /** Each request carries `x-request-id: <prefix>-<n>`, so its log lines can be found by id. */
  requestIdPrefix: string;
}

export interface LoadFailure {
  requestId: string;
  path: string;
  /** HTTP status, or undefined when no response came back. */
  status: number | undefined;
  reason: string;
}

/** A run of consecutive answers from one build version (from `version` in a JSON body). */
export interface VersionRun {
  version: string;
  count: number;
}

export interface LoadStats {
  sent: number;
  succeeded: number;
  failed: number;
  /** Request starts skipped because `maxInFlight` requests were still open (not sent, not failed). */
  skipped: number;
  /** The first failures, up to 20, to say why. */
  failures: LoadFailure[];
  /** Every failure counted by its HTTP status, or "network" when no response came back. */
  failedByStatus: Record<string, number>;
  /** Versions that answered, in the order the answers arrived, consecutive answers merged. */
  versions: VersionRun[];
  /** Ids of the requests that succeeded, by path. */
  succeededIds: Record<string, string[]>;
  /** How long each successful request took, start to last byte, ms, in order of completion. */
  latenciesMs: number[];
  durationMs: number;
  stoppedBy: 'stop' | 'maxRequests' | 'maxDuration';
}

export interface RunningLoad {
  /** Stops starting requests, waits for the open ones, and returns the counts. */
  stop(): Promise<LoadStats>;
  /** The counts so far (a copy). */
  snapshot(): LoadStats;
}

const MAX_FAILURES_KEPT = 20;

function checkBounds(options: LoadOptions): void {
  const positive: Array<keyof LoadOptions> = [
    'ratePerSecond',
    'maxInFlight',
    'maxRequests',
    'maxDurationMs',
    'timeoutMs',
  ];
  for (const key of positive) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`load: ${key} must be a positive finite number (got ${String(value)})`);
    }
  }
  if (options.requests.length === 0) throw new RangeError('load: requests must not be empty');
}

export function startLoad(options: LoadOptions): RunningLoad {
  checkBounds(options);
  const started = Date.now();
  const stats: LoadStats = {
    sent: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    failures: [],
    failedByStatus: {},
    versions: [],
    succeededIds: {},
    latenciesMs: [],
    durationMs: 0,
    stoppedBy: 'stop',
  };
  const open = new Set<Promise<void>>();
  const stopping = new AbortController();

  const fail = (failure: LoadFailure) => {
    stats.failed++;
    const status = failure.status === undefined ? 'network' : String(failure.status);
    stats.failedByStatus[status] = (stats.failedByStatus[status] ?? 0) + 1;
    if (stats.failures.length < MAX_FAILURES_KEPT) stats.failures.push(failure);
  };
  const sawVersion = (version: string) => {
    const last = stats.versions.at(-1);
    if (last?.version === version) last.count++;
    else stats.versions.push({ version, count: 1 });
  };

  async function send(n: number): Promise<void> {
    const request = options.requests[n % options.requests.length]!;
    const requestId = `${options.requestIdPrefix}-${n}`;
    const sentAt = performance.now();
    try {
      const response = await fetch(reachableUrl(options.baseUrl, request.path), {
        method: request.method,
        headers: {
          'x-request-id': requestId,
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await response.text();
      if (!response.ok) {
        fail({ requestId, path: request.path, status: response.status, reason: text.slice(0, 200) });
        return;
      }
      stats.succeeded++;
      stats.latenciesMs.push(performance.now() - sentAt);
      (stats.succeededIds[request.path] ??= []).push(requestId);
      const version = versionOf(text);
      if (version !== undefined) sawVersion(version);
    } catch (error) {
      fail({ requestId, path: request.path, status: undefined, reason: (error as Error).message });
    }
  }

  const interval = 1000 / options.ratePerSecond;
  const loop = (async () => {
    for (let n = 0; ; n++) {
      if (stopping.signal.aborted) return;
      if (stats.sent >= options.maxRequests) {
        stats.stoppedBy = 'maxRequests';
        return;
      }
      if (Date.now() - started >= options.maxDurationMs) {
        stats.stoppedBy = 'maxDuration';
        return;
      }
      if (open.size >= options.maxInFlight) {
        stats.skipped++;
      } else {
        stats.sent++;
        const request = send(stats.sent - 1);
        open.add(request);
        void request.finally(() => open.delete(request));
      }
      // Paced from the start time, so a slow tick does not lower the rate.
      const next = started + (n + 1) * interval - Date.now();
      await sleep(Math.max(0, next), undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  })();

  const copy = (): LoadStats => structuredClone({ ...stats, durationMs: Date.now() - started });
  return {
    async stop() {
      stopping.abort();
      await loop;
      while (open.size > 0) await Promise.all([...open]);
      return copy();
    },
    snapshot: copy,
  };
}

function versionOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { version?: unknown };
    return typeof body.version === 'string' ? body.version : undefined;
  } catch {
    return undefined;
  }
}

/** Every distinct version, in order of first appearance. */
export function versionsSeen(stats: LoadStats): string[] {
  return [...new Set(stats.versions.map((run) => run.version))];
}
