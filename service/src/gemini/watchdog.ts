/**
 * The time budget of one Gemini call as an AbortSignal. It aborts when the budget runs out, when the
 * caller's signal aborts, or on `abandon` (so a stream nobody reads releases its upstream
 * connection), and remembers which of the first two happened: fetch reports all of them as the same
 * AbortError.
 */
export interface Watchdog {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  readonly callerAborted: boolean;
  remainingMs(): number;
  /** Starts a fresh budget (a stream's idle timeout restarts at every chunk). */
  rearm(): void;
  /** Stops the timer; the call is over. */
  dispose(): void;
  /** Aborts the upstream request of a call given up half-way. */
  abandon(): void;
}

export function startWatchdog(budgetMs: number, callerSignal?: AbortSignal): Watchdog {
  const controller = new AbortController();
  let deadline = 0;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let callerAborted = false;

  const onCallerAbort = () => {
    callerAborted = true;
    controller.abort();
  };
  const arm = () => {
    clearTimeout(timer);
    deadline = Date.now() + budgetMs;
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, budgetMs);
  };

  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  arm();

  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    get callerAborted() {
      return callerAborted;
    },
    remainingMs: () => Math.max(0, deadline - Date.now()),
    rearm: arm,
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
    abandon() {
      controller.abort();
    },
  };
}
