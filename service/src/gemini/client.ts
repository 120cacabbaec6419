import { setTimeout as sleep } from 'node:timers/promises';
import { GoogleGenAI, type GenerateContentParameters } from '@google/genai';
import { createHttpFetch } from './http-fetch.ts';
import { describeFailure, GeminiError, isRetryable, type AttemptFailure } from './errors.ts';
import { NO_FINISH_REASON, NO_USAGE, readChunk, settleAnswer } from './response.ts';
import { startWatchdog, type Watchdog } from './watchdog.ts';
import type {
  GeminiAnswer,
  GeminiClient,
  GeminiClientOptions,
  GeminiEventLog,
  GeminiRequest,
  GeminiStreamEvent,
} from './types.ts';

export const GOOGLE_BASE_URL = 'https://generativelanguage.googleapis.com';
const BACKOFF_CAP_MS = 4_000;

/**
 * A Gemini client with the service's policy built in: one time budget per call, bounded retries of
 * 429/503 that honour RetryInfo.retryDelay, every failure as a GeminiError with a stable code, and
 * the API key scrubbed from everything it reports.
 *
 * The SDK's own retries stay off (no httpOptions.retryOptions) and so does its automatic stream
 * continuation, which would silently re-request dropped streams: all retrying happens here, once.
 */
