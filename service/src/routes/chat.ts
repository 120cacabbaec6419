import { Router, json, type Request, type RequestHandler } from 'express';
import { chatRequest } from '../chat/prompt.ts';
import { parseChatInput, type ChatInput } from '../chat/input.ts';
import { GeminiError, type GeminiClient } from '../gemini/index.ts';
import { HttpError, httpErrorFromGemini, methodNotAllowed } from '../http/errors.ts';
import { sendEvent, startEventStream } from '../http/sse.ts';
import { Shed, type UpstreamLimiter } from '../load/upstream-limiter.ts';

/** Room for a full question plus 20 full history turns, even with escaped non-ASCII text. */
export const BODY_LIMIT = '512kb';
/** Sent with a shed request: a second is enough for the queue to move. */
const SHED_RETRY_AFTER_SECONDS = 1;

export interface ChatDeps {
  gemini: GeminiClient;
  limiter: UpstreamLimiter;
}

export function chatRouter(deps: ChatDeps): Router {
  const router = Router();
  const body = json({ limit: BODY_LIMIT });
  router.route('/v1/chat').post(body, answer(deps)).all(methodNotAllowed('POST'));
  router.route('/v1/chat/stream').post(body, streamAnswer(deps)).all(methodNotAllowed('POST'));
  return router;
}

function answer(deps: ChatDeps): RequestHandler {
  return async (req, res) => {
    const input = readInput(req);
    const signal = req.clientGone;
    const release = await admit(deps, req);
    try {
      const result = await deps.gemini.generate({ ...chatRequest(input), signal, log: req.log });
      res.json({
        answer: result.text,
        model: result.model,
        finishReason: result.finishReason,
        usage: result.usage,
        requestId: req.id,
      });
    } finally {
      release();
    }
  };
}

/**
 * SSE: `delta` events with text, then `done` (finishReason, usage, model, requestId, and `refusal`
 * when the answer was withheld: clients replace what they showed with it). A failure before the
 * first chunk is a plain JSON error response; after it, an `error` event ends the stream.
 */
function streamAnswer(deps: ChatDeps): RequestHandler {
  return async (req, res) => {
    const input = readInput(req);
    const signal = req.clientGone;
    const release = await admit(deps, req);
    try {
      const events = await deps.gemini.generateStream({ ...chatRequest(input), signal, log: req.log });
      startEventStream(res);
      try {
        for await (const event of events) {
          if (event.type === 'delta') {
            await sendEvent(res, 'delta', { text: event.text });
          } else {
            await sendEvent(res, 'done', {
              finishReason: event.finishReason,
              usage: event.usage,
              model: event.model,
              requestId: req.id,
              ...(event.withheld ? { refusal: event.text } : {}),
            });
          }
          if (res.destroyed) break;
        }
      } catch (err) {
        await sendEvent(res, 'error', streamError(err, req));
      }
      res.end();
    } finally {
      release();
    }
  };
}

function streamError(err: unknown, req: Request): { code: string; message: string; requestId: string } {
  if (err instanceof GeminiError) {
    const { code, message } = httpErrorFromGemini(err);
    return { code, message, requestId: req.id };
  }
  req.log.error({ err }, 'stream failed');
  return { code: 'internal_error', message: 'Something went wrong on our side.', requestId: req.id };
}

function readInput(req: Request): ChatInput {
  if (!req.is('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.', {
      field: 'body',
    });
  }
  return parseChatInput(req.body);
}

/** Waits for an upstream slot; sheds with 503 + Retry-After when the queue is full or too slow. */
async function admit(deps: ChatDeps, req: Request): Promise<() => void> {
  try {
    return await deps.limiter.acquire(req.clientGone);
  } catch (err) {
    if (!(err instanceof Shed)) throw err;
    req.log.warn(
      { event: 'shed', reason: err.reason, active: deps.limiter.active, queued: deps.limiter.queued },
      'request shed',
    );
    throw new HttpError(503, 'overloaded', 'The service is at capacity; retry after the Retry-After delay.', {
      headers: { 'retry-after': String(SHED_RETRY_AFTER_SECONDS) },
    });
  }
}
