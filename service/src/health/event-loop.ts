import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Whether the event loop has recently been blocked for longer than a threshold. */
export interface EventLoopMonitor {
  /** The longest loop delay in the current or last sampling window (or the stall in progress), in ms. */
  readonly delayMs: number;
  readonly stalled: boolean;
  stop(): void;
}

/**
 * Samples the loop delay histogram every `sampleMs` and keeps the window's maximum. A process whose
 * loop is blocked cannot answer /health at all; this also catches one that answers between stalls
 * (a CPU-bound request, a sync call in a hot path) and reports it unhealthy until a clean window.
 */
export function monitorEventLoop(options: { thresholdMs: number; sampleMs?: number }): EventLoopMonitor {
  const sampleMs = options.sampleMs ?? 500;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let windowMaxMs = 0;
  let lastSample = performance.now();
  const timer = setInterval(() => {
    windowMaxMs = histogram.max / 1e6;
    histogram.reset();
    lastSample = performance.now();
  }, sampleMs);
  // Liveness must never keep a draining process alive.
  timer.unref();

  // The last full window, the one in progress, and a sample overdue because the loop is blocked now.
  const delayMs = () => Math.max(windowMaxMs, histogram.max / 1e6, performance.now() - lastSample - sampleMs);
  return {
    get delayMs() {
      return delayMs();
    },
    get stalled() {
      return delayMs() > options.thresholdMs;
    },
    stop() {
      clearInterval(timer);
      histogram.disable();
    },
  };
}