export function createGeminiClient(options: GeminiClientOptions): GeminiClient {
  const { apiKey, model, timeoutMs, maxRetries } = options;
  const backoffBaseMs = options.backoffBaseMs ?? 250;
  // Everything explicit, so GOOGLE_GENAI_USE_VERTEXAI / GOOGLE_GEMINI_BASE_URL / GOOGLE_GENAI_API_VERSION
  // in the environment cannot redirect the client behind the configuration's back. One client, and
  // one keep-alive connection pool, for the process.
  const ai = new GoogleGenAI({
    apiKey,
    vertexai: false,
    apiVersion: 'v1beta',
    httpOptions: { baseUrl: options.baseUrl ?? GOOGLE_BASE_URL, fetch: createHttpFetch() },
  });
  const scrub = (text: string) => text.replaceAll(apiKey, '[REDACTED]');

  function parameters(request: GeminiRequest, signal: AbortSignal): GenerateContentParameters {
    const contents = (request.history ?? []).map((turn) => ({
      role: turn.role,
      parts: [{ text: turn.text }],
    }));
    contents.push({ role: 'user', parts: [{ text: request.prompt }] });
    return {
      model,
      contents,
      config: {
        ...(request.systemInstruction ? { systemInstruction: request.systemInstruction } : {}),
        abortSignal: signal,
        automaticContinuation: false,
      },
    };
  }

  /** Runs `attempt` until it succeeds, fails for good, or the next wait would overrun the budget. */
  async function withRetries<T>(
    attempt: () => Promise<T>,
    watchdog: Watchdog,
    log: GeminiEventLog,
  ): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await attempt();
      } catch (err) {
        const failure = describe(err, watchdog);
        if (!isRetryable(failure)) throw err;
        const delayMs = failure.retryDelayMs ?? backoffMs(retry);
        if (retry >= maxRetries || delayMs >= watchdog.remainingMs()) {
          throw new GeminiError('upstream_overloaded', 'Gemini is overloaded; retries exhausted', {
            upstreamStatus: failure.upstreamStatus ?? 503,
            retryAfterSeconds: Math.max(1, Math.ceil(delayMs / 1000)),
          });
        }
        log.warn(
          {
            event: 'gemini_retry',
            attempt: retry + 1,
            delayMs,
            upstreamStatus: failure.upstreamStatus,
            upstreamStatusName: failure.upstreamStatusName,
          },
          'Gemini overloaded; retrying',
        );
        await sleep(delayMs, undefined, { signal: watchdog.signal });
      }
    }
  }

  /** Exponential backoff with equal jitter, for failures without RetryInfo. */
  function backoffMs(retry: number): number {
    const ceiling = Math.min(BACKOFF_CAP_MS, backoffBaseMs * 2 ** retry);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  function describe(err: unknown, watchdog: Watchdog): AttemptFailure {
    return describeFailure(err, { aborted: watchdog.callerAborted, timedOut: watchdog.timedOut }, scrub);
  }

  /** The GeminiError to throw for `err`, logged once as an event (aborts are the caller's business). */
  function fail(
    err: unknown,
    watchdog: Watchdog,
    log: GeminiEventLog,
    phase: 'request' | 'stream',
  ): GeminiError {
    const failure = describe(err, watchdog);
    const error =
      err instanceof GeminiError
        ? err
        : new GeminiError(failure.code, failure.message, {
            ...(failure.upstreamStatus !== undefined ? { upstreamStatus: failure.upstreamStatus } : {}),
          });
    if (error.code === 'aborted') return error;
    const event = {
      event: error.code === 'upstream_rejected' ? 'gemini_rejected' : 'gemini_failed',
      code: error.code,
      phase,
      upstreamStatus: error.upstreamStatus,
      upstreamStatusName: failure.upstreamStatusName,
      reason: failure.reason,
      detail: failure.message,
    };
    // A rejection means the deployment is misconfigured (key, API, model): an operator has to act.
    if (error.code === 'upstream_rejected') log.error(event, 'Gemini rejected the request');
    else log.warn(event, 'Gemini call failed');
    return error;
  }

  async function generate(request: GeminiRequest): Promise<GeminiAnswer> {
    const log = request.log ?? options.log;
    const watchdog = startWatchdog(timeoutMs, request.signal);
    try {
      const response = await withRetries(
        () => ai.models.generateContent(parameters(request, watchdog.signal)),
        watchdog,
        log,
      );
      const chunk = readChunk(response);
      return settleAnswer(
        chunk.text,
        chunk.noCandidate ?? chunk.finishReason ?? NO_FINISH_REASON,
        chunk.usage ?? NO_USAGE,
        chunk.model ?? model,
      );
    } catch (err) {
      throw fail(err, watchdog, log, 'request');
    } finally {
      watchdog.dispose();
    }
  }

  async function generateStream(request: GeminiRequest): Promise<AsyncIterable<GeminiStreamEvent>> {
    const log = request.log ?? options.log;
    const watchdog = startWatchdog(timeoutMs, request.signal);
    let opened: { chunks: AsyncIterator<unknown>; first: IteratorResult<unknown> };
    try {
      opened = await withRetries(
        async () => {
          const stream = await ai.models.generateContentStream(parameters(request, watchdog.signal));
          const chunks = stream[Symbol.asyncIterator]();
          return { chunks, first: await chunks.next() };
        },
        watchdog,
        log,
      );
    } catch (err) {
      watchdog.dispose();
      throw fail(err, watchdog, log, 'request');
    }
    watchdog.rearm();
    return streamEvents(opened.chunks, opened.first, watchdog, log);
  }

  async function* streamEvents(
    chunks: AsyncIterator<unknown>,
    first: IteratorResult<unknown>,
    watchdog: Watchdog,
    log: GeminiEventLog,
  ): AsyncGenerator<GeminiStreamEvent> {
    let text = '';
    let finished = false;
    let finishReason: string | undefined;
    let usage = NO_USAGE;
    let answeredBy = model;
    try {
      for (let next = first; !next.done; next = await chunks.next()) {
        watchdog.rearm();
        const chunk = readChunk(next.value);
        if (chunk.usage) usage = chunk.usage;
        if (chunk.model) answeredBy = chunk.model;
        finishReason = chunk.noCandidate ?? chunk.finishReason ?? finishReason;
        if (chunk.text) {
          text += chunk.text;
          yield { type: 'delta', text: chunk.text };
        }
      }
      finished = true;
      yield { type: 'done', ...settleAnswer(text, finishReason ?? NO_FINISH_REASON, usage, answeredBy) };
    } catch (err) {
      throw fail(err, watchdog, log, 'stream');
    } finally {
      // A consumer that stops reading early (its client went away) leaves the upstream body unread.
      if (!finished) watchdog.abandon();
      watchdog.dispose();
    }
  }

  return { model, generate, generateStream };
}
