import { z } from 'zod';
import { HttpError } from '../http/errors.ts';

export const LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export const MAX_QUESTION_CHARS = 4000;
export const MAX_HISTORY_TURNS = 20;

const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, { error: `must be 1 to ${max} characters` })
    .max(max, { error: `must be 1 to ${max} characters` })
    .refine((value) => value.trim().length > 0, { error: 'must not be blank' });

const chatInputSchema = z.strictObject(
  {
    question: text(MAX_QUESTION_CHARS),
    subject: text(100).optional(),
    level: z.enum(LEVELS, { error: `must be one of ${LEVELS.join(', ')}` }).optional(),
    history: z
      .array(
        z.strictObject(
          {
            role: z.enum(['user', 'model'], { error: 'must be "user" or "model"' }),
            text: text(MAX_QUESTION_CHARS),
          },
          { error: 'must be an object {role, text}' },
        ),
        { error: 'must be an array of {role, text} turns' },
      )
      .max(MAX_HISTORY_TURNS, { error: `must have at most ${MAX_HISTORY_TURNS} turns` })
      .optional(),
  },
  { error: 'must be a JSON object' },
);

export type ChatInput = z.infer<typeof chatInputSchema>;

/** Validates a chat body; the first problem becomes a 400 naming its field (e.g. `history[2].role`). */
export function parseChatInput(body: unknown): ChatInput {
  const result = chatInputSchema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new HttpError(400, 'invalid_body', 'The body is invalid.', { field: 'body' });
  const path = fieldPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const field = fieldPath([...issue.path, issue.keys[0] ?? '']);
    throw new HttpError(400, 'unknown_field', `${field} is not a known field.`, { field });
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    throw new HttpError(400, 'missing_field', `${path} is required.`, { field: path });
  }
  const field = path || 'body';
  throw new HttpError(400, 'invalid_field', `${field} ${issue.message}.`, { field });
}

/** ['history', 2, 'role'] → 'history[2].role' */
function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) =>
      typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`,
    )
    .join('');
}
