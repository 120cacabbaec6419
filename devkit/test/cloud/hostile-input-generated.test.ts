/**
 * Hostile input, generated (fast-check, seeded and bounded): for EVERY operation of every service
 * the gateway registers, requests built from the operation's own SDK schema with prototype names
 * (`__proto__`, `constructor`, `toString`...) and other awkward values in every string position,
 * out-of-range numbers, nulls inside lists, wrong types, unknown query keys, and bodies cut short.
 * Typed cases go through the real SDK client (so the wire format is what clients send); the rest
 * are raw HTTP. After each case: no 5xx, no reply slower than 2 s, and the health check answers.
 * The cloud enforces IAM: typed cases are signed by a role session allowed everything (so each
 * operation's IAM catalogue entry reads the hostile request before its handler does), raw cases
 * by test/test (the account root, not evaluated).
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NormalizedSchema } from '@smithy/core/schema';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyServiceDefinition } from '../../src/cloud/service-definition.ts';
import { allServices } from '../../src/cloud/services/index.ts';
import { credentials, REGION, startTestCloud, type TestCloud } from './harness.ts';
import { rawRequest } from './raw-http.ts';

const SEED = 20261104;
/** Runs per operation: typed through the SDK, raw, truncated (7 for each of about 300 operations). */
const RUNS = { sdk: 2, raw: 3, truncated: 2 };
// A reply later than this counts as a hang. Generous: the machine is shared and a loaded one answers
// a well-behaved call in seconds; a real hang never answers.
const SLOW_MS = 10_000;

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];
// Mostly values a handler accepts (prototype names are valid names), so that requests get past
// validation and reach the handlers; now and then something no model allows.
const hostileString = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'app',
      'default',
      'web-1',
      'a/b',
      'arn:aws:ecs:us-east-1:000000000000:cluster/__proto__',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'a'.repeat(300),
      '*a*a*a*a*a*a*a*a*a*a*a*a*a*b',
      '../../etc/passwd',
      '%00\u0000',
      '💥\uD800',
      '<x>&amp;',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 24 }) },
);
const hostileNumber = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 31, -(2 ** 31) - 1, 1e10, 2 ** 53, 100_000) },
);
const wrongType = fc.constantFrom<unknown>(null, [], {}, [null], 'x', 7, true, { __proto__: { a: 1 } });

type Shape = NormalizedSchema;

/**
 * A plausible awsJson body with exactly one thing wrong, so that the rest gets past validation and
 * the fault reaches as deep as it can: one value (picked by `pick` among all of them) replaced by a
 * wrong type or null, or a null pushed into one list.
 */
function mutatedJson(ns: Shape): fc.Arbitrary<unknown> {
  return fc
    .tuple(valueFor(ns, 'json', 0), fc.nat(), wrongType, fc.boolean())
    .map(([value, pick, wrong, intoList]) => {
      const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node))
          node.forEach((item, i) => (slots.push({ parent: node, key: i }), walk(item)));
        else if (node && typeof node === 'object') {
          for (const [k, v] of Object.entries(node)) {
            slots.push({ parent: node as Record<string, unknown>, key: k });
            walk(v);
          }
        }
      };
      walk(value);
      const lists = slots.filter((s) => Array.isArray((s.parent as Record<string, unknown>)[s.key]));
      if (intoList && lists.length) {
        const slot = lists[pick % lists.length]!;
        ((slot.parent as Record<string, unknown>)[slot.key] as unknown[]).push(null);
      } else if (slots.length) {
        const slot = slots[pick % slots.length]!;
        (slot.parent as Record<string, unknown>)[slot.key] = wrong;
      }
      return value;
    });
}
type Wire = 'sdk' | 'json';

/** A value shaped like `ns`, as the SDK takes it or as awsJson carries it. */
function valueFor(ns: Shape, wire: Wire, depth: number): fc.Arbitrary<unknown> {
  if (ns.isStructSchema()) {
    if (depth > 3) return fc.constant({});
    const members: Record<string, fc.Arbitrary<unknown>> = {};
    const raw = ns.getSchema() as unknown;
    const requiredCount = Array.isArray(raw) && typeof raw[6] === 'number' ? raw[6] : 0;
    let index = 0;
    for (const [name, member] of ns.structIterator()) {
      const value = valueFor(member, wire, depth + 1);
      // Optional members appear one time in four, so that large inputs stay mostly plausible.
      members[name] =
        index++ < requiredCount
          ? value
          : fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
    }
    return fc
      .record(members)
      .map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)));
  }
  if (ns.isListSchema()) {
    if (depth > 3) return fc.constant([]);
    return fc.array(valueFor(ns.getValueSchema(), wire, depth + 1), { maxLength: 3 });
  }
  if (ns.isMapSchema()) {
    if (depth > 3) return fc.constant({});
    return fc
      .array(fc.tuple(hostileString, valueFor(ns.getValueSchema(), wire, depth + 1)), { maxLength: 3 })
      .map((entries) => {
        const map: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        for (const [k, v] of entries) map[k] = v;
        return map;
      });
  }
  if (ns.isTimestampSchema()) {
    const date = fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true });
    return wire === 'json' ? date.map((d) => d.getTime() / 1000) : date;
  }
  if (ns.isBlobSchema()) {
    const bytes = fc.uint8Array({ maxLength: 16 });
    return wire === 'json' ? bytes.map((b) => Buffer.from(b).toString('base64')) : bytes;
  }
  if (ns.isStringSchema()) return hostileString;
  if (ns.isBooleanSchema()) return fc.boolean();
  if (ns.isNumericSchema()) return hostileNumber;
  return fc.constant(undefined);
}

