import { EventEmitter } from 'node:events';
import type { RequestHandler } from 'express';

/**
 * The process's serving state: how many requests are in flight, and whether it is draining (it then
 * reports not-ready and closes each connection after its current response).
 */
export interface Lifecycle {
  readonly draining: boolean;
  readonly inFlight: number;
  /** Middleware: counts the request in flight until its response closes. */
  track: RequestHandler;
  startDraining(): void;
  /** Called after every response that closes while draining (a connection may just have gone idle). */
  onResponseClosed(listener: () => void): void;
}

export function createLifecycle(): Lifecycle {
  let draining = false;
  let inFlight = 0;
  const events = new EventEmitter();

  const track: RequestHandler = (_req, res, next) => {
    inFlight++;
    if (draining) res.shouldKeepAlive = false;
    res.once('close', () => {
      inFlight--;
      if (draining) events.emit('response-closed');
    });
    next();
  };

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    track,
    startDraining() {
      draining = true;
    },
    onResponseClosed(listener) {
      events.on('response-closed', listener);
    },
  };
}
