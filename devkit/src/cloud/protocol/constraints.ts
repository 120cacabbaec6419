/**
 * Input validation as AWS's own models define it (lengths, patterns, enums, value ranges, integer
 * widths), from the table devkit/scripts/generate-constraints.ts extracts from botocore's copy of
 * the models. Applied once to every decoded request, before any handler; wording as AWS words it
 * (`1 validation error detected: Value 'x' at 'serviceName' failed to satisfy constraint: ...`).
 */
import { readFileSync } from 'node:fs';

/** The table's shape: only what validation needs (it ships with the cloud). */
export interface ConstraintShape {
  /** string, list, map, structure, integer, long, float, double, blob, ... */
  type: string;
  min?: number;
  max?: number;
  /** The model's (Java) pattern, for messages. */
  pattern?: string;
  /** The same pattern as JavaScript source (`u` flag), when it translates faithfully and safely. */
  regex?: string;
  enum?: string[];
  sensitive?: true;
  members?: Record<string, string>;
  member?: string;
  key?: string;
  value?: string;
}

interface ServiceConstraints {
  operations: Record<string, string | null>;
  shapes: Record<string, ConstraintShape>;
}

interface ConstraintTable {
  source: string;
  services: Record<string, ServiceConstraints>;
}

const table = JSON.parse(
  readFileSync(new URL('./aws-constraints.json', import.meta.url), 'utf8'),
) as ConstraintTable;

const INT32 = 2 ** 31;
const INT64 = 2 ** 63;
/** Values echoed in messages are cut here (AWS echoes them whole; our call log keeps error bodies). */
const MAX_ECHO = 256;

export interface Violation {
  /**
   * `type`: the number does not fit the member's type (`an Integer`, `a Long`): awsJson's
   * deserializer refuses it; `constraint`: the value breaks a rule of the model.
   */
  kind: 'type' | 'constraint';
  /** AWS's path: members with a lower-case first letter, list items as `name.N.member`. */
  path: string;
  /** The value as AWS echoes it; absent for members the model marks sensitive. */
  value?: string;
  constraint: string;
}

/** Whether the committed table knows the operation (the generator must be re-run for a new one). */
export function hasConstraints(service: string, operation: string): boolean {
  return Object.hasOwn(table.services[service]?.operations ?? {}, operation);
}

export function constraintSource(): string {
  return table.source;
}

/** Every way `input` breaks the model of `service`'s `operation`, in AWS's words. */
export function violations(service: string, operation: string, input: unknown): Violation[] {
  const constraints = table.services[service];
  const root = constraints?.operations[operation];
  if (!constraints || !root) return [];
  const found: Violation[] = [];
  const regexes = new Map<string, RegExp>();
  const check = (shapeName: string, value: unknown, path: string): void => {
    const shape = constraints.shapes[shapeName];
    if (!shape || value === undefined || value === null) return;
    const fail = (constraint: string, shown: unknown = value) =>
      found.push({ kind: 'constraint', path, constraint, ...echo(shape, shown) });
    switch (shape.type) {
      case 'structure':
        for (const [name, member] of Object.entries(shape.members ?? {})) {
          check(member, (value as Record<string, unknown>)[name], join(path, name));
        }
        return;
      case 'list': {
        const items = value as unknown[];
        checkLength(items.length, shape, fail, `[${items.join(', ')}]`);
        if (shape.member) items.forEach((item, i) => check(shape.member!, item, `${path}.${i + 1}.member`));
        return;
      }
      case 'map': {
        const entries = Object.entries(value as Record<string, unknown>);
        checkLength(entries.length, shape, fail, '{...}');
        for (const [k, v] of entries) {
          if (shape.key) check(shape.key, k, `${path}.key`);
          if (shape.value) check(shape.value, v, `${path}.${k}`);
        }
        return;
      }
      case 'integer':
      case 'long': {
        const n = value as number;
        const limit = shape.type === 'integer' ? INT32 : INT64;
        if (!Number.isInteger(n) || n < -limit || n >= limit) {
          found.push({ kind: 'type', path, constraint: typeName(shape), ...echo(shape, n) });
          return;
        }
        checkRange(n, shape, fail);
        return;
      }
      case 'float':
      case 'double':
        checkRange(value as number, shape, fail);
        return;
      case 'blob':
        checkLength((value as Uint8Array).length, shape, fail, '[binary]');
        return;
      case 'string': {
        const text = value as string;
        // Lengths first: a pattern never runs on a value longer than the model allows.
        if (!checkLength(text.length, shape, fail)) return;
        if (shape.enum && !shape.enum.includes(text)) {
          fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        }
        if (shape.regex) {
          let regex = regexes.get(shape.regex);
          if (!regex) regexes.set(shape.regex, (regex = new RegExp(shape.regex, 'u')));
          if (!regex.test(text)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
        }
        return;
      }
    }
  };
  check(root, input, '');
  return found;
}

/** How many violations, then each: the one-message form of AWS's JSON and query services. */
export function validationMessage(found: Violation[]): string {
  const n = found.length;
  const each = found.map((v) => {
    const constraint = v.kind === 'type' ? `Member must be ${v.constraint}` : v.constraint;
    const value = v.value === undefined ? 'Value' : `Value '${v.value}'`;
    return `${value} at '${v.path}' failed to satisfy constraint: ${constraint}`;
  });
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${each.join('; ')}`;
}

/** EC2's form: one parameter at a time. */
export function ec2ValidationMessage(first: Violation): string {
  const constraint = first.kind === 'type' ? `It must be ${first.constraint}.` : `${first.constraint}.`;
  return `Value (${first.value ?? '***'}) for parameter ${first.path} is invalid. ${constraint}`;
}

/** awsJson's deserializer, for a number that does not fit its member's type. */
export function typeMismatchMessage(violation: Violation): string {
  return `NUMBER_VALUE can not be converted to ${violation.constraint}`;
}

function checkLength(
  length: number,
  shape: ConstraintShape,
  fail: (constraint: string, shown?: unknown) => void,
  shown?: unknown,
): boolean {
  if (shape.max !== undefined && length > shape.max) {
    fail(`Member must have length less than or equal to ${shape.max}`, shown);
    return false;
  }
  if (shape.min !== undefined && length < shape.min) {
    fail(`Member must have length greater than or equal to ${shape.min}`, shown);
    return false;
  }
  return true;
}

function checkRange(n: number, shape: ConstraintShape, fail: (constraint: string) => void): void {
  if (shape.max !== undefined && n > shape.max)
    fail(`Member must have value less than or equal to ${shape.max}`);
  else if (shape.min !== undefined && n < shape.min) {
    fail(`Member must have value greater than or equal to ${shape.min}`);
  }
}

/** AWS names members in these messages with a lower-case first letter (`RoleName` → `roleName`). */
function join(path: string, name: string): string {
  const member = name[0]!.toLowerCase() + name.slice(1);
  return path ? `${path}.${member}` : member;
}

function echo(shape: ConstraintShape, value: unknown): { value?: string } {
  if (shape.sensitive) return {};
  const text = String(value);
  return { value: text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}...` : text };
}

function typeName(shape: ConstraintShape): string {
  return shape.type === 'integer' ? 'an Integer' : 'a Long';
}
