import { describe, expect, it } from 'vitest';
import { parseStack } from '../../src/stack/load.ts';
import { resolveVariables } from '../../src/stack/variables.ts';
import { MINIMAL } from './fixture.ts';

const resolve = (
  data: Record<string, unknown>,
  env: Record<string, string> = {},
  options = { stage: 'dev' },
) => resolveVariables(data, { env, options });

describe('variables', () => {
  it('reads env, with defaults, and options', () => {
    const { data, problems } = resolve(
      {
        a: '${env:HOME_DIR}',
        b: '${env:MISSING, fallback}',
        c: 'x-${opt:stage}-y',
        d: "${env:NOPE, 'a, b'}",
      },
      { HOME_DIR: '/home/x' },
    );
    expect(problems).toEqual([]);
    expect(data).toEqual({ a: '/home/x', b: 'fallback', c: 'x-dev-y', d: 'a, b' });
  });

  it('keeps the type of a whole-value self reference and splices it into text', () => {
    const { data } = resolve({
      task: { port: 8080 },
      p: '${self:task.port}',
      url: 'http://h:${self:task.port}/',
    });
    expect(data).toEqual({ task: { port: 8080 }, p: 8080, url: 'http://h:8080/' });
  });

  it('follows self references through other variables and into lists', () => {
    const { data } = resolve({ list: ['${opt:stage}'], a: '${self:list.0}', b: '${self:a}' });
    expect(data).toMatchObject({ a: 'dev', b: 'dev' });
  });

  it('reports unset variables, unknown sources, missing fields and cycles with their paths', () => {
    const { problems } = resolve({
      a: { b: '${env:UNSET}' },
      c: '${opt:gemini-base-url}',
      d: '${ssm:/x}',
      e: '${self:nowhere}',
      f: '${self:g}',
      g: '${self:f}',
    });
    expect(problems).toEqual([
      {
        path: ['a', 'b'],
        message: 'environment variable UNSET is not set: set it, or give a default as ${env:UNSET, value}',
      },
      {
        path: ['c'],
        message:
          "option 'gemini-base-url' is not set: pass --gemini-base-url, or give a default as ${opt:gemini-base-url, value}",
      },
      { path: ['d'], message: "${ssm:/x}: unknown variable source 'ssm' (use env, opt or self)" },
      { path: ['e'], message: "${self:nowhere}: no field 'nowhere' in the stack" },
      { path: ['f'], message: '${self:g}: circular reference (g → f → g)' },
      { path: ['g'], message: '${self:f}: circular reference (f → g → f)' },
    ]);
  });

  it('lets numeric fields come from the environment and reports the line of an unset one', () => {
    const text = MINIMAL.replace('cpu: 1024', 'cpu: ${env:CPU}').replace(
      'memory: 3072',
      'memory: ${env:MEM, 2048}',
    );
    expect(parseStack(text, 'stack.yml', { stage: 'dev', env: { CPU: '512' } }).task).toMatchObject({
      cpu: 512,
      memory: 2048,
    });
    expect(() => parseStack(text, 'stack.yml', { stage: 'dev', env: {} })).toThrow(
      'stack.yml:6: task.cpu: environment variable CPU is not set: set it, or give a default as ${env:CPU, value}',
    );
  });
});
