/**
 * Schema-driven request decoding and response encoding. The schemas are the AWS SDK's own
 * (`@aws-sdk/client-*` exports `<Operation>$`), read through @smithy/core's NormalizedSchema, so
 * member names, required members, timestamps and query/XML naming come from AWS's models.
 */
import { NormalizedSchema } from '@smithy/core/schema';
import { missingMemberMessage, SerializationException, ValidationException } from './errors.ts';

type Schema = Parameters<typeof NormalizedSchema.of>[0];
export type Shape = NormalizedSchema;

export function shapeOf(schema: unknown): Shape {
  return NormalizedSchema.of(schema as Schema);
}

/** Smithy's compact structure schemas list their required members first and count them at [6]. */
export function requiredCount(ns: Shape): number {
  const raw = ns.getSchema() as unknown;
  return Array.isArray(raw) && typeof raw[6] === 'number' ? raw[6] : 0;
}

/**
 * AWS's JSON deserializer's own words for a value of the wrong type (`NUMBER_VALUE can not be
 * converted to a String`, `Start of list found where not expected`, `Expected null` for a scalar
 * where a structure belongs); no path, as AWS gives none.
 */
function typeError(
  expected: 'String' | 'Number' | 'Boolean' | 'Timestamp' | 'Blob' | 'structure' | 'list' | 'map',
  value: unknown,
): SerializationException {
  if (Array.isArray(value)) return new SerializationException('Start of list found where not expected');
  if (typeof value === 'object') {
    return new SerializationException('Start of structure or map found where not expected.');
  }
  if (expected === 'structure') return new SerializationException('Expected null');
  if (expected === 'list' || expected === 'map')
    return new SerializationException(`Expected ${expected} or null`);
  const token =
    typeof value === 'string'
      ? 'STRING_VALUE'
      : typeof value === 'number'
        ? 'NUMBER_VALUE'
        : value === true
          ? 'TRUE_VALUE'
          : 'FALSE_VALUE';
  const article = /^[AEIOU]/.test(expected) ? 'an' : 'a';
  return new SerializationException(`${token} can not be converted to ${article} ${expected}`);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

// ---------------------------------------------------------------- awsJson

/** Checks a parsed JSON request against the input shape and converts timestamps and blobs. */
export function decodeJson(ns: Shape, value: unknown, path = ''): unknown {
  if (value === null || value === undefined) return undefined;
  if (ns.isStructSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) throw typeError('structure', value);
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const required = requiredCount(ns);
    let index = 0;
    for (const [name, member] of ns.structIterator()) {
      const decoded = decodeJson(member, input[name], join(path, name));
      if (decoded === undefined) {
        if (index < required) throw new ValidationException(missingMemberMessage(join(path, name)));
      } else out[name] = decoded;
      index++;
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) throw typeError('list', value);
    const member = ns.getValueSchema();
    return value.map((item, i) => {
      // Lists in these models are dense: a null item is a missing member (handlers never see one).
      const decoded = decodeJson(member, item, `${path}.${i + 1}.member`);
      if (decoded === undefined)
        throw new ValidationException(missingMemberMessage(`${path}.${i + 1}.member`));
      return decoded;
    });
  }
  if (ns.isMapSchema()) {
    if (typeof value !== 'object' || Array.isArray(value)) throw typeError('map', value);
    const member = ns.getValueSchema();
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        decodeMapValue(member, v, join(path, k)),
      ]),
    );
  }
  if (ns.isTimestampSchema()) {
    if (typeof value === 'number') return new Date(value * 1000);
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value);
    throw typeError('Timestamp', value);
  }
  if (ns.isBlobSchema()) {
    if (typeof value !== 'string') throw typeError('Blob', value);
    return Buffer.from(value, 'base64');
  }
  if (ns.isStringSchema()) {
    if (typeof value !== 'string') throw typeError('String', value);
    return value;
  }
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    if (typeof value !== 'number') throw typeError('Number', value);
    // JSON.parse reads 1e400 as Infinity, which no AWS number type holds.
    if (!Number.isFinite(value))
      throw new SerializationException('NUMBER_VALUE can not be converted to a Number');
    return value;
  }
  if (ns.isBooleanSchema()) {
    if (typeof value !== 'boolean') throw typeError('Boolean', value);
    return value;
  }
  return value; // documents
}

function decodeMapValue(member: Shape, value: unknown, path: string): unknown {
  const decoded = decodeJson(member, value, path);
  if (decoded === undefined) throw new ValidationException(missingMemberMessage(path));
  return decoded;
}

/** Turns a handler's output into awsJson: timestamps as epoch seconds, blobs as base64. */
export function encodeJson(ns: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (ns.isStructSchema()) {
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const encoded = encodeJson(member, input[name]);
      if (encoded !== undefined) out[name] = encoded;
    }
    return out;
  }
  if (ns.isListSchema()) {
    const member = ns.getValueSchema();
    return (value as unknown[]).map((item) => encodeJson(member, item));
  }
  if (ns.isMapSchema()) {
    const member = ns.getValueSchema();
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, encodeJson(member, v)]),
    );
  }
  if (ns.isTimestampSchema()) return value instanceof Date ? value.getTime() / 1000 : value;
  if (ns.isBlobSchema()) return Buffer.from(value as Uint8Array).toString('base64');
  return value;
}

// ---------------------------------------------------------------- awsQuery / ec2Query

export interface QueryDialect {
  /** ec2Query: lists are flattened (`Name.1`), keys capitalized or taken from ec2QueryName. */
  ec2: boolean;
}

