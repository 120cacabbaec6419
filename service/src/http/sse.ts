import { once } from 'node:events';
import type { Response } from 'express';

/** Starts a Server-Sent Events response. Headers go out at once so proxies start relaying. */
export function startEventStream(res: Response): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // nginx-style proxies buffer responses unless told not to.
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
}

/**
 * Writes one event. Waits for the socket to drain when its buffer is full, so a slow reader slows
 * the relay instead of growing the process's memory.
 */
export async function sendEvent(res: Response, event: string, data: unknown): Promise<void> {
  if (res.destroyed) return;
  if (!res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) {
    await Promise.race([once(res, 'drain'), once(res, 'close')]);
  }
}
