/** One earlier turn of the conversation, oldest first. */
export interface Turn {
  role: 'user' | 'model';
  text: string;
}

/** What to ask Gemini: the conversation so far, ending with the new user prompt. */
export interface GeminiRequest {
  /** Instruction that shapes every answer (persona, style, refusals). */
  systemInstruction?: string;
  /** Earlier turns, oldest first. */
  history?: Turn[];
  /** The new user message. */
  prompt: string;
  /** Aborts the call (e.g. the HTTP client went away); rejects with code `aborted`. */
  signal?: AbortSignal;
  /** Where this call's events (retries, upstream failures) are logged; defaults to the client's log. */
  log?: GeminiEventLog;
}

export interface GeminiUsage {
  promptTokens: number;
  /** Tokens of the answer itself (`candidatesTokenCount`); thinking tokens are not counted. */
  answerTokens: number;
}

/**
 * The outcome of a call that Gemini answered with HTTP 200.
 * `text` is what to show the user: the model's text, or a fixed refusal / no-answer text when
 * Gemini withheld the answer (`withheld: true`, see README "Gemini outcomes").
 */
export interface GeminiAnswer {
  text: string;
  /** Gemini's finishReason, or `PROMPT_BLOCKED` / `NO_CANDIDATES` when no candidate came back. */
  finishReason: string;
  withheld: boolean;
  usage: GeminiUsage;
  /** The model that answered (`modelVersion`), else the configured model. */
  model: string;
}

/** A streamed answer: `delta` events in order, then exactly one `done` (whose text is the whole answer). */
export type GeminiStreamEvent = { type: 'delta'; text: string } | ({ type: 'done' } & GeminiAnswer);

/** The subset of a pino logger the client writes its events to. */
export interface GeminiEventLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface GeminiClientOptions {
  apiKey: string;
  model: string;
  /** Gemini API origin; undefined means Google's (https://generativelanguage.googleapis.com). */
  baseUrl?: string;
  /**
   * Budget of one call: for `generate`, the whole call including retries and backoff; for
   * `generateStream`, until the first chunk, then the longest allowed gap between chunks.
   */
  timeoutMs: number;
  /** Retries after the first attempt, for 429 and 503 only. */
  maxRetries: number;
  /** Base of the exponential backoff used when Gemini gives no RetryInfo; defaults to 250 ms. */
  backoffBaseMs?: number;
  log: GeminiEventLog;
}

export interface GeminiClient {
  readonly model: string;
  /** One answer. Rejects with a GeminiError. */
  generate(request: GeminiRequest): Promise<GeminiAnswer>;
  /**
   * Resolves once Gemini has sent its first chunk (so failures before any output, retries included,
   * reject here with a GeminiError and can still become a plain HTTP error); the returned stream
   * then yields the events and throws a GeminiError if the upstream fails mid-stream.
   */
  generateStream(request: GeminiRequest): Promise<AsyncIterable<GeminiStreamEvent>>;
}
