import { z } from 'zod';
import { cidrContains, cidrProblem, cidrsOverlap, parseCidr } from '../net/cidr.ts';

/*
 * The stack file's shape. Every object is strict (unknown fields are errors, so a typo never
 * silently falls back to a default), and numeric fields also accept numeric text, since values
 * from ${env:...} arrive as text.
 */

const numericText = (value: unknown) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const booleanText = (value: unknown) => (value === 'true' ? true : value === 'false' ? false : value);

const int = (min: number, max: number) => z.preprocess(numericText, z.int().min(min).max(max));
const oneOf = <const T extends readonly number[]>(values: T) => z.preprocess(numericText, z.literal(values));
const bool = () => z.preprocess(booleanText, z.boolean());
/** Environment and build-arg values are text in the end; YAML numbers and booleans are accepted. */
const text = () => z.union([z.string(), z.number(), z.boolean()]).transform(String);

const resourceName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'must be lowercase letters, digits and dashes, starting with a letter (≤ 40)',
  );
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid environment variable name');
const cidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const FARGATE_CPU = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The memory sizes (MiB) Fargate accepts with a cpu setting. */
export function fargateMemoryFor(cpu: number): number[] {
  const range = (from: number, to: number, step: number) =>
    Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  const gb = 1024;
  switch (cpu) {
    case 256:
      return [512, gb, 2 * gb];
    case 512:
      return range(gb, 4 * gb, gb);
    case 1024:
      return range(2 * gb, 8 * gb, gb);
    case 2048:
      return range(4 * gb, 16 * gb, gb);
    case 4096:
      return range(8 * gb, 30 * gb, gb);
    case 8192:
      return range(16 * gb, 60 * gb, 4 * gb);
    case 16384:
      return range(32 * gb, 120 * gb, 8 * gb);
    default:
      return [];
  }
}

const healthCheck = z.strictObject({
  /** ["CMD", "bash", "healthcheck.sh"] or ["CMD-SHELL", "curl -f http://localhost:8080/health"] */
  command: z
    .array(z.string())
    .min(2)
    .refine((c) => c[0] === 'CMD' || c[0] === 'CMD-SHELL', 'must start with CMD or CMD-SHELL'),
  interval: int(5, 300).default(30),
  timeout: int(2, 60).default(5),
  retries: int(1, 10).default(3),
  startPeriod: int(0, 300).default(0),
});

const task = z
  .strictObject({
    cpu: oneOf(FARGATE_CPU),
    /** MiB; must pair with cpu as Fargate allows. */
    memory: int(512, 122880),
    port: int(1, 65535),
    healthCheck: healthCheck.optional(),
    environment: z.record(envName, text()).default({}),
    /** Environment variable → Secrets Manager secret name; injected at start through the execution role. */
    secrets: z
      .record(envName, z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a secret name'))
      .default({}),
  })
  .superRefine((t, ctx) => {
    const allowed = fargateMemoryFor(t.cpu);
    if (!allowed.includes(t.memory)) {
      ctx.addIssue({
        code: 'custom',
        path: ['memory'],
        message: `${t.memory} does not pair with cpu ${t.cpu} on Fargate (allowed: ${allowed[0]}–${allowed.at(-1)} in steps of ${(allowed[1] ?? 0) - (allowed[0] ?? 0)})`,
      });
    }
  });

const service = z.strictObject({
  desiredCount: int(0, 1000).default(1),
  deployment: z
    .strictObject({
      maximumPercent: int(100, 200).default(200),
      minimumHealthyPercent: int(0, 100).default(100),
      circuitBreaker: z
        .strictObject({ enable: bool().default(true), rollback: bool().default(true) })
        .prefault({}),
    })
    .prefault({}),
  /** Where users call the service when not the load balancer's own DNS name (e.g. your domain in front of it). */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
});

/** An ELBv2 success-code matcher: codes 200-499, a list ("200,202") or a range ("200-299"). */
const httpCodes = z
  .string()
  .regex(
    /^([2-4]\d\d(-[2-4]\d\d)?)(,[2-4]\d\d(-[2-4]\d\d)?)*$/,
    'must be HTTP codes 200-499: one ("200"), a list ("200,202") or a range ("200-299")',
  );

/**
 * The Application Load Balancer in front of the service (ELBv2's own bounds): its listener, the
 * target group's health check and attributes, and how long ECS waits before the check counts.
 */
const loadBalancer = z
  .strictObject({
    /** The listener's port (HTTP). */
    port: int(1, 65535).default(80),
    healthCheck: z
      .strictObject({
        path: z
          .string()
          .regex(/^\/[\x21-\x7e]{0,1023}$/, 'must be a path starting with / (at most 1024 characters)')
          .default('/health'),
        interval: int(5, 300).default(30),
        timeout: int(2, 120).default(5),
        healthyThreshold: int(2, 10).default(5),
        unhealthyThreshold: int(2, 10).default(2),
        matcher: httpCodes.default('200'),
      })
      .prefault({})
      .refine((h) => h.timeout < h.interval, {
        path: ['timeout'],
        message: 'must be less than the interval',
      }),
    /** Seconds a deregistered target keeps its open requests before it is removed (draining). */
    deregistrationDelay: int(0, 3600).default(300),
    /** Seconds a connection may stay idle. */
    idleTimeout: int(1, 4000).default(60),
    /** Seconds after a task starts during which ECS ignores failing load balancer health checks. */
    healthCheckGracePeriod: int(0, 2_147_483_647).default(30),
  })
  .prefault({});

const subnet = z.strictObject({ cidr, availabilityZone: z.string().min(1) });

const network = z.strictObject({
  vpcCidr: cidr,
  publicSubnets: z.array(subnet).length(2),
  privateSubnets: z.array(subnet).length(2),
  /** Who may reach the load balancer's listener through its security group. */
  ingressCidr: cidr.default('0.0.0.0/0'),
});

const policyStatement = z.strictObject({
  effect: z.enum(['Allow', 'Deny']).default('Allow'),
  actions: z
    .array(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9*]+$/, 'must be an IAM action like s3:GetObject'))
    .min(1),
  resources: z.array(z.string().min(1)).min(1),
});

