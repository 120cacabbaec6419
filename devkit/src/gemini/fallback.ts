/**
 * Fallback answers for local development: any question gets a deterministic templated reply
 * (same question, same bytes), so the local cloud works before anything is recorded.
 */
import { createHash } from 'node:crypto';

const WORDS_PER_EVENT = 6;

/** The user's text: every text part of the request's contents, in order. */
export function questionText(body: unknown): string {
  const contents = (body as { contents?: unknown } | null)?.contents;
  if (!Array.isArray(contents)) return '';
  return contents
    .flatMap((content: { parts?: unknown }) => (Array.isArray(content?.parts) ? content.parts : []))
    .map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n');
}

export function fallbackAnswer(question: string): string {
  const quoted = question.length > 200 ? `${question.slice(0, 200)}…` : question;
  return (
    `This is a stand-in answer from the devkit's Gemini replay server (fallback mode), not from a model. ` +
    `You asked: "${quoted}". With recorded cassettes or a real Gemini API key you would get a real answer here.`
  );
}

/** A rough token count (about four characters a token), stable for the same text. */
export function tokenCount(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function fallbackGenerateContent(model: string, body: unknown): object {
  const question = questionText(body);
  const answer = fallbackAnswer(question);
  return {
    candidates: [{ content: { parts: [{ text: answer }], role: 'model' }, finishReason: 'STOP', index: 0 }],
    usageMetadata: usage(question, answer),
    modelVersion: model,
    responseId: responseId(question),
  };
}

/** The same answer as `fallbackGenerateContent`, cut into a few events; the last holds finishReason. */
export function fallbackStream(model: string, body: unknown): object[] {
  const question = questionText(body);
  const answer = fallbackAnswer(question);
  const words = answer.split(/(?<= )/);
  const chunks: object[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_EVENT) {
    const last = i + WORDS_PER_EVENT >= words.length;
    chunks.push({
      candidates: [
        {
          content: { parts: [{ text: words.slice(i, i + WORDS_PER_EVENT).join('') }], role: 'model' },
          ...(last ? { finishReason: 'STOP' } : {}),
          index: 0,
        },
      ],
      usageMetadata: last ? usage(question, answer) : { promptTokenCount: tokenCount(question) },
      modelVersion: model,
      responseId: responseId(question),
    });
  }
  return chunks;
}

export function fallbackCountTokens(body: unknown): object {
  // countTokens takes the same contents, or a whole generateContentRequest.
  const request = (body as { generateContentRequest?: unknown } | null)?.generateContentRequest ?? body;
  const totalTokens = tokenCount(questionText(request));
  return { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] };
}

function usage(question: string, answer: string): object {
  const promptTokenCount = tokenCount(question);
  const candidatesTokenCount = tokenCount(answer);
  return { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount };
}

function responseId(question: string): string {
  return createHash('sha256').update(question).digest('base64url').slice(0, 22);
}
