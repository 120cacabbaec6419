import { Router } from 'express';
import type { BuildInfo } from '../build-info.ts';
import { methodNotAllowed } from '../http/errors.ts';

/** GET /v1/info: what is running (build metadata, model) and for how long. */
export function infoRouter(deps: { build: BuildInfo; model: string }): Router {
  const router = Router();
  router
    .route('/v1/info')
    .get((_req, res) => {
      res.json({
        name: 'iscoolgpt',
        ...deps.build,
        model: deps.model,
        uptimeSeconds: Math.round(process.uptime()),
        node: process.version,
      });
    })
    .all(methodNotAllowed('GET', 'HEAD'));
  return router;
}
