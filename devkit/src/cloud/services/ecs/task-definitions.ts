import type {
  DeleteTaskDefinitionsRequest,
  DeleteTaskDefinitionsResponse,
  DeregisterTaskDefinitionRequest,
  DeregisterTaskDefinitionResponse,
  DescribeTaskDefinitionRequest,
  DescribeTaskDefinitionResponse,
  ListTaskDefinitionFamiliesRequest,
  ListTaskDefinitionFamiliesResponse,
  ListTaskDefinitionsRequest,
  ListTaskDefinitionsResponse,
  RegisterTaskDefinitionRequest,
  RegisterTaskDefinitionResponse,
} from '@aws-sdk/client-ecs';
import type { Checked, Handler } from '../../service-definition.ts';
import { arn, paginate } from '../common.ts';
import { ClientException, InvalidParameterException } from './errors.ts';
import { findTaskDefinition } from './references.ts';
import type { EcsState, TaskDefinitionRecord } from './state.ts';
import {
  isFargateSize,
  normalizeSize,
  validateTaskDefinition,
  withContainerDefaults,
} from './task-definition-rules.ts';
import { tagsOf, taskDefinitionToAws } from './views.ts';

const unableToDescribe = () => new ClientException('Unable to describe task definition.');

/** Each registration is the family's next revision, ACTIVE, with ECS's defaults filled in. */
export const registerTaskDefinition: Handler<
  Checked<RegisterTaskDefinitionRequest, 'family' | 'containerDefinitions'>,
  RegisterTaskDefinitionResponse,
  EcsState
> = (input, ctx) => {
  const cpu = normalizeSize(input.cpu, /vcpu/, 'cpu');
  const memory = normalizeSize(input.memory, /gb/, 'memory');
  validateTaskDefinition(input, cpu, memory);
  const revisions = (ctx.state.taskDefinitions[input.family] ??= []);
  const revision = revisions.length + 1;
  const taskDefinitionArn = arn(
    'ecs',
    ctx.region,
    ctx.accountId,
    `task-definition/${input.family}:${revision}`,
  );
  // Fargate-compatible when it could run there; EC2 can run anything.
  const fargateReady = input.networkMode === 'awsvpc' && isFargateSize(cpu, memory);
  const { tags, ...definition } = input;
  const record: TaskDefinitionRecord = {
    ...definition,
    taskDefinitionArn,
    family: input.family,
    revision,
    status: 'ACTIVE',
    containerDefinitions: input.containerDefinitions.map((c) => withContainerDefaults(c, input.networkMode)),
    volumes: input.volumes ?? [],
    placementConstraints: input.placementConstraints ?? [],
    compatibilities: fargateReady ? ['EC2', 'FARGATE'] : ['EC2'],
    ...(cpu ? { cpu } : {}),
    ...(memory ? { memory } : {}),
    registeredAt: Date.now(),
    registeredBy: `arn:aws:iam::${ctx.accountId}:root`,
  };
  revisions.push(record);
  ctx.state.tags[taskDefinitionArn] = tags ?? [];
  return { taskDefinition: taskDefinitionToAws(record), tags: tags ?? [] };
};

export const describeTaskDefinition: Handler<
  Checked<DescribeTaskDefinitionRequest, 'taskDefinition'>,
  DescribeTaskDefinitionResponse,
  EcsState
> = (input, ctx) => {
  const td = findTaskDefinition(ctx.state, input.taskDefinition);
  if (!td) throw unableToDescribe();
  return {
    taskDefinition: taskDefinitionToAws(td),
    ...(input.include?.includes('TAGS') ? { tags: tagsOf(ctx.state, td.taskDefinitionArn) } : {}),
  };
};

/** `familyPrefix` is a whole family name here (unlike ListTaskDefinitionFamilies). */
export const listTaskDefinitions: Handler<
  ListTaskDefinitionsRequest,
  ListTaskDefinitionsResponse,
  EcsState
