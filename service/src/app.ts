import express, { type Express } from 'express';
import { readBuildInfo, type BuildInfo } from './build-info.ts';
import type { Config } from './config.ts';
import { createGeminiClient } from './gemini/index.ts';
import { monitorEventLoop } from './health/event-loop.ts';
import { errorHandler, notFound } from './http/errors.ts';
import { requestContext } from './http/request-context.ts';
import { createLifecycle, type Lifecycle } from './lifecycle/lifecycle.ts';
import { createUpstreamLimiter } from './load/upstream-limiter.ts';
import type { Logger } from './logger.ts';
import { chatRouter } from './routes/chat.ts';
import { healthRouter } from './routes/health.ts';
import { infoRouter } from './routes/info.ts';

export interface AppOptions {
  config: Config;
  logger: Logger;
  build?: BuildInfo;
  /** /health fails after a loop stall longer than this; 1 s by default. */
  eventLoopStallMs?: number;
}

export interface App {
  app: Express;
  lifecycle: Lifecycle;
  /** Stops the background sampling, for embedders that create and drop apps (tests). */
  stop(): void;
}

/** The IsCoolGPT API as an Express app, ready for `http.createServer(app)`. */
export function createApp(options: AppOptions): App {
  const { config, logger } = options;
  const gemini = createGeminiClient({ ...config.gemini, log: logger });
  // A request waits for a slot at most as long as one Gemini call may take.
  const limiter = createUpstreamLimiter({
    maxConcurrent: config.maxConcurrentUpstream,
    maxQueue: config.maxQueue,
    maxWaitMs: config.gemini.timeoutMs,
  });
  const eventLoop = monitorEventLoop({ thresholdMs: options.eventLoopStallMs ?? 1000 });
  const lifecycle = createLifecycle();

  const app = express();
  app.disable('x-powered-by');
  // Answers are never cacheable: hashing every body for an ETag is wasted work.
  app.set('etag', false);
  app.use(requestContext(logger), lifecycle.track);
  // The hot path first: a chat request then skips the other routers' matching.
  app.use(chatRouter({ gemini, limiter }));
  app.use(healthRouter({ eventLoop, lifecycle }));
  app.use(infoRouter({ build: options.build ?? readBuildInfo(process.env), model: config.gemini.model }));
  app.use(notFound);
  app.use(errorHandler);
  return { app, lifecycle, stop: () => eventLoop.stop() };
}
