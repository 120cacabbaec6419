import { z } from 'zod';
import { GeminiError } from './errors.ts';
import type { GeminiAnswer, GeminiUsage } from './types.ts';

/**
 * The part of a GenerateContentResponse (unary body or one SSE chunk) the service reads. Unknown
 * fields (grounding, citations, safety ratings, thought signatures, ...) are ignored; a wrong type in
 * a field read here makes the body malformed.
 */
const responseSchema = z.object({
  candidates: z
    .array(
      z.object({
        content: z
          .object({
            parts: z
              .array(z.object({ text: z.string().optional(), thought: z.boolean().optional() }))
              .optional(),
          })
          .optional(),
        finishReason: z.string().optional(),
      }),
    )
    .optional(),
  promptFeedback: z.object({ blockReason: z.string().optional() }).optional(),
  usageMetadata: z
    .object({ promptTokenCount: z.number().optional(), candidatesTokenCount: z.number().optional() })
    .optional(),
  modelVersion: z.string().optional(),
});

export interface Chunk {
  /** Text of the first candidate's parts: thoughts and non-text parts skipped. */
  text: string;
  finishReason?: string;
  /** No candidate at all: the prompt was blocked (promptFeedback) or nothing came back. */
  noCandidate?: 'PROMPT_BLOCKED' | 'NO_CANDIDATES';
  usage?: GeminiUsage;
  model?: string;
}

export function readChunk(body: unknown): Chunk {
  const parsed = responseSchema.safeParse(body);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'body';
    throw new GeminiError('upstream_bad_response', `malformed Gemini response at ${where}`);
  }
  const { candidates, promptFeedback, usageMetadata, modelVersion } = parsed.data;
  const candidate = candidates?.[0];
  const chunk: Chunk = {
    text: (candidate?.content?.parts ?? [])
      .filter((part) => part.thought !== true && part.text !== undefined)
      .map((part) => part.text)
      .join(''),
  };
  if (candidate?.finishReason !== undefined) chunk.finishReason = candidate.finishReason;
  if (!candidate) chunk.noCandidate = promptFeedback ? 'PROMPT_BLOCKED' : 'NO_CANDIDATES';
  if (usageMetadata) {
    chunk.usage = {
      promptTokens: usageMetadata.promptTokenCount ?? 0,
      answerTokens: usageMetadata.candidatesTokenCount ?? 0,
    };
  }
  if (modelVersion !== undefined) chunk.model = modelVersion;
  return chunk;
}

/** Finish reasons that mean "Gemini will not say this": answered with the refusal text. */
const REFUSED = new Set([
  'PROMPT_BLOCKED',
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

export const REFUSAL_TEXT =
  "I can't help with that request. If it is part of your studies, try asking about the topic in a different way and I'll gladly help you learn.";
export const NO_ANSWER_TEXT = "I couldn't produce an answer to that question. Please try rephrasing it.";

/**
 * The answer to show for an assembled text and finish reason. Text that is not refused is the
 * answer, whatever the finish reason (or its absence: Gemini sends text without one, e.g. in every
 * chunk of a stream but the last), as the SDK's own `response.text` reads a reply. Partial text of a
 * refused answer is dropped (it may be the very content that was blocked); an answer with no text
 * gets the no-answer text, so `text` is never empty.
 */
export function settleAnswer(
  text: string,
  finishReason: string,
  usage: GeminiUsage,
  model: string,
): GeminiAnswer {
  if (REFUSED.has(finishReason)) {
    return { text: REFUSAL_TEXT, finishReason, withheld: true, usage, model };
  }
  if (text.length > 0) return { text, finishReason, withheld: false, usage, model };
  return { text: NO_ANSWER_TEXT, finishReason, withheld: true, usage, model };
}

/** What a reply without a finish reason reports as its finishReason (the enum's zero value). */
export const NO_FINISH_REASON = 'FINISH_REASON_UNSPECIFIED';

export const NO_USAGE: GeminiUsage = { promptTokens: 0, answerTokens: 0 };
