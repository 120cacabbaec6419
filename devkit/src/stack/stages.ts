import type { FieldPath, StackIssue } from './errors.ts';
import { StackError } from './errors.ts';
import type { StackSource } from './source.ts';

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Maps and only maps merge; an override's list or scalar replaces the base value whole. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const merged: PlainObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = key in base ? deepMerge(base[key], value) : value;
  }
  return merged;
}

export interface StagedConfig {
  /** The base config with the stage's overrides merged in, `stages` removed. */
  data: PlainObject;
  /** Line of a field of the merged config: the stage override's line when the override set it. */
  lineOf(path: FieldPath): number | undefined;
}

/** Picks `stages.<stage>` and merges it over the rest of the file. */
export function applyStage(source: StackSource, stage: string): StagedConfig {
  const issue = (field: string, message: string, line?: number): StackError =>
    new StackError([{ file: source.file, line, field, message } satisfies StackIssue]);
  if (!isPlainObject(source.data)) throw issue('', 'the stack file must be a YAML mapping', 1);
  const { stages = {}, ...base } = source.data;
  if (!isPlainObject(stages)) {
    throw issue('stages', 'must be a mapping of stage name to overrides', source.lineOf(['stages'])?.line);
  }
  if (!(stage in stages)) {
    const declared = Object.keys(stages);
    throw issue(
      '',
      `stage '${stage}' is not declared under stages (declared: ${declared.length ? declared.join(', ') : 'none'})`,
      source.lineOf(['stages'])?.line,
    );
  }
  const override = stages[stage] ?? {};
  if (!isPlainObject(override)) {
    throw issue(`stages.${stage}`, 'must be a mapping of overrides', source.lineOf(['stages', stage])?.line);
  }
  return {
    data: deepMerge(base, override) as PlainObject,
    lineOf(path) {
      const fromStage = source.lineOf(['stages', stage, ...path]);
      const fromBase = source.lineOf(path);
      // The deeper match is the more precise place; on a tie the override is where the value came from.
      if (fromStage && fromStage.depth - 2 >= (fromBase?.depth ?? 0)) return fromStage.line;
      return fromBase?.line;
    },
  };
}
