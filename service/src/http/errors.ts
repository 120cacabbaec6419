import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { GeminiError, type GeminiErrorCode } from '../gemini/index.ts';

/** The body of every error response: `{error: {code, message, field?}}`. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** An error the API answers with as it is: status, stable code, message, and for input errors the field. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { field?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = extra.field;
    this.headers = extra.headers ?? {};
  }
}

/** How each Gemini failure reaches the client (README "Gemini outcomes"). */
const GEMINI_FAILURES: Record<Exclude<GeminiErrorCode, 'aborted'>, { status: number; message: string }> = {
  upstream_overloaded: {
    status: 503,
    message: 'The AI model is overloaded; retry after the Retry-After delay.',
  },
  upstream_rejected: {
    status: 502,
    message: 'The AI model refused the service’s request; this is a configuration problem.',
  },
  upstream_error: { status: 502, message: 'The AI model failed to answer.' },
  upstream_unreachable: { status: 502, message: 'The AI model could not be reached.' },
  upstream_timeout: { status: 504, message: 'The AI model did not answer in time.' },
  upstream_bad_response: { status: 502, message: 'The AI model sent an answer the service could not read.' },
};

/** The response for a Gemini failure; `aborted` has none (the client is gone) and is not passed here. */
export function httpErrorFromGemini(error: GeminiError): HttpError {
  const failure = GEMINI_FAILURES[error.code === 'aborted' ? 'upstream_error' : error.code];
  const headers: Record<string, string> =
    error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {};
  return new HttpError(failure.status, error.code, failure.message, { headers });
}

export function sendError(res: Response, error: HttpError): void {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.field !== undefined) body.error.field = error.field;
  res.status(error.status).set(error.headers).json(body);
}

/** Errors thrown by express.json(), by their `type`. */
function bodyParserError(err: { type?: unknown; status?: unknown }): HttpError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid_json', 'The body is not valid JSON (an object is expected).', {
        field: 'body',
      });
    case 'entity.too.large':
      return new HttpError(413, 'payload_too_large', 'The body is larger than the service accepts.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported_media_type', 'The body must be UTF-8 JSON.');
    default:
      return typeof err.status === 'number' && err.status >= 400 && err.status < 500
        ? new HttpError(err.status, 'bad_request', 'The request could not be read.')
        : undefined;
  }
}

/**
 * The last middleware: every error becomes a JSON error response. Unexpected errors are logged with
 * their stack and answered with a bare 500: stacks stay server-side.
 */
export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  // The client went away: there is nobody to answer, and the access line already says `aborted`.
  if (req.clientGone.aborted) return;
  const known =
    err instanceof HttpError
      ? err
      : err instanceof GeminiError
        ? httpErrorFromGemini(err)
        : typeof err === 'object' && err !== null
          ? bodyParserError(err)
          : undefined;
  if (!known) req.log.error({ err }, 'unhandled error');
  if (res.headersSent) {
    // Too late for a status: cut the response so the client sees it incomplete, not "successful".
    res.destroy();
    return;
  }
  sendError(res, known ?? new HttpError(500, 'internal_error', 'Something went wrong on our side.'));
};

export const notFound: RequestHandler = (req, res) => {
  sendError(res, new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}.`));
};

/** For a known path asked with a method it does not serve. */
export function methodNotAllowed(...allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req, res) => {
    sendError(
      res,
      new HttpError(405, 'method_not_allowed', `${req.method} is not allowed here; use ${allow}.`, {
        headers: { allow },
      }),
    );
  };
}
