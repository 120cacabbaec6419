import type { GeminiRequest } from '../gemini/index.ts';
import type { ChatInput } from './input.ts';

const LEVEL_GUIDANCE: Record<NonNullable<ChatInput['level']>, string> = {
  beginner: 'The student is a beginner: use plain words, define every term, and prefer concrete examples.',
  intermediate: 'The student has the basics: build on them, name the key ideas, and show one worked example.',
  advanced: 'The student is advanced: be precise and concise, and point out subtleties and edge cases.',
};

const BASE_INSTRUCTION = [
  'You are IsCoolGPT, a patient and encouraging tutor for students.',
  'Explain step by step, from what the student knows to what they asked, and check the reasoning at each step.',
  'When a question is homework-like, explain the method so the student can solve similar problems, not only the result.',
  'Say so when you are unsure; never invent facts, sources or quotations.',
  'Politely refuse requests that could cause harm or that ask you to cheat, and offer a constructive learning alternative.',
  'Use short paragraphs and Markdown lists or code blocks when they help.',
].join('\n');

/** The Gemini request for a chat input: an educational system instruction plus the conversation. */
export function chatRequest(
  input: ChatInput,
): Pick<GeminiRequest, 'systemInstruction' | 'history' | 'prompt'> {
  const lines = [BASE_INSTRUCTION];
  if (input.level) lines.push(LEVEL_GUIDANCE[input.level]);
  // JSON-quoted so the subject reads as data, not as further instructions.
  if (input.subject) lines.push(`The subject of this conversation is ${JSON.stringify(input.subject)}.`);
  return { systemInstruction: lines.join('\n'), history: input.history ?? [], prompt: input.question };
}
