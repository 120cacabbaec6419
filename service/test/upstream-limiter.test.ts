import { describe, expect, it } from 'vitest';
import { createUpstreamLimiter, Shed } from '../src/load/upstream-limiter.ts';

async function shedReason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(Shed);
  return (error as Shed).reason;
}

describe('upstream limiter', () => {
  it('admits up to maxConcurrent at once, queues up to maxQueue, sheds the rest', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 2, maxQueue: 1, maxWaitMs: 60_000 });
    await limiter.acquire();
    await limiter.acquire();
    const queued = limiter.acquire();
    expect({ active: limiter.active, queued: limiter.queued }).toEqual({ active: 2, queued: 1 });
    expect(await shedReason(limiter.acquire())).toBe('queue_full');
    expect(limiter.queued).toBe(1);
    void queued;
  });

  it('hands a released slot to the oldest waiter', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 1, maxQueue: 2, maxWaitMs: 60_000 });
    const release = await limiter.acquire();
    const order: string[] = [];
    const first = limiter.acquire().then((done) => (order.push('first'), done));
    const second = limiter.acquire().then((done) => (order.push('second'), done));
    release();
    (await first)();
    (await second)();
    expect(order).toEqual(['first', 'second']);
    expect({ active: limiter.active, queued: limiter.queued }).toEqual({ active: 0, queued: 0 });
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 2, maxQueue: 0, maxWaitMs: 60_000 });
    const release = await limiter.acquire();
    await limiter.acquire();
    release();
    release();
    expect(limiter.active).toBe(1);
  });

  it('removes a waiter whose signal aborts, rejecting with the signal reason', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 1, maxQueue: 5, maxWaitMs: 60_000 });
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
    expect(limiter.queued).toBe(0);
    release();
    expect(limiter.active).toBe(0);
  });

  it('sheds a waiter that waited maxWaitMs', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 1, maxQueue: 5, maxWaitMs: 20 });
    await limiter.acquire();
    expect(await shedReason(limiter.acquire())).toBe('queue_timeout');
    expect(limiter.queued).toBe(0);
  });

  it('with maxQueue 0, sheds as soon as every slot is taken', async () => {
    const limiter = createUpstreamLimiter({ maxConcurrent: 1, maxQueue: 0, maxWaitMs: 60_000 });
    await limiter.acquire();
    expect(await shedReason(limiter.acquire())).toBe('queue_full');
  });
});
