/** Waits of the rehearsal: bounded polls whose outcome the checks after them judge. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningLoad } from '../load/load.ts';

/** Polls `done` until it holds or the time is up (the checks after it say what did not happen). */
export async function until(timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await sleep(100);
}

/** Until the latest answers come from `version` (5 in a row), or the time is up. */
export function untilAnswered(load: RunningLoad, version: string, timeoutMs: number): Promise<void> {
  return until(timeoutMs, async () => {
    const last = load.snapshot().versions.at(-1);
    return last?.version === version && last.count >= 5;
  });
}