> = (input, ctx) => {
  const status = input.status ?? 'ACTIVE';
  const families = input.familyPrefix ? [input.familyPrefix] : Object.keys(ctx.state.taskDefinitions).sort();
  const arns = families
    .flatMap((family) => ctx.state.taskDefinitions[family] ?? [])
    .filter((td) => td.status === status)
    .map((td) => td.taskDefinitionArn);
  if (input.sort === 'DESC') arns.reverse();
  const { page, nextToken } = paginate(arns, input.maxResults, input.nextToken);
  return { taskDefinitionArns: page, nextToken };
};

/** By default both families with an ACTIVE revision and families with none are listed. */
export const listTaskDefinitionFamilies: Handler<
  ListTaskDefinitionFamiliesRequest,
  ListTaskDefinitionFamiliesResponse,
  EcsState
> = (input, ctx) => {
  const status = input.status ?? 'ALL';
  const families = Object.entries(ctx.state.taskDefinitions)
    .filter(([family]) => family.startsWith(input.familyPrefix ?? ''))
    .filter(([, revisions]) => {
      const active = revisions.some((td) => td.status === 'ACTIVE');
      return status === 'ALL' || (status === 'ACTIVE') === active;
    })
    .map(([family]) => family)
    .sort();
  const { page, nextToken } = paginate(families, input.maxResults, input.nextToken);
  return { families: page, nextToken };
};

/** INACTIVE revisions stay describable by number; running tasks and services keep using them. */
export const deregisterTaskDefinition: Handler<
  Checked<DeregisterTaskDefinitionRequest, 'taskDefinition'>,
  DeregisterTaskDefinitionResponse,
  EcsState
> = (input, ctx) => {
  // A revision must be named: a bare family would otherwise resolve to its latest revision.
  if (!/:\d+$/.test(input.taskDefinition)) throw unableToDescribe();
  const td = findTaskDefinition(ctx.state, input.taskDefinition);
  if (!td) throw unableToDescribe();
  if (td.status === 'ACTIVE') {
    td.status = 'INACTIVE';
    td.deregisteredAt = Date.now();
  }
  return { taskDefinition: taskDefinitionToAws(td) };
};

/** The most revisions one DeleteTaskDefinitions call takes, as the reference says. */
const MAX_DELETED = 10;

/**
 * INACTIVE revisions move to DELETE_IN_PROGRESS: running tasks and services keep them, nothing new
 * may use them. AWS then purges a revision once nothing references it; the local cloud keeps the
 * record (revisions are never reused either way). Chosen where the reference is silent: an ACTIVE
 * revision is a failure with ECS's ClientException sentence, one that does not exist (or a family
 * without its revision) "The specified task definition does not exist.".
 */
export const deleteTaskDefinitions: Handler<
  Checked<DeleteTaskDefinitionsRequest, 'taskDefinitions'>,
  DeleteTaskDefinitionsResponse,
  EcsState
> = (input, ctx) => {
  if (input.taskDefinitions.length === 0 || input.taskDefinitions.length > MAX_DELETED) {
    throw new InvalidParameterException(`taskDefinitions must contain between 1 and ${MAX_DELETED} entries.`);
  }
  const response: Required<DeleteTaskDefinitionsResponse> = { taskDefinitions: [], failures: [] };
  const now = Date.now();
  for (const ref of input.taskDefinitions) {
    const td = /:\d+$/.test(ref) ? findTaskDefinition(ctx.state, ref) : undefined;
    if (!td) {
      response.failures.push({ arn: ref, reason: 'The specified task definition does not exist.' });
    } else if (td.status === 'ACTIVE') {
      response.failures.push({
        arn: td.taskDefinitionArn,
        reason:
          'The specified task definition is still in ACTIVE status. Please deregister the target and try again.',
      });
    } else {
      if (td.status === 'INACTIVE') {
        td.status = 'DELETE_IN_PROGRESS';
        td.deleteRequestedAt = now;
      }
      response.taskDefinitions.push(taskDefinitionToAws(td));
    }
  }
  return response;
};
