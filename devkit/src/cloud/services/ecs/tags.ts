import type {
  ListTagsForResourceRequest,
  PropagateTags,
  Tag,
  ListTagsForResourceResponse,
  TagResourceRequest,
  TagResourceResponse,
  UntagResourceRequest,
  UntagResourceResponse,
} from '@aws-sdk/client-ecs';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { MAX_TAGS_PER_RESOURCE, mergedTagCount } from '../common.ts';
import { clusterNotFound, InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import type { EcsState } from './state.ts';
import { capacityProvidersOf, clusterNameOf, lastSegment, taskDefinitionByArn } from './state.ts';

/**
 * Tags users give: keys with `aws:` are ECS's own (its managed tags). Wording chosen here; AWS
 * refuses such keys with an InvalidParameterException.
 */
export function checkUserTags(tags: readonly Tag[] | undefined): Tag[] {
  if (tags?.some((tag) => tag.key?.toLowerCase().startsWith('aws:'))) {
    throw new InvalidParameterException("Tag keys beginning with 'aws:' are reserved for AWS use.");
  }
  return [...(tags ?? [])];
}

export interface NewTaskTagging {
  /** The tags the RunTask call gave (none for a service's tasks). */
  own: Tag[];
  propagateTags: PropagateTags | string;
  serviceArn?: string;
  taskDefinitionArn: string;
  /** enableECSManagedTags: aws:ecs:clusterName (and aws:ecs:serviceName for a service's task). */
  managedTags: boolean;
  clusterArn: string;
  serviceName?: string;
}

/**
 * What a new task is tagged with: the tags propagated from its service or task definition, its own
 * (which win over propagated ones of the same key), then ECS's managed tags.
 */
export function newTaskTags(state: EcsState, tagging: NewTaskTagging): Tag[] {
  const source =
    tagging.propagateTags === 'SERVICE'
      ? tagging.serviceArn
      : tagging.propagateTags === 'TASK_DEFINITION'
        ? tagging.taskDefinitionArn
        : undefined;
  const merged = new Map<string, Tag>();
  for (const tag of [...(source ? (state.tags[source] ?? []) : []), ...tagging.own])
    merged.set(tag.key!, tag);
  if (tagging.managedTags) {
    merged.set('aws:ecs:clusterName', {
      key: 'aws:ecs:clusterName',
      value: clusterNameOf(tagging.clusterArn),
    });
    if (tagging.serviceName) {
      merged.set('aws:ecs:serviceName', { key: 'aws:ecs:serviceName', value: tagging.serviceName });
    }
  }
  return [...merged.values()];
}

/**
 * The ARN of a cluster, service, task definition, task, task set or capacity provider that exists; ECS's
 * errors otherwise. FARGATE and FARGATE_SPOT are AWS's, not the account's: they take no tags.
 */
function requireTaggable(ctx: RequestContext<EcsState>, resourceArn: string): string {
  const match =
    /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:(cluster|service|task-definition|task-set|task|capacity-provider)\/.+$/.exec(
      resourceArn,
    );
  if (!match) throw new InvalidParameterException('The ARN provided is invalid.');
  const state = ctx.state;
  switch (match[1]) {
    case 'cluster':
      if (state.clusters[lastSegment(resourceArn)]?.status !== 'ACTIVE') throw clusterNotFound();
      return resourceArn;
    case 'service':
      if (state.services[resourceArn]) return resourceArn;
      break;
    case 'task-definition':
      if (taskDefinitionByArn(state, resourceArn)) return resourceArn;
      break;
    case 'task':
      if (state.tasks[resourceArn]) return resourceArn;
      break;
    case 'task-set':
      if (Object.values(state.services).some((s) => s.taskSets?.some((t) => t.taskSetArn === resourceArn))) {
        return resourceArn;
      }
      break;
    case 'capacity-provider': {
      const provider = capacityProvidersOf(state)[lastSegment(resourceArn)];
      if (provider?.status === 'ACTIVE' && provider.capacityProviderArn === resourceArn) return resourceArn;
      break;
    }
  }
  throw new ResourceNotFoundException('The specified resource could not be found.');
}

/** Tags with an existing key are overwritten, as on AWS. */
export const tagResource: Handler<
  Checked<TagResourceRequest, 'resourceArn' | 'tags'>,
  TagResourceResponse,
  EcsState
> = (input, ctx) => {
  const arn = requireTaggable(ctx, input.resourceArn);
  checkUserTags(input.tags);
  const keys = new Set(input.tags.map((t) => t.key));
  const existing = (ctx.state.tags[arn] ?? []).map((t) => t.key!);
  if (
    mergedTagCount(
      existing,
      input.tags.map((t) => t.key!),
    ) > MAX_TAGS_PER_RESOURCE
  ) {
    throw new InvalidParameterException(`A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
  }
  ctx.state.tags[arn] = [...(ctx.state.tags[arn] ?? []).filter((t) => !keys.has(t.key)), ...input.tags];
  return {};
};

export const untagResource: Handler<
  Checked<UntagResourceRequest, 'resourceArn' | 'tagKeys'>,
  UntagResourceResponse,
  EcsState
> = (input, ctx) => {
  const arn = requireTaggable(ctx, input.resourceArn);
  const keys = new Set(input.tagKeys);
  ctx.state.tags[arn] = (ctx.state.tags[arn] ?? []).filter((t) => !keys.has(t.key!));
  return {};
};

export const listTagsForResource: Handler<
  Checked<ListTagsForResourceRequest, 'resourceArn'>,
  ListTagsForResourceResponse,
  EcsState
> = (input, ctx) => ({ tags: ctx.state.tags[requireTaggable(ctx, input.resourceArn)] ?? [] });
