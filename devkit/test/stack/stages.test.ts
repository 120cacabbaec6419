import { describe, expect, it } from 'vitest';
import { StackError } from '../../src/stack/errors.ts';
import { parseStack } from '../../src/stack/load.ts';
import { deepMerge } from '../../src/stack/stages.ts';
import { MINIMAL } from './fixture.ts';

describe('stages', () => {
  it('merges maps deeply and replaces lists and values', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });

  it('applies the chosen stage’s overrides over the base', () => {
    expect(parseStack(MINIMAL, 'stack.yml', { stage: 'prod', env: {} }).service.desiredCount).toBe(3);
    expect(parseStack(MINIMAL, 'stack.yml', { stage: 'staging', env: {} }).service.desiredCount).toBe(1);
  });

  it('refuses a stage the file does not declare', () => {
    expect(() => parseStack(MINIMAL, 'stack.yml', { stage: 'qa', env: {} })).toThrow(
      "stack.yml:19: stage 'qa' is not declared under stages (declared: dev, staging, prod)",
    );
  });

  it('reports a bad override at the override’s line, not the base’s', () => {
    const text = MINIMAL.replace('  dev: {}', '  dev:\n    task:\n      cpu: 3');
    expect(() => parseStack(text, 'stack.yml', { stage: 'dev', env: {} })).toThrow(
      'stack.yml:22: task.cpu: must be one of 256, 512, 1024, 2048, 4096, 8192, 16384',
    );
  });

  it('rejects unknown fields inside a stage', () => {
    const text = MINIMAL.replace('  dev: {}', '  dev:\n    servce:\n      desiredCount: 2');
    let error: unknown;
    try {
      parseStack(text, 'stack.yml', { stage: 'dev', env: {} });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StackError);
    expect((error as StackError).issues).toEqual([
      { file: 'stack.yml', line: 21, field: 'servce', message: 'unknown field' },
    ]);
  });
});