function queryKey(name: string, ns: Shape, dialect: QueryDialect, fromStruct: boolean): string {
  const traits = ns.getMergedTraits() as { xmlName?: string; ec2QueryName?: string };
  if (dialect.ec2 && traits.ec2QueryName) return traits.ec2QueryName;
  const key = traits.xmlName ?? name;
  return dialect.ec2 && fromStruct ? key[0]!.toUpperCase() + key.slice(1) : key;
}

/**
 * Form parameters as a tree of their dotted key segments (`Filter.1.Value.2` is
 * Filter → 1 → Value → 2), built once: every lookup while decoding is then a Map get, so decoding
 * stays linear in the body however many list items a request sends.
 */
export interface ParamNode {
  value?: string;
  /** Absent on leaves (most nodes), which need no Map of their own. */
  children?: Map<string, ParamNode>;
}

export function paramTree(params: Iterable<[string, string]>): ParamNode {
  const root: ParamNode = {};
  for (const [key, value] of params) {
    let node = root;
    for (const segment of key.split('.')) {
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = {}));
      node = child;
    }
    node.value = value;
  }
  return root;
}

/**
 * Rebuilds an operation's input from form parameters, the inverse of the SDK's own
 * QueryShapeSerializer (and of botocore's query serializer, which the AWS CLI uses).
 */
export function decodeQuery(ns: Shape, params: ParamNode, dialect: QueryDialect): unknown {
  return decodeQueryValue(ns, params, '', dialect, '');
}

function decodeQueryValue(
  ns: Shape,
  node: ParamNode | undefined,
  prefix: string,
  dialect: QueryDialect,
  path: string,
): unknown {
  if (!node) return undefined;
  if (ns.isStructSchema()) {
    if (prefix && !node.children) return undefined;
    const out: Record<string, unknown> = {};
    const required = requiredCount(ns);
    let index = 0;
    for (const [name, member] of ns.structIterator()) {
      const segment = queryKey(name, member, dialect, true);
      const key = (prefix ? `${prefix}.` : '') + segment;
      const decoded = decodeQueryValue(member, node.children?.get(segment), key, dialect, join(path, name));
      if (decoded === undefined) {
        if (index < required) {
          throw new ValidationException(
            dialect.ec2
              ? `The request must contain the parameter ${key}`
              : missingMemberMessage(join(path, name)),
            dialect.ec2 ? { code: 'MissingParameter' } : { code: 'ValidationError' },
          );
        }
      } else out[name] = decoded;
      index++;
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (node.value === '' && !node.children) return []; // awsQuery's explicit empty list
    const member = ns.getValueSchema();
    const flat = dialect.ec2 || Boolean((ns.getMergedTraits() as { xmlFlattened?: boolean }).xmlFlattened);
    const segment = queryKey('member', member, dialect, false);
    const items = flat ? node : node.children?.get(segment);
    const base = flat ? prefix : `${prefix}.${segment}`;
    const out: unknown[] = [];
    for (let i = 1; items?.children?.has(String(i)); i++) {
      const item = decodeQueryValue(
        member,
        items.children.get(String(i)),
        `${base}.${i}`,
        dialect,
        `${path}[${i}]`,
      );
      // Lists are dense, as in JSON: an item that decodes to nothing (a scalar where a structure
      // belongs) is a missing member, never a hole a handler would trip on.
      if (item === undefined) {
        throw new ValidationException(
          dialect.ec2
            ? `The request must contain the parameter ${base}.${i}`
            : missingMemberMessage(`${path}[${i}]`),
          dialect.ec2 ? { code: 'MissingParameter' } : { code: 'ValidationError' },
        );
      }
      out.push(item);
    }
    return out;
  }
  if (ns.isMapSchema()) {
    const flat = Boolean((ns.getMergedTraits() as { xmlFlattened?: boolean }).xmlFlattened);
    const keySegment = queryKey('key', ns.getKeySchema(), dialect, false);
    const valueShape = ns.getValueSchema();
    const valueSegment = queryKey('value', valueShape, dialect, false);
    const entries = flat ? node : node.children?.get('entry');
    const base = flat ? prefix : `${prefix}.entry`;
    // Null-prototype: a key named `__proto__` is a key like any other.
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    let found = false;
    for (let i = 1; entries?.children?.has(String(i)); i++) {
      found = true;
      const entry = entries.children.get(String(i))!;
      const k = entry.children?.get(keySegment)?.value;
      const v = decodeQueryValue(
        valueShape,
        entry.children?.get(valueSegment),
        `${base}.${i}.${valueSegment}`,
        dialect,
        path,
      );
      if (k !== undefined) out[k] = v;
    }
    return found ? out : undefined;
  }
  const raw = node.value;
  if (raw === undefined) return undefined;
  const invalid = () =>
    new ValidationException(`Value '${raw}' at '${path}' is not a valid ${describeScalar(ns)}`, {
      code: dialect.ec2 ? 'InvalidParameterValue' : 'ValidationError',
    });
  if (ns.isNumericSchema() || ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    const n = Number(raw);
    if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(raw) || !Number.isFinite(n)) throw invalid();
    return n;
  }
  if (ns.isBooleanSchema()) {
    if (raw !== 'true' && raw !== 'false') throw invalid();
    return raw === 'true';
  }
  if (ns.isTimestampSchema()) {
    const ms = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
    if (Number.isNaN(ms)) throw invalid();
    return new Date(ms);
  }
  if (ns.isBlobSchema()) return Buffer.from(raw, 'base64');
  return raw;
}

function describeScalar(ns: Shape): string {
  if (ns.isBooleanSchema()) return 'boolean';
  if (ns.isTimestampSchema()) return 'timestamp';
  return 'number';
}
