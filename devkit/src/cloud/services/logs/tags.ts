/** Log group tags, through both the old (TagLogGroup) and the current (TagResource) operations. */
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
import type { LogGroupRecord, LogsState } from './state.ts';
import { findGroup, findGroupByArn } from './state.ts';

function untag(group: LogGroupRecord, keys: readonly string[]): void {
  for (const key of keys) delete group.tags[key];
}

export const tagLogGroup: Handler<Checked<TagLogGroupRequest, 'logGroupName' | 'tags'>, void, LogsState> = (
  input,
  ctx,
) => {
  Object.assign(findGroup(ctx.state, input.logGroupName).tags, input.tags);
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
  Object.assign(findGroupByArn(ctx.state, input.resourceArn).tags, input.tags);
};

export const untagResource: Handler<
  Checked<UntagResourceRequest, 'resourceArn' | 'tagKeys'>,
  void,
  LogsState
> = (input, ctx) => untag(findGroupByArn(ctx.state, input.resourceArn), input.tagKeys);

export const listTagsForResource: Handler<
  Checked<ListTagsForResourceRequest, 'resourceArn'>,
  ListTagsForResourceResponse,
  LogsState
> = (input, ctx) => ({ tags: { ...findGroupByArn(ctx.state, input.resourceArn).tags } });
