/** Tags on load balancers, target groups, listeners and rules: Add, Remove, Describe. */
import type {
  AddTagsInput,
  AddTagsOutput,
  DescribeTagsInput,
  DescribeTagsOutput,
  RemoveTagsInput,
  RemoveTagsOutput,
  Tag,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Checked, Handler } from '../../service-definition.ts';
import { MAX_TAGS_PER_RESOURCE, mergedTagCount } from '../common.ts';
import { elbError } from './errors.ts';
import type { Elbv2State } from './state.ts';
import { requireListener, requireLoadBalancer, requireRule, requireTargetGroup } from './state.ts';

/** The resource an ARN names must exist, with the error its kind gets. */
function requireResource(state: Elbv2State, arn: string): void {
  if (arn.includes(':loadbalancer/')) requireLoadBalancer(state, arn);
  else if (arn.includes(':targetgroup/')) requireTargetGroup(state, arn);
  else if (arn.includes(':listener/')) requireListener(state, arn);
  else if (arn.includes(':listener-rule/')) requireRule(state, arn);
  else throw elbError('ValidationError', `'${arn}' is not a valid resource ARN`);
}

/** A request's tags: no key twice, and within the per-resource limit once merged. */
export function checkTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const keys = added.map((t) => t.Key!);
  if (new Set(keys).size !== keys.length) {
    throw elbError('DuplicateTagKeys', 'A tag key was specified more than once.');
  }
  if (
    mergedTagCount(
      existing.map((t) => t.Key!),
      keys,
    ) > MAX_TAGS_PER_RESOURCE
  ) {
    throw elbError(
      'TooManyTags',
      'The quota for the number of tags that can be assigned to a load balancer has been reached',
    );
  }
  const merged = new Map(existing.map((t) => [t.Key!, t.Value]));
  for (const tag of added) merged.set(tag.Key!, tag.Value ?? '');
  return [...merged].map(([Key, Value]) => ({ Key, Value: Value ?? '' }));
}

export const addTags: Handler<Checked<AddTagsInput, 'ResourceArns' | 'Tags'>, AddTagsOutput, Elbv2State> = (
  input,
  ctx,
) => {
  for (const arn of input.ResourceArns) requireResource(ctx.state, arn);
  const merged = input.ResourceArns.map((arn) => checkTags(ctx.state.tags[arn] ?? [], input.Tags));
  input.ResourceArns.forEach((arn, i) => (ctx.state.tags[arn] = merged[i]!));
  return {};
};

export const removeTags: Handler<
  Checked<RemoveTagsInput, 'ResourceArns' | 'TagKeys'>,
  RemoveTagsOutput,
  Elbv2State
> = (input, ctx) => {
  for (const arn of input.ResourceArns) requireResource(ctx.state, arn);
  for (const arn of input.ResourceArns) {
    const remaining = (ctx.state.tags[arn] ?? []).filter((t) => !input.TagKeys.includes(t.Key!));
    if (remaining.length) ctx.state.tags[arn] = remaining;
    else delete ctx.state.tags[arn];
  }
  return {};
};

export const describeTags: Handler<
  Checked<DescribeTagsInput, 'ResourceArns'>,
  DescribeTagsOutput,
  Elbv2State
> = (input, ctx) => {
  for (const arn of input.ResourceArns) requireResource(ctx.state, arn);
  return {
    TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: ctx.state.tags[arn] ?? [] })),
  };
};
