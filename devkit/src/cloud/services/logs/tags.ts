/** Log group tags, through both the old (TagLogGroup) and the current (TagResource) operations; anomaly detectors' through the current ones. */
import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  ListTagsLogGroupRequest,
  ListTagsLogGroupResponse,
  TagLogGroupRequest,
  TagResourceRequest,
  UntagLogGroupRequest,
  UntagResourceRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { MAX_TAGS_PER_RESOURCE, mergedTagCount } from '../common.ts';
import { InvalidParameterException, TooManyTagsException } from './errors.ts';
import { detectorOf } from './anomaly-detectors.ts';
import type { LogsState } from './state.ts';
import { findGroup, findGroupByArn } from './state.ts';

interface Tagged {
  tags: Record<string, string>;
}

/** The resource a TagResource-family ARN names: an anomaly detector, else a log group. */
function taggedByArn(state: LogsState, resourceArn: string): Tagged {
  return /:anomaly-detector:/.test(resourceArn)
    ? detectorOf(state, resourceArn)
    : findGroupByArn(state, resourceArn);
}

/** Sets tags on a resource, refusing to take it past 50 (`error` is the operation's own error for that). */
function tag(resource: Tagged, tags: Record<string, string>, error: () => Error): void {
  if (mergedTagCount(Object.keys(resource.tags), Object.keys(tags)) > MAX_TAGS_PER_RESOURCE) throw error();
  Object.assign(resource.tags, tags);
}

const TOO_MANY_TAGS = 'A resource can have no more than 50 tags.';

function untag(resource: Tagged, keys: readonly string[]): void {
  for (const key of keys) delete resource.tags[key];
}

export const tagLogGroup: Handler<Checked<TagLogGroupRequest, 'logGroupName' | 'tags'>, void, LogsState> = (
  input,
  ctx,
) => {
  // TagLogGroup predates TooManyTagsException: its only refusal is InvalidParameterException.
  tag(
    findGroup(ctx.state, input.logGroupName),
    input.tags,
    () => new InvalidParameterException(TOO_MANY_TAGS),
  );
};

export const untagLogGroup: Handler<
  Checked<UntagLogGroupRequest, 'logGroupName' | 'tags'>,
  void,
  LogsState
> = (input, ctx) => untag(findGroup(ctx.state, input.logGroupName), input.tags);

export const listTagsLogGroup: Handler<
  Checked<ListTagsLogGroupRequest, 'logGroupName'>,
  ListTagsLogGroupResponse,
  LogsState
> = (input, ctx) => ({ tags: { ...findGroup(ctx.state, input.logGroupName).tags } });

export const tagResource: Handler<Checked<TagResourceRequest, 'resourceArn' | 'tags'>, void, LogsState> = (
  input,
  ctx,
) => {
  tag(taggedByArn(ctx.state, input.resourceArn), input.tags, () => new TooManyTagsException(TOO_MANY_TAGS));
};

export const untagResource: Handler<
  Checked<UntagResourceRequest, 'resourceArn' | 'tagKeys'>,
  void,
  LogsState
> = (input, ctx) => untag(taggedByArn(ctx.state, input.resourceArn), input.tagKeys);

export const listTagsForResource: Handler<
  Checked<ListTagsForResourceRequest, 'resourceArn'>,
  ListTagsForResourceResponse,
  LogsState
> = (input, ctx) => ({ tags: { ...taggedByArn(ctx.state, input.resourceArn).tags } });