/** Query bodies a careless client could send: the operation's member names, mangled and indexed. */
function queryBody(ns: Shape, operation: string, version: string): fc.Arbitrary<string> {
  const names = ns.isStructSchema() ? [...ns.structIterator()].map(([name]) => name) : [];
  const key = fc
    .tuple(
      names.length ? fc.constantFrom(...names) : hostileString,
      fc.constantFrom('', '.1', '.member.1', '.1.Key', '.entry.1.value', '.0', '.99999', '..', '.__proto__'),
    )
    .map(([name, suffix]) => `${name}${suffix}`);
  return fc
    .array(fc.tuple(fc.oneof(key, hostileString), fc.oneof(hostileString, hostileNumber.map(String))), {
      maxLength: 6,
    })
    .map((params) => {
      const form = new URLSearchParams({ Action: operation, Version: version });
      for (const [k, v] of params) form.append(k, v);
      return form.toString();
    });
}

interface SdkModule {
  [name: string]: unknown;
}

type SdkClient = {
  send(
    command: unknown,
    options?: { abortSignal?: AbortSignal },
  ): Promise<{ $metadata: { httpStatusCode?: number } }>;
  destroy(): void;
};

/** The role session the typed cases are signed with (set before any case runs). */
let sessionCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

function clientFor(definition: AnyServiceDefinition, endpoint: string): SdkClient {
  const sdk = definition.schemas as SdkModule;
  const Client = Object.entries(sdk).find(
    ([name, value]) => name.endsWith('Client') && typeof value === 'function' && name !== '__Client',
  )?.[1] as new (config: object) => SdkClient;
  return new Client({ endpoint, region: REGION, credentials: sessionCredentials, maxAttempts: 1 });
}

function commandFor(definition: AnyServiceDefinition, operation: string, input: unknown): unknown {
  const Command = (definition.schemas as SdkModule)[`${operation}Command`] as new (input: unknown) => unknown;
  return new Command(input);
}

function inputShape(definition: AnyServiceDefinition, operation: string): Shape {
  const schema = definition.schemas[`${operation}$`] as readonly unknown[];
  return NormalizedSchema.of(schema[4] as Parameters<typeof NormalizedSchema.of>[0]);
}

/** What each case observed, for the figures this suite prints. */
const figures = { cases: 0, serverErrors: 0, slow: 0, noHealth: 0 };
const statuses = new Map<string, number>();
const findings: string[] = [];

let world: TestCloud;

