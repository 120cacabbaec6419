import type { FieldPath } from './errors.ts';
import { isPlainObject } from './stages.ts';

/**
 * Serverless-style variables in string values:
 *   ${env:NAME}            environment variable (error when unset)
 *   ${env:NAME, default}   ... or the default
 *   ${opt:stage}           a command-line option (stage always; others as the CLI passes them)
 *   ${self:task.port}      another field of the merged config
 * A value that is exactly one `${self:...}` takes the referenced value's type (`${self:task.port}` is a
 * number); env and opt values are text (the schema reads numeric text in numeric fields). Within
 * longer strings, values are spliced in as text.
 */
export interface VariableContext {
  env: Readonly<Record<string, string | undefined>>;
  options: Readonly<Record<string, string | undefined>>;
}

export interface VariableProblem {
  path: FieldPath;
  message: string;
}

const VARIABLE = /\$\{([^{}]*)\}/g;
const SOURCES = ['env', 'opt', 'self'];

export function resolveVariables(
  data: Record<string, unknown>,
  context: VariableContext,
): { data: Record<string, unknown>; problems: VariableProblem[] } {
  const problems: VariableProblem[] = [];
  const resolving: string[] = [];

  const lookupSelf = (reference: string, from: FieldPath): unknown => {
    let value: unknown = data;
    const path = reference.split('.');
    for (const segment of path) {
      if (isPlainObject(value) && segment in value) value = value[segment];
      else if (Array.isArray(value) && /^\d+$/.test(segment) && Number(segment) < value.length) {
        value = value[Number(segment)];
      } else {
        throw new Error(`\${self:${reference}}: no field '${reference}' in the stack`);
      }
    }
    if (resolving.includes(reference)) {
      throw new Error(`\${self:${reference}}: circular reference (${[...resolving, reference].join(' → ')})`);
    }
    resolving.push(reference);
    try {
      return resolveValue(value, from);
    } finally {
      resolving.pop();
    }
  };

  const resolveOne = (expression: string, from: FieldPath): unknown => {
    const colon = expression.indexOf(':');
    const source = colon < 0 ? expression.trim() : expression.slice(0, colon).trim();
    if (!SOURCES.includes(source)) {
      throw new Error(`\${${expression}}: unknown variable source '${source}' (use env, opt or self)`);
    }
    const rest = expression.slice(colon + 1);
    const comma = rest.indexOf(',');
    const name = (comma < 0 ? rest : rest.slice(0, comma)).trim();
    const fallback = comma < 0 ? undefined : unquote(rest.slice(comma + 1).trim());
    if (source === 'self') return lookupSelf(name, from);
    const value = source === 'env' ? context.env[name] : context.options[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new Error(
      source === 'env'
        ? `environment variable ${name} is not set: set it, or give a default as \${env:${name}, value}`
        : `option '${name}' is not set: pass --${name}, or give a default as \${opt:${name}, value}`,
    );
  };

  const resolveString = (text: string, from: FieldPath): unknown => {
    const whole = /^\$\{([^{}]*)\}$/.exec(text);
    if (whole) return resolveOne(whole[1] ?? '', from);
    return text.replace(VARIABLE, (_match, expression: string) => {
      const value = resolveOne(expression, from);
      if (typeof value === 'object' && value !== null) {
        throw new Error(`\${${expression}}: is a ${Array.isArray(value) ? 'list' : 'mapping'}, not text`);
      }
      return String(value);
    });
  };

  function resolveValue(value: unknown, path: FieldPath): unknown {
    if (typeof value === 'string') return resolveString(value, path);
    if (Array.isArray(value)) return value.map((item, index) => resolveAt(item, [...path, index]));
    if (isPlainObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, resolveAt(item, [...path, key])]),
      );
    }
    return value;
  }

  // Records a problem where the variable is written and leaves the value as is, so every problem in
  // the file is reported at once.
  function resolveAt(value: unknown, path: FieldPath): unknown {
    if (typeof value !== 'string') return resolveValue(value, path);
    try {
      return resolveValue(value, path);
    } catch (error) {
      if (resolving.length > 0) throw error;
      problems.push({ path, message: (error as Error).message });
      return value;
    }
  }

  const resolved = resolveValue(data, []) as Record<string, unknown>;
  return { data: resolved, problems };
}

function unquote(text: string): string {
  const quoted = /^(['"])(.*)\1$/.exec(text);
  return quoted ? (quoted[2] ?? '') : text;
}
