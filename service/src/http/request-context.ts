import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's declaration-merging hook
  namespace Express {
    interface Request {
      /** From x-request-id when it is a sane token, else generated; echoed in the response header. */
      id: string;
      /** Child logger bound to the request id: every line about this request carries it. */
      log: Logger;
      /** Aborts when the client goes away before its response is complete. */
      clientGone: AbortSignal;
    }
  }
}

const SANE_REQUEST_ID = /^[\w.:@-]{1,128}$/;

/**
 * Gives each request its id and logger, and writes one access line when the response ends (or the
 * client goes away first: `aborted: true`).
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const offered = req.get('x-request-id');
    req.id = offered !== undefined && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('x-request-id', req.id);
    const gone = new AbortController();
    req.clientGone = gone.signal;
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
      const line = {
        event: 'access',
        method: req.method,
        path: req.originalUrl.split('?', 1)[0],
        status: res.statusCode,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e3) / 1e3,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) req.log.warn(line, 'request');
      else req.log.info(line, 'request');
    });
    next();
  };
}
