import type { Server } from 'node:http';
import type { Logger } from '../logger.ts';
import type { Lifecycle } from './lifecycle.ts';

/**
 * On SIGTERM (what ECS sends before SIGKILL) or SIGINT: stop accepting connections, report
 * not-ready, let in-flight requests and streams finish, then exit 0. If they outlive `graceMs`,
 * the remaining connections are cut and the exit code is 1, so a forced stop is visible.
 */
export function drainOnSignals(options: {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  graceMs: number;
  exit: (code: number) => void;
}): void {
  const { server, lifecycle, logger, graceMs, exit } = options;
  const drain = (signal: NodeJS.Signals) => {
    if (lifecycle.draining) return;
    const started = Date.now();
    lifecycle.startDraining();
    logger.info({ event: 'drain_started', signal, inFlight: lifecycle.inFlight, graceMs }, 'draining');

    const deadline = setTimeout(() => {
      logger.warn(
        { event: 'drain_timeout', inFlight: lifecycle.inFlight, graceMs },
        'grace period over; closing',
      );
      server.closeAllConnections();
      exit(1);
    }, graceMs);

    // close() stops accepting and ends idle keep-alive connections; the callback runs once every
    // connection is gone. Connections busy now are closed as soon as their response ends.
    server.close(() => {
      clearTimeout(deadline);
      logger.info({ event: 'drain_complete', durationMs: Date.now() - started }, 'drained; exiting');
      exit(0);
    });
    lifecycle.onResponseClosed(() => server.closeIdleConnections());
  };
  process.once('SIGTERM', drain);
  process.once('SIGINT', drain);
}