beforeAll(async () => {
  world = await startTestCloud({ enforceIam: true });
  const config = { endpoint: world.cloud.url, region: REGION, credentials };
  const iam = new IAMClient(config);
  const RoleName = 'hostile-input-caller';
  await iam.send(
    new CreateRoleCommand({
      RoleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '000000000000' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName,
      PolicyName: 'everything',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const sts = new STSClient(config);
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::000000000000:role/${RoleName}`,
      RoleSessionName: 'hostile',
    }),
  );
  sessionCredentials = {
    accessKeyId: Credentials!.AccessKeyId!,
    secretAccessKey: Credentials!.SecretAccessKey!,
    sessionToken: Credentials!.SessionToken!,
  };
  iam.destroy();
  sts.destroy();
});
afterAll(async () => {
  console.log(
    `[hostile-input-generated] ${figures.cases} cases, ${figures.serverErrors} 5xx, ${figures.slow} slower than ` +
      `${SLOW_MS} ms, ${figures.noHealth} without a health answer; replies: ${[...statuses].map(([k, n]) => `${k} ${n}`).join(', ')}` +
      (findings.length ? `\n${findings.join('\n')}` : ''),
  );
  await world.dispose();
});

/** One case's outcome: its status (undefined when nothing came back) and how long it took. */
async function observe(label: string, call: () => Promise<number | undefined>): Promise<void> {
  figures.cases++;
  const started = performance.now();
  const status = await call();
  const ms = performance.now() - started;
  const health = await fetch(`${world.cloud.url}/_devkit/health`, {
    signal: AbortSignal.timeout(SLOW_MS),
  }).then(
    (r) => r.status,
    () => undefined,
  );
  const bucket = status === undefined ? 'no reply' : `${Math.floor(status / 100)}xx`;
  statuses.set(bucket, (statuses.get(bucket) ?? 0) + 1);
  if (status !== undefined && status >= 500) figures.serverErrors++;
  if (ms > SLOW_MS) figures.slow++;
  if (health !== 200) figures.noHealth++;
  const ok = !(status !== undefined && status >= 500) && ms <= SLOW_MS && health === 200;
  if (!ok) findings.push(`${label}: status ${status}, ${Math.round(ms)} ms, health ${health}`);
  expect({ label, serverError: status !== undefined && status >= 500, slow: ms > SLOW_MS, health }).toEqual({
    label,
    serverError: false,
    slow: false,
    health: 200,
  });
}

async function sdkStatus(client: SdkClient, command: unknown): Promise<number | undefined> {
  try {
    const out = await client.send(command, { abortSignal: AbortSignal.timeout(5 * SLOW_MS) });
    return out.$metadata.httpStatusCode;
  } catch (error) {
    const e = error as { $metadata?: { httpStatusCode?: number }; name?: string };
    // The SDK refusing to serialize a value is not the server's answer.
    return e.$metadata?.httpStatusCode;
  }
}

function target(definition: AnyServiceDefinition, operation: string): Record<string, string> {
  return {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `${definition.targetPrefix}.${operation}`,
    authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/${definition.signingName}/aws4_request, SignedHeaders=host, Signature=x`,
  };
}

function queryHeaders(definition: AnyServiceDefinition): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/${definition.signingName}/aws4_request, SignedHeaders=host, Signature=x`,
  };
}

async function postStatus(body: string, headers: Record<string, string>): Promise<number | undefined> {
  const res = await fetch(world.cloud.url, {
    method: 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(5 * SLOW_MS),
  }).catch(() => undefined);
  await res?.text();
  return res?.status;
}

const VERSIONS: Record<string, string> = {
  iam: '2010-05-08',
  sts: '2011-06-15',
  ec2: '2016-11-15',
  elasticloadbalancing: '2015-12-01',
};

// Each case mostly waits (a client that leaves mid-body waits 100 ms, every case then asks for the
// health check): the operations run side by side (vitest's maxConcurrency at a time), each with its
// own seeded cases, against the one cloud.
for (const definition of allServices) {
  describe.concurrent(`generated hostile input: ${definition.signingName}`, () => {
    let client: SdkClient;
    beforeAll(() => {
      client = clientFor(definition, world.cloud.url);
    });
    afterAll(() => client.destroy());

    for (const operation of Object.keys(definition.operations)) {
      it(operation, async () => {
        const shape = inputShape(definition, operation);
        await fc.assert(
          fc.asyncProperty(valueFor(shape, 'sdk', 0), (input) =>
            observe(`${operation} via SDK ${stringify(input)}`, () =>
              sdkStatus(client, commandFor(definition, operation, input)),
            ),
          ),
          { seed: SEED, numRuns: RUNS.sdk, endOnFailure: true },
        );
        const raw =
          definition.protocol === 'awsJson1_1'
            ? mutatedJson(shape).map((v) => JSON.stringify(v) ?? 'null')
            : queryBody(shape, operation, VERSIONS[definition.signingName] ?? '');
        const headers =
          definition.protocol === 'awsJson1_1' ? target(definition, operation) : queryHeaders(definition);
        await fc.assert(
          fc.asyncProperty(raw, (body) =>
            observe(`${operation} raw ${body.slice(0, 300)}`, () => postStatus(body, headers)),
          ),
          { seed: SEED, numRuns: RUNS.raw, endOnFailure: true },
        );
        // The same bodies cut short: truncated text, or a client that leaves before the end.
        await fc.assert(
          fc.asyncProperty(raw, fc.nat(), fc.boolean(), (body, cut, leave) => {
            const sent = body.slice(0, cut % (body.length + 1));
            const head =
              `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
              Object.entries(headers)
                .map(([k, v]) => `${k}: ${v}\r\n`)
                .join('') +
              `Content-Length: ${Buffer.byteLength(leave ? body : sent) + (leave ? 1 : 0)}\r\n\r\n`;
            return observe(
              `${operation} truncated (${leave ? 'client left' : 'cut'}) ${sent.slice(0, 200)}`,
              () =>
                rawRequest(world.cloud.port, head + sent, leave ? { abortAfterMs: 100 } : {}).then(
                  (r) => r.status,
                ),
            );
          }),
          { seed: SEED, numRuns: RUNS.truncated, endOnFailure: true },
        );
      });
    }
  });
}

function stringify(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? '[bytes]' : v)) ?? '';
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
