/**
 * Event sources (protocol/event-stream.ts): closing one ends its run at once, even while it waits,
 * and one whose lifetime ends is closed whether or not anyone still reads it.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { eventSource } from '../../../src/cloud/protocol/event-stream.ts';

/** A run that yields once, then waits (on its signal) for an hour, noting whether its cleanup ran. */
function ticking() {
  const seen = { cleanedUp: false };
  const run = async function* (signal: AbortSignal) {
    try {
      yield 'first';
      await sleep(3_600_000, undefined, { signal });
      yield 'never';
    } catch {
      // aborted: ends
    } finally {
      seen.cleanedUp = true;
    }
  };
  return { seen, run };
}

describe('event sources', () => {
  it('end at once when closed mid-wait, their cleanup run', async () => {
    const { seen, run } = ticking();
    const source = eventSource(run, 3_600_000);
    const events = source[Symbol.asyncIterator]();
    expect(await events.next()).toEqual({ value: 'first', done: false });
    const pending = events.next();
    source.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(seen.cleanedUp).toBe(true);
    expect(source.signal.aborted).toBe(true);
  });

  it('are closed when their lifetime ends, read or not', async () => {
    const { seen, run } = ticking();
    const source = eventSource(run, 50);
    const events = source[Symbol.asyncIterator]();
    expect(await events.next()).toEqual({ value: 'first', done: false });
    const pending = events.next();
    await once(source.signal, 'abort');
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(seen.cleanedUp).toBe(true);
  });
});
