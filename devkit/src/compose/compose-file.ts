/**
 * compose.yaml as the devkit reads it without a compose CLI: parsed, then interpolated by the Compose
 * Specification's rules (the same result `docker compose config` works from). The devkit starts the
 * containers compose.yaml defines through dockerode (e.g. `devkit up --target localstack`).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export class InterpolationError extends Error {}

/**
 * Compose's interpolation of one string: `$$` is a literal `$`; `$VAR`, `${VAR}`; `${VAR:-default}`
 * / `${VAR-default}`; `${VAR:?error}` / `${VAR?error}`; `${VAR:+alt}` / `${VAR+alt}`. The `:` forms
 * treat an empty value as unset. Nested expressions in defaults are resolved too.
 */
export function interpolate(text: string, env: Record<string, string | undefined>, where = ''): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new InterpolationError(`${where}: unterminated \${ in '${text}'`);
      out += substitute(text.slice(i + 2, end), env, where);
      i = end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (!name)
        throw new InterpolationError(`${where}: '$' must be followed by a name, '{' or '$' in '${text}'`);
      out += env[name] ?? '';
      i += 1 + name.length;
    }
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

function substitute(expression: string, env: Record<string, string | undefined>, where: string): string {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([\s\S]*))?$/.exec(expression);
  if (!match) throw new InterpolationError(`${where}: invalid interpolation '\${${expression}}'`);
  const [, name = '', colon, operator, rest = ''] = match;
  const value = env[name];
  const unset = colon ? value === undefined || value === '' : value === undefined;
  switch (operator) {
    case undefined:
      return value ?? '';
    case '-':
      return unset ? interpolate(rest, env, where) : (value ?? '');
    case '+':
      return unset ? '' : interpolate(rest, env, where);
    default:
      if (unset)
        throw new InterpolationError(`${where}: required variable ${name} is missing a value: ${rest}`);
      return value ?? '';
  }
}

/** Interpolates every string value (not keys) of a parsed compose file, as Compose does. */
export function interpolateModel(
  value: unknown,
  env: Record<string, string | undefined>,
  path = '',
): unknown {
  if (typeof value === 'string') return interpolate(value, env, path || '/');
  if (Array.isArray(value)) return value.map((item, i) => interpolateModel(item, env, `${path}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateModel(item, env, `${path}/${key}`)]),
    );
  }
  return value;
}

/** Reads and interpolates a compose file (no schema validation: that is npm test's job). */
export function readComposeFile(path: string, env: Record<string, string | undefined>): ComposeModel {
  return interpolateModel(parse(readFileSync(path, 'utf8')), env) as ComposeModel;
}

export interface ComposeService {
  build?: { context: string; dockerfile?: string; args?: string[] | Record<string, string> };
  image?: string;
  command?: string[];
  profiles?: string[];
  environment?: string[] | Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

export interface ComposeModel {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}
