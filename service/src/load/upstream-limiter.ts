/**
 * Caps concurrent Gemini calls: at most `maxConcurrent` run, at most `maxQueue` wait in FIFO order
 * (each for at most `maxWaitMs`), and any request beyond that is refused at once (load shedding), so
 * memory stays flat whatever the offered load. A slot is held for a whole call, streams included,
 * and handed straight to the oldest waiter on release.
 *
 * Hand-written rather than p-queue/p-limit: shedding must be decided synchronously at admission,
 * and a slot must outlive the function that took it (an SSE stream), which task-queue APIs model
 * awkwardly.
 */
export interface UpstreamLimiter {
  /**
   * Resolves with a release function (idempotent) once a slot is free. Rejects with a Shed error
   * when the queue is full or the wait runs out, or with the signal's reason when it aborts first.
   */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly active: number;
  readonly queued: number;
}

export class Shed extends Error {
  override readonly name = 'Shed';
  readonly reason: 'queue_full' | 'queue_timeout';

  constructor(reason: 'queue_full' | 'queue_timeout') {
    super(reason === 'queue_full' ? 'the upstream queue is full' : 'waited too long for an upstream slot');
    this.reason = reason;
  }
}

interface Waiter {
  grant(release: () => void): void;
}

export function createUpstreamLimiter(options: {
  maxConcurrent: number;
  maxQueue: number;
  maxWaitMs: number;
}): UpstreamLimiter {
  let active = 0;
  // A Set keeps FIFO order and lets a waiter that gives up leave from the middle in O(1).
  const waiting = new Set<Waiter>();

  function newRelease(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.values().next();
      if (next.done) {
        active--;
        return;
      }
      waiting.delete(next.value);
      next.value.grant(newRelease());
    };
  }

  function acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (active < options.maxConcurrent) {
      active++;
      return Promise.resolve(newRelease());
    }
    if (waiting.size >= options.maxQueue) return Promise.reject(new Shed('queue_full'));
    return new Promise((resolve, reject) => {
      const leave = (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waiting.delete(waiter);
        reject(error);
      };
      const onAbort = () => leave(signal?.reason);
      const timer = setTimeout(() => leave(new Shed('queue_timeout')), options.maxWaitMs);
      const waiter: Waiter = {
        grant(release) {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      waiting.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    acquire,
    get active() {
      return active;
    },
    get queued() {
      return waiting.size;
    },
  };
}
