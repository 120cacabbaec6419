/**
 * One load step: a fixed number of requests kept in flight against the service for a fixed time
 * (the bounded load generator, run closed-loop: its start rate far above what the service answers,
 * so a finished request's slot is refilled at once), and the latencies and errors that came back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadRequest, LoadStats } from '../load/load.ts';
import { startLoad } from '../load/load.ts';
import type { LatencyPercentiles } from './recommend.ts';

export interface StepPlan {
  baseUrl: string;
  concurrency: number;
  durationMs: number;
  /** Per request. */
  timeoutMs: number;
  requestIdPrefix: string;
}

export interface StepResult {
  concurrency: number;
  start: number;
  end: number;
  stats: LoadStats;
  latencyMs: LatencyPercentiles | undefined;
}

export const CHAT_REQUEST: LoadRequest = {
  method: 'POST',
  path: '/v1/chat',
  body: { question: 'In one sentence: what is a container?' },
};

/** Refills per second per slot: a slot waits at most 50 ms for its next request. */
const REFILLS_PER_SLOT = 20;
const MAX_START_RATE = 2_000;

/** Loopback only: load goes to 127.0.0.1 (or a name the system resolves to it), nowhere else. */
export function isLoopbackUrl(url: string): boolean {
  const { hostname } = new URL(url);
  return (
    /^127(\.\d{1,3}){3}$/.test(hostname) ||
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]'
  );
}

export async function driveStep(plan: StepPlan): Promise<StepResult> {
  if (!isLoopbackUrl(plan.baseUrl)) {
    throw new Error(`load goes to loopback addresses only (127.0.0.1, *.localhost); got ${plan.baseUrl}`);
  }
  const start = Date.now();
  const rate = Math.min(MAX_START_RATE, plan.concurrency * REFILLS_PER_SLOT);
  const load = startLoad({
    baseUrl: plan.baseUrl,
    requests: [CHAT_REQUEST],
    ratePerSecond: rate,
    maxInFlight: plan.concurrency,
    maxRequests: Math.ceil((rate * plan.durationMs) / 1000),
    maxDurationMs: plan.durationMs,
    timeoutMs: plan.timeoutMs,
    requestIdPrefix: plan.requestIdPrefix,
  });
  await sleep(plan.durationMs);
  // Requests still open finish (or time out) and count: the step ends when the last one does.
  const stats = await load.stop();
  return {
    concurrency: plan.concurrency,
    start,
    end: Date.now(),
    stats,
    latencyMs: percentiles(stats.latenciesMs),
  };
}

/** Nearest-rank percentiles; undefined for no samples. */
export function percentiles(samples: readonly number[]): LatencyPercentiles | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: sorted.at(-1)! };
}