const image = z.strictObject({
  /** Directory sent to Docker, relative to the stack file. */
  context: z.string().min(1),
  dockerfile: z.string().min(1).default('Dockerfile'),
  buildArgs: z.record(z.string(), text()).default({}),
});

export const stackSchema = z
  .strictObject({
    name: resourceName,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region like us-east-1'),
    image,
    task,
    service: service.prefault({}),
    loadBalancer,
    network,
    iam: z
      .strictObject({
        /** Permissions of the app itself; none unless declared. */
        taskRole: z.strictObject({ statements: z.array(policyStatement).default([]) }).prefault({}),
      })
      .prefault({}),
    ecr: z
      .strictObject({ scanOnPush: bool().default(true), keepImages: int(1, 1000).default(10) })
      .prefault({}),
    logs: z.strictObject({
      group: z.string().regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'must be a log group name'),
      retentionDays: oneOf(LOG_RETENTION_DAYS).default(30),
    }),
    cluster: z
      .strictObject({
        // true (AWS's `enabled`), false, or `enhanced`: per-task and per-container metrics too.
        containerInsights: z.union([z.literal('enhanced'), bool()]).default(true),
      })
      .prefault({}),
  })
  .superRefine((stack, ctx) => {
    const vpc = parseCidr(stack.network.vpcCidr);
    const subnets = [
      ...stack.network.publicSubnets.map((s, i) => ({ s, path: ['network', 'publicSubnets', i] })),
      ...stack.network.privateSubnets.map((s, i) => ({ s, path: ['network', 'privateSubnets', i] })),
    ];
    for (const [index, { s, path }] of subnets.entries()) {
      const block = parseCidr(s.cidr);
      if (vpc && block && !cidrContains(vpc, block)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'cidr'],
          message: `is outside the VPC ${stack.network.vpcCidr}`,
        });
      }
      const clash = subnets.slice(0, index).find((other) => {
        const otherBlock = parseCidr(other.s.cidr);
        return block && otherBlock && cidrsOverlap(block, otherBlock);
      });
      if (clash) {
        ctx.addIssue({ code: 'custom', path: [...path, 'cidr'], message: `overlaps ${clash.s.cidr}` });
      }
      if (!s.availabilityZone.startsWith(stack.region)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'availabilityZone'],
          message: `must be a zone of region ${stack.region} (like ${stack.region}a)`,
        });
      }
    }
    for (const kind of ['publicSubnets', 'privateSubnets'] as const) {
      const [a, b] = stack.network[kind];
      if (a && b && a.availabilityZone === b.availabilityZone) {
        ctx.addIssue({
          code: 'custom',
          path: ['network', kind, 1, 'availabilityZone'],
          message:
            'must differ from the first subnet’s zone (two AZs, so one zone failing leaves the service up)',
        });
      }
    }
  });

/** The validated stack file, defaults filled in. */
export type StackConfig = z.output<typeof stackSchema>;
