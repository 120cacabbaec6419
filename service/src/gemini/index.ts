/**
 * The service's Gemini client (`@iscoolgpt/service/gemini`).
 *
 *   const gemini = createGeminiClient({ apiKey, model, baseUrl, timeoutMs, maxRetries, log });
 *   const answer = await gemini.generate({ systemInstruction, history, prompt, signal });
 *   for await (const event of await gemini.generateStream(request)) ...  // delta..., done
 *
 * Answers: text assembled from the first candidate's text parts, in order, skipping thought parts;
 * non-text parts (function calls, executable code, code results, inline data) are ignored, since
 * the service enables no tools. Blocked or withheld answers resolve (never reject) with a fixed
 * text and `withheld: true`. Failures reject with a GeminiError whose `code` is stable.
 * The full outcome table is in service/README.md ("Gemini outcomes").
 */
export { createGeminiClient, GOOGLE_BASE_URL } from './client.ts';
export { GeminiError, type GeminiErrorCode } from './errors.ts';
export { NO_ANSWER_TEXT, REFUSAL_TEXT } from './response.ts';
export type {
  GeminiAnswer,
  GeminiClient,
  GeminiClientOptions,
  GeminiEventLog,
  GeminiRequest,
  GeminiStreamEvent,
  GeminiUsage,
  Turn,
} from './types.ts';
