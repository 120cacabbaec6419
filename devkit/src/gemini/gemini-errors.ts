/** Error bodies shaped as Gemini sends them: {"error": {"code", "message", "status", "details"}}. */

export interface GeminiErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

export function geminiError(
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): GeminiErrorBody {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** Quota exceeded, with the RetryInfo that tells a client how long to wait (e.g. "15s"). */
export function resourceExhausted(model: string, retryDelay: string): GeminiErrorBody {
  return geminiError(
    429,
    'RESOURCE_EXHAUSTED',
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model },
            quotaValue: '10',
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
    ],
  );
}

export function internalError(): GeminiErrorBody {
  return geminiError(
    500,
    'INTERNAL',
    'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  );
}

export function unavailable(): GeminiErrorBody {
  return geminiError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
}

/** What the replay server answers when nothing recorded fits; the detail says what differed. */
export function noRecording(message: string): GeminiErrorBody {
  return geminiError(404, 'NOT_FOUND', `devkit gemini-mock: ${message}`);
}
