import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../../stack/load.ts';
import type { AwsClients } from '../clients.ts';
import type { ResourceNames } from '../names.ts';

/** Ids and ARNs learnt while provisioning, in order: later resources need earlier ones. */
export interface Found {
  accountId: string;
  repositoryUri?: string;
  secretArns: Record<string, string>;
  executionRoleArn?: string;
  taskRoleArn?: string;
  vpcId?: string;
  internetGatewayId?: string;
  publicSubnetIds: (string | undefined)[];
  privateSubnetIds: (string | undefined)[];
  securityGroupId?: string;
  loadBalancerSecurityGroupId?: string;
  clusterArn?: string;
  loadBalancerArn?: string;
  loadBalancerDnsName?: string;
  targetGroupArn?: string;
}

export interface ProvisionContext {
  clients: AwsClients;
  stack: Stack;
  names: ResourceNames;
  tags: Record<string, string>;
  found: Found;
}

/**
 * One stage resource as an ensure-call: find it by name or tags, say how it differs from the stack,
 * create it, correct it, delete it. `observe` records ids in `found` for the resources after it.
 */
export interface Resource<Observed = unknown> {
  type: string;
  name: string;
  observe(): Promise<Observed | undefined>;
  /** Human words for each difference from the stack; empty when it matches. */
  drift(observed: Observed): string[];
  create(): Promise<void>;
  update(observed: Observed, drift: string[]): Promise<void>;
  remove(observed: Observed): Promise<void>;
}

/** A resource as found: whether it exists, how it drifted, and the calls that fix or delete it. */
export interface Inspection {
  exists: boolean;
  drift: string[];
  /** Creates the resource when missing, corrects it when drifted, else does nothing. */
  apply(): Promise<void>;
  remove(): Promise<void>;
}

/** Any kind of resource, so resources of different kinds fit one ordered list. */
export interface AnyResource {
  type: string;
  name: string;
  inspect(): Promise<Inspection>;
}

export function defineResource<Observed>(resource: Resource<Observed>): AnyResource {
  return {
    type: resource.type,
    name: resource.name,
    async inspect() {
      const observed = await resource.observe();
      if (observed === undefined) {
        return { exists: false, drift: [], apply: () => resource.create(), remove: async () => undefined };
      }
      const drift = resource.drift(observed);
      return {
        exists: true,
        drift,
        apply: async () => {
          if (drift.length > 0) await resource.update(observed, drift);
        },
        remove: () => resource.remove(observed),
      };
    },
  };
}

/** AWS SDK "not found" errors, by the names each service gives them. */
export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? '';
  return [
    'RepositoryNotFoundException',
    'LifecyclePolicyNotFoundException',
    'ResourceNotFoundException',
    'NoSuchEntityException',
    'NoSuchEntity',
    'ClusterNotFoundException',
    'ServiceNotFoundException',
    'LoadBalancerNotFoundException',
    'TargetGroupNotFoundException',
    'ListenerNotFoundException',
  ].includes(name);
}

/** Resolves to undefined when the call says the resource does not exist. */
export async function unlessNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Retries a delete that EC2 refuses with DependencyViolation: on AWS the network interfaces of a
 * just-deleted load balancer or stopped task are released minutes later.
 */
export async function whileInUse<T>(call: () => Promise<T>, timeoutMs = 5 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if ((error as { name?: string }).name !== 'DependencyViolation' || Date.now() > deadline) throw error;
      await sleep(5_000);
    }
  }
}

/** Tags as EC2, ECR, IAM and Secrets Manager spell them. */
export function awsTags(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Stable JSON for comparing documents regardless of key order. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  return JSON.stringify(sort(value));
}
