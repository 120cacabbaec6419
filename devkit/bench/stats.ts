// The figures every benchmark prints (medians, percentiles, fixed-digit numbers, table rows, the
// load average) and the call loop the request benchmarks share.
import { loadavg } from 'node:os';

/** The load average as every benchmark prints it beside a figure: `load 0.5 2.5 5.2`. */
export const load = (): string =>
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The nearest-rank percentile, `p` in 0..1; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

export function fmt(value: number, digits: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `count` calls, `concurrency` at a time; every call's latency in ms and the wall time. */
export async function runCalls(
  call: () => Promise<unknown>,
  count: number,
  concurrency: number,
): Promise<{ latencies: number[]; seconds: number; cpuMsPerCall: number }> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const t0 = performance.now();
      await call();
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return {
    latencies,
    seconds: (performance.now() - t0) / 1000,
    cpuMsPerCall: (used.user + used.system) / 1000 / count,
  };
}

/** One table row: the operation left-aligned, figures right-aligned. */
export function row([first, ...rest]: string[]): string {
  return `  ${first!.padEnd(21)}${rest.map((cell) => cell.padStart(12)).join('')}`;
}
