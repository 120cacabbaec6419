/**
 * Writes src/cloud/protocol/aws-constraints.json: the constraints (lengths, patterns, enums, value
 * ranges, integer widths) AWS's own service models put on the input of every operation the local
 * cloud serves, taken from botocore's machine-readable copy of those models (service-2.json, as
 * shipped with the AWS CLI or the botocore package). The runtime reads only the committed JSON.
 *
 *   node devkit/scripts/generate-constraints.ts [botocore-data-dir]
 *
 * Run it again after adding an operation (the gateway refuses to start until the table covers it).
 * Use a botocore as recent as the pinned @aws-sdk clients: older models lack enum values the SDK
 * sends (ECS's MANAGED_INSTANCES is not in the AWS CLI 2.9 that Debian ships). The committed table
 * was made from botocore 1.43.11's data directory (pip's botocore/data); its `source` says so.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ConstraintShape } from '../src/cloud/protocol/constraints.ts';
import { allServices } from '../src/cloud/services/index.ts';
import { jsPattern } from './java-pattern.ts';

const DEFAULT_DIRS = [
  '/usr/lib/python3/dist-packages/awscli/botocore/data',
  '/usr/lib/python3/dist-packages/botocore/data',
];

interface BotocoreShape {
  type: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
}

interface BotocoreModel {
  metadata: { serviceId: string };
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, BotocoreShape>;
}

function readModel(dataDir: string, service: string): BotocoreModel {
  const dir = join(dataDir, service);
  const version = readdirSync(dir).sort().at(-1)!;
  const plain = join(dir, version, 'service-2.json');
  const text = existsSync(plain)
    ? readFileSync(plain, 'utf8')
    : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  return JSON.parse(text) as BotocoreModel;
}

function botocoreVersion(dataDir: string): string {
  const init = join(dataDir, '..', '__init__.py');
  const match = existsSync(init) ? /__version__ = '([^']+)'/.exec(readFileSync(init, 'utf8')) : null;
  return match ? `botocore ${match[1]}` : `botocore at ${dataDir}`;
}

const CONSTRAINED_TYPES = new Set(['integer', 'long']);

function hasOwnConstraint(shape: BotocoreShape): boolean {
  return (
    shape.min !== undefined ||
    shape.max !== undefined ||
    shape.pattern !== undefined ||
    shape.enum !== undefined ||
    CONSTRAINED_TYPES.has(shape.type)
  );
}

function references(shape: BotocoreShape): string[] {
  return [
    ...Object.values(shape.members ?? {}).map((m) => m.shape),
    ...[shape.member, shape.key, shape.value].filter((r) => r !== undefined).map((r) => r.shape),
  ];
}

export function constraintsOf(model: BotocoreModel, operations: string[], skipped: string[]) {
  // A shape matters when it, or any shape it reaches, is constrained (fixed point: models recurse).
  const matters = new Set(Object.keys(model.shapes).filter((n) => hasOwnConstraint(model.shapes[n]!)));
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, shape] of Object.entries(model.shapes)) {
      if (!matters.has(name) && references(shape).some((r) => matters.has(r))) {
        matters.add(name);
        changed = true;
      }
    }
  }
  const shapes: Record<string, ConstraintShape> = {};
  const visit = (name: string): void => {
    if (shapes[name] || !matters.has(name)) return;
    const s = model.shapes[name]!;
    const out: ConstraintShape = { type: s.type };
    shapes[name] = out;
    if (s.min !== undefined) out.min = s.min;
    if (s.max !== undefined) out.max = s.max;
    if (s.enum) out.enum = s.enum;
    if (s.sensitive) out.sensitive = true;
    if (s.pattern !== undefined) {
      out.pattern = s.pattern;
      const regex = jsPattern(s.pattern, s.max);
      if (regex === undefined) skipped.push(`${name}: ${s.pattern}`);
      else out.regex = regex;
    }
    if (s.members) {
      const members = Object.entries(s.members).filter(([, m]) => matters.has(m.shape));
      if (members.length) out.members = Object.fromEntries(members.map(([k, m]) => [k, m.shape]));
    }
    for (const part of ['member', 'key', 'value'] as const) {
      const ref = s[part]?.shape;
      if (ref && matters.has(ref)) out[part] = ref;
    }
    references(s).forEach(visit);
  };
  const inputs: Record<string, string | null> = {};
  for (const operation of operations) {
    const op = model.operations[operation];
    if (!op) throw new Error(`${model.metadata.serviceId}: no operation ${operation} in the model`);
    const input = op.input?.shape;
    inputs[operation] = input && matters.has(input) ? input : null;
    if (input) visit(input);
  }
  return { operations: inputs, shapes };
}

/**
 * Values AWS accepts and documents that a model's enum leaves out: without them the table would
 * refuse valid calls (botocore's ECS SettingName lost dualStackIPv6, which ECS still takes).
 */
const ENUM_ADDITIONS: Record<string, Record<string, string[]>> = { ecs: { SettingName: ['dualStackIPv6'] } };

function withEnumAdditions(model: BotocoreModel, service: string): BotocoreModel {
  for (const [shape, values] of Object.entries(ENUM_ADDITIONS[service] ?? {})) {
    const target = model.shapes[shape];
    if (target?.enum) target.enum = [...new Set([...target.enum, ...values])];
  }
  return model;
}

/** botocore names a few models otherwise than their signing names. */
const MODEL_NAMES: Record<string, string> = { monitoring: 'cloudwatch', elasticloadbalancing: 'elbv2' };

function main(): void {
  const dataDir = process.argv[2] ?? DEFAULT_DIRS.find((d) => existsSync(d));
  if (!dataDir)
    throw new Error(`no botocore data directory; pass one (looked in ${DEFAULT_DIRS.join(', ')})`);
  const skipped: string[] = [];
  const services = Object.fromEntries(
    allServices.map((definition) => [
      definition.signingName,
      constraintsOf(
        withEnumAdditions(
          readModel(dataDir, MODEL_NAMES[definition.signingName] ?? definition.signingName),
          definition.signingName,
        ),
        Object.keys(definition.operations),
        skipped,
      ),
    ]),
  );
  const table = { source: `${botocoreVersion(dataDir)} service models (service-2.json)`, services };
  const out = new URL('../src/cloud/protocol/aws-constraints.json', import.meta.url);
  writeFileSync(out, `${JSON.stringify(table)}\n`);
  const count = Object.values(services).reduce((n, s) => n + Object.keys(s.shapes).length, 0);
  console.log(`${out.pathname}: ${count} shapes from ${table.source}`);
  for (const line of skipped) console.log(`pattern not translated (length/enum checks still apply): ${line}`);
}

if (import.meta.main) main();
