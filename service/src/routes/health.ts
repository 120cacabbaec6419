import { Router } from 'express';
import type { EventLoopMonitor } from '../health/event-loop.ts';
import { methodNotAllowed } from '../http/errors.ts';
import type { Lifecycle } from '../lifecycle/lifecycle.ts';

/**
 * GET /health: liveness. Cheap and local (never calls Gemini): 200 unless the event loop has been
 * stalled beyond its threshold. GET /ready: 200 while serving, 503 once draining, so load balancers
 * stop sending traffic before the process goes away.
 */
export function healthRouter(deps: { eventLoop: EventLoopMonitor; lifecycle: Lifecycle }): Router {
  const router = Router();
  router
    .route('/health')
    .get((_req, res) => {
      const eventLoopDelayMs = Math.round(deps.eventLoop.delayMs);
      res.set('cache-control', 'no-store');
      if (deps.eventLoop.stalled)
        res.status(503).json({ status: 'unhealthy', reason: 'event_loop_stalled', eventLoopDelayMs });
      else res.json({ status: 'ok', eventLoopDelayMs });
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  router
    .route('/ready')
    .get((_req, res) => {
      res.set('cache-control', 'no-store');
      if (deps.lifecycle.draining) res.status(503).json({ status: 'draining' });
      else res.json({ status: 'ready' });
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  return router;
}
