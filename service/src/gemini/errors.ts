import { ApiError } from '@google/genai';

/**
 * Stable codes of failed Gemini calls. The HTTP layer maps each to a status (README "Gemini outcomes");
 * contract tests assert on them, so they only ever grow.
 */
export type GeminiErrorCode =
  | 'upstream_overloaded' // 429 / 503 after the bounded retries, or a RetryInfo delay beyond the budget
  | 'upstream_rejected' // 4xx other than 429: bad key, API disabled, unknown model, invalid argument
  | 'upstream_error' // 5xx other than 503, or an error event inside an SSE stream
  | 'upstream_unreachable' // no HTTP answer: DNS, refused or reset connection
  | 'upstream_timeout' // the call's time budget ran out
  | 'upstream_bad_response' // a body that is not a GenerateContentResponse, or a stream cut short
  | 'aborted'; // the caller aborted (its client went away)

export class GeminiError extends Error {
  override readonly name = 'GeminiError';
  readonly code: GeminiErrorCode;
  /** Gemini's HTTP status (or the status inside an SSE error event), when it sent one. */
  readonly upstreamStatus: number | undefined;
  /** For `upstream_overloaded`: how long the client should wait, from RetryInfo or the backoff. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: GeminiErrorCode,
    message: string,
    extra: { upstreamStatus?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.code = code;
    this.upstreamStatus = extra.upstreamStatus;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

/** What one failed attempt tells us; `message` is already scrubbed of the API key. */
export interface AttemptFailure {
  code: GeminiErrorCode;
  message: string;
  upstreamStatus?: number;
  /** Gemini's status name (RESOURCE_EXHAUSTED, PERMISSION_DENIED, ...). */
  upstreamStatusName?: string;
  /** ErrorInfo.reason (API_KEY_INVALID, SERVICE_DISABLED, ...). */
  reason?: string;
  /** RetryInfo.retryDelay, in milliseconds. */
  retryDelayMs?: number;
}

const RETRYABLE_STATUSES = new Set([429, 503]);

export function isRetryable(failure: AttemptFailure): boolean {
  return failure.upstreamStatus !== undefined && RETRYABLE_STATUSES.has(failure.upstreamStatus);
}

/**
 * Classifies whatever a call threw. `how` says which of our own signals fired, because an abort
 * surfaces from fetch as the same AbortError whoever caused it.
 */
export function describeFailure(
  err: unknown,
  how: { aborted: boolean; timedOut: boolean },
  scrub: (text: string) => string,
): AttemptFailure {
  if (err instanceof GeminiError) return { code: err.code, message: err.message };
  if (how.aborted) return { code: 'aborted', message: 'the caller aborted the call' };
  if (how.timedOut) return { code: 'upstream_timeout', message: 'Gemini did not answer in time' };
  if (err instanceof ApiError) return describeApiError(err, scrub);
  if (isNetworkError(err)) {
    return { code: 'upstream_unreachable', message: scrub(`could not reach Gemini: ${networkCause(err)}`) };
  }
  // Anything else the SDK throws comes from reading the body: invalid JSON, a truncated SSE event,
  // a shape its converters choke on.
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: 'upstream_bad_response',
    message: scrub(`unreadable Gemini response: ${message}`.slice(0, 300)),
  };
}

function describeApiError(err: ApiError, scrub: (text: string) => string): AttemptFailure {
  const body = parseErrorBody(err.message);
  const status = typeof body.code === 'number' ? body.code : err.status;
  const code: GeminiErrorCode =
    status === 429 || status === 503
      ? 'upstream_overloaded'
      : status < 500
        ? 'upstream_rejected'
        : 'upstream_error';
  const failure: AttemptFailure = {
    code,
    message: scrub(typeof body.message === 'string' ? body.message : `Gemini answered HTTP ${status}`),
    upstreamStatus: status,
  };
  if (typeof body.status === 'string') failure.upstreamStatusName = body.status;
  for (const detail of Array.isArray(body.details) ? body.details : []) {
    if (!isRecord(detail) || typeof detail['@type'] !== 'string') continue;
    if (detail['@type'].endsWith('google.rpc.ErrorInfo') && typeof detail.reason === 'string') {
      failure.reason = detail.reason;
    }
    if (detail['@type'].endsWith('google.rpc.RetryInfo')) {
      const delay = parseDuration(detail.retryDelay);
      if (delay !== undefined) failure.retryDelayMs = delay;
    }
  }
  return failure;
}

/**
 * The SDK puts the upstream error body in ApiError.message as JSON, prefixed with
 * "got status: ... " when it came as an SSE event. Details (DebugInfo) can echo the API key, so
 * only the fields read here ever leave this module, and scrubbed.
 */
function parseErrorBody(message: string): Record<string, unknown> {
  const start = message.indexOf('{');
  if (start === -1) return {};
  try {
    const parsed: unknown = JSON.parse(message.slice(start));
    return isRecord(parsed) && isRecord(parsed.error) ? parsed.error : {};
  } catch {
    return {};
  }
}

/** google.protobuf.Duration in its JSON form ("15s", "0.250s") or as {seconds, nanos}. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)s$/.exec(value.trim());
    return match ? Math.round(Number(match[1]) * 1000) : undefined;
  }
  if (isRecord(value)) {
    const seconds = Number(value.seconds ?? 0);
    const nanos = Number(value.nanos ?? 0);
    if (Number.isFinite(seconds) && Number.isFinite(nanos)) return Math.round(seconds * 1000 + nanos / 1e6);
  }
  return undefined;
}

function isNetworkError(err: unknown): err is TypeError {
  // undici: "fetch failed" before a response, "terminated" when the body is cut.
  return err instanceof TypeError && (err.message === 'fetch failed' || err.message === 'terminated');
}

function networkCause(err: TypeError): string {
  const cause: unknown = err.cause;
  if (isRecord(cause) && typeof cause.code === 'string') return cause.code;
  return cause instanceof Error ? cause.message : err.message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
