/**
 * Resolving what requests name (a cluster, service, task or task definition, by name or ARN) to
 * records, with the errors ECS gives when the name leads nowhere.
 */
import type { RequestContext } from '../../service-definition.ts';
import { arn } from '../common.ts';
import { ClientException, clusterNotFound, InvalidParameterException, serviceNotFound } from './errors.ts';
import type { ClusterRecord, EcsState, ServiceRecord, TaskDefinitionRecord } from './state.ts';
import { lastSegment, siblingArn } from './state.ts';

type Ctx = RequestContext<EcsState>;

/**
 * Cluster and service names: up to 255 letters, digits, hyphens and underscores. The model has no
 * constraint on them; the wording is ECS's own, as it answers for a cluster name.
 */
export function checkName(what: 'Cluster' | 'Service', name: string): string {
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(name)) {
    throw new InvalidParameterException(`${what} must match ^[a-zA-Z0-9\\-_]{1,255}$, but was ${name}`);
  }
  return name;
}

export function clusterArnFor(ctx: Ctx, name: string): string {
  return arn('ecs', ctx.region, ctx.accountId, `cluster/${name}`);
}

/** Operations without a `cluster` use the cluster named "default", which must exist. */
export function clusterNameFrom(ref: string | undefined): string {
  return ref ? lastSegment(ref) : 'default';
}

export function requireCluster(ctx: Ctx, ref: string | undefined): ClusterRecord {
  const cluster = ctx.state.clusters[clusterNameFrom(ref)];
  if (!cluster || cluster.status !== 'ACTIVE') throw clusterNotFound();
  return cluster;
}

export function serviceArnFor(cluster: ClusterRecord, name: string): string {
  return siblingArn(cluster.clusterArn, `service/${cluster.clusterName}/${name}`);
}

/** The service in `cluster` called `ref` (a name or an ARN), whatever its status. */
export function findService(state: EcsState, cluster: ClusterRecord, ref: string): ServiceRecord | undefined {
  return state.services[serviceArnFor(cluster, lastSegment(ref))];
}

export function requireService(state: EcsState, cluster: ClusterRecord, ref: string): ServiceRecord {
  const service = findService(state, cluster, ref);
  if (!service) throw serviceNotFound();
  return service;
}

export function taskArnFor(cluster: ClusterRecord, ref: string): string {
  return siblingArn(cluster.clusterArn, `task/${cluster.clusterName}/${lastSegment(ref)}`);
}

/** `family`, `family:revision` or a task definition ARN. */
function parseTaskDefinitionRef(ref: string): { family: string; revision: number | undefined } {
  const name = ref.startsWith('arn:')
    ? ref.slice(ref.indexOf('task-definition/') + 'task-definition/'.length)
    : ref;
  const [family = '', revision] = name.split(':');
  return { family, revision: revision === undefined ? undefined : Number(revision) };
}

/**
 * The revision `ref` names, or the family's latest ACTIVE revision when it names none. INACTIVE
 * revisions are found only by their number, as on AWS.
 */
export function findTaskDefinition(state: EcsState, ref: string): TaskDefinitionRecord | undefined {
  const { family, revision } = parseTaskDefinitionRef(ref);
  const revisions = state.taskDefinitions[family] ?? [];
  if (revision === undefined) return revisions.findLast((td) => td.status === 'ACTIVE');
  return Number.isInteger(revision) ? revisions[revision - 1] : undefined;
}

/** A task definition that new tasks and services may use: it must exist and be ACTIVE. */
export function requireUsableTaskDefinition(state: EcsState, ref: string | undefined): TaskDefinitionRecord {
  const td = ref === undefined ? undefined : findTaskDefinition(state, ref);
  if (!td) throw new ClientException('TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw new ClientException('TaskDefinition is inactive');
  return td;
}
