import type {
  ListTagsForResourceRequest,
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
import { lastSegment, taskDefinitionByArn } from './state.ts';

/** The ARN of a cluster, service, task definition or task that exists; ECS's errors otherwise. */
function requireTaggable(ctx: RequestContext<EcsState>, resourceArn: string): string {
  const match = /^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:(cluster|service|task-definition|task)\/.+$/.exec(
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
