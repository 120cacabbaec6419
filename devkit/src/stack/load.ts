import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { z } from 'zod';
import type { FieldPath, StackIssue } from './errors.ts';
import { fieldName, StackError } from './errors.ts';
import type { StackConfig } from './schema.ts';
import { stackSchema } from './schema.ts';
import { parseStackSource } from './source.ts';
import { applyStage } from './stages.ts';
import { resolveVariables } from './variables.ts';

export const DEFAULT_STACK_FILE = 'stack.yml';

/** A stack file resolved for one stage: what the deploy pipeline works from. */
export interface Stack {
  /** Absolute path of the stack file. */
  file: string;
  stage: string;
  config: StackConfig;
  /** Absolute path of the image build context (relative paths in the file are relative to it). */
  buildContext: string;
}

export interface LoadStackOptions {
  stage: string;
  /** Values for ${env:...}; process.env by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values for ${opt:...} besides the stage (command-line options). */
  options?: Readonly<Record<string, string | undefined>>;
}

export function loadStack(file: string, options: LoadStackOptions): Stack {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw new StackError([{ file, line: undefined, field: '', message: `${reason} (pass --stack FILE)` }]);
  }
  const config = parseStack(text, relative(process.cwd(), path) || file, options);
  return {
    file: path,
    stage: options.stage,
    config,
    buildContext: resolve(dirname(path), config.image.context),
  };
}

/** Text → validated config for one stage; throws StackError naming file, line and field of each problem. */
export function parseStack(text: string, file: string, options: LoadStackOptions): StackConfig {
  const source = parseStackSource(text, file);
  const staged = applyStage(source, options.stage);
  const at = (path: FieldPath, message: string): StackIssue => ({
    file,
    line: staged.lineOf(path),
    field: fieldName(path),
    message,
  });
  const { data, problems } = resolveVariables(staged.data, {
    env: options.env ?? process.env,
    options: { ...options.options, stage: options.stage },
  });
  if (problems.length > 0) throw new StackError(problems.map((p) => at(p.path, p.message)));
  const parsed = stackSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    throw new StackError(
      parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => at([...issue.path, key] as FieldPath, 'unknown field'))
          : [at(issue.path as FieldPath, describeIssue(issue))],
      ),
    );
  }
  return parsed.data;
}

/** Zod's wording is generic ("Invalid input"); say what the field must be instead. */
function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `must have ${issue.exact ? 'exactly' : 'at least'} ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`
        : issue.origin === 'string'
          ? 'must not be empty'
          : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must have ${issue.exact ? 'exactly' : 'at most'} ${issue.maximum} items`
        : `must be at most ${issue.maximum}`;
    case 'invalid_union':
      return 'must be text, a number or a boolean';
    default:
      return issue.message;
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
