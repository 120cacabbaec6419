/**
 * Repository tags (the only resource ECR tags): TagResource, UntagResource, ListTagsForResource and
 * the tags CreateRepository takes. ECR's model puts no bound on keys or values; its documentation
 * does (keys 1–128 characters, values up to 256, at most 50 tags), as does AWS's tagging rule that
 * `aws:` keys are AWS's own. Those refusals are InvalidTagParameterException and
 * TooManyTagsException, worded as ECR documents the exceptions.
 */
import type {
  ListTagsForResourceRequest,
  ListTagsForResourceResponse,
  Tag,
  TagResourceRequest,
  TagResourceResponse,
  UntagResourceRequest,
  UntagResourceResponse,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { MAX_TAGS_PER_RESOURCE, mergedTagCount } from '../common.ts';
import {
  InvalidParameterException,
  InvalidTagParameterException,
  RepositoryNotFoundException,
  TooManyTagsException,
} from './errors.ts';
import type { EcrState, RepositoryRecord, RepositoryTag } from './state.ts';
import { findRepository } from './state.ts';

const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;

function checkKey(key: string): void {
  if (key.length < 1 || key.length > MAX_KEY_LENGTH) {
    throw new InvalidTagParameterException(
      `Tag keys must be 1 to ${MAX_KEY_LENGTH} characters long (got ${key.length}).`,
    );
  }
  if (key.toLowerCase().startsWith('aws:')) {
    throw new InvalidTagParameterException("Tag keys beginning with 'aws:' are reserved for AWS use.");
  }
}

/** Tags as a request gives them, checked, each key once (the last value of a repeated key wins). */
function checkedTags(tags: readonly Tag[]): RepositoryTag[] {
  const byKey = new Map<string, string>();
  for (const tag of tags) {
    const key = tag.Key ?? '';
    const value = tag.Value ?? '';
    checkKey(key);
    if (value.length > MAX_VALUE_LENGTH) {
      throw new InvalidTagParameterException(
        `Tag values can be at most ${MAX_VALUE_LENGTH} characters long (got ${value.length} for key '${key}').`,
      );
    }
    byKey.set(key, value);
  }
  return [...byKey].map(([Key, Value]) => ({ Key, Value }));
}

function checkCount(existing: readonly RepositoryTag[], added: readonly RepositoryTag[]): void {
  const count = mergedTagCount(
    existing.map((t) => t.Key),
    added.map((t) => t.Key),
  );
  if (count > MAX_TAGS_PER_RESOURCE) {
    throw new TooManyTagsException(
      `The list of tags on the repository is over the limit. The maximum number of tags that can be applied to a repository is ${MAX_TAGS_PER_RESOURCE} (it would carry ${count}).`,
    );
  }
}

/** A new repository's tags (CreateRepository's `tags`). */
export function newRepositoryTags(tags: readonly Tag[] | undefined): RepositoryTag[] {
  const checked = checkedTags(tags ?? []);
  checkCount([], checked);
  return checked;
}

const REPOSITORY_ARN = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/;

/** The repository an ARN names: ECR's errors for an ARN that is not one, or names none here. */
function taggedRepository(ctx: RequestContext<EcrState>, resourceArn: string): RepositoryRecord {
  const match = REPOSITORY_ARN.exec(resourceArn);
  if (!match) {
    throw new InvalidParameterException(
      `Invalid parameter at 'resourceArn' failed to satisfy constraint: 'must be the ARN of an Amazon ECR repository' (got '${resourceArn}')`,
    );
  }
  const [, region, account, name] = match as unknown as [string, string, string, string];
  // Another region's or account's repository is not in this registry.
  if (region !== ctx.region || account !== ctx.accountId) {
    throw new RepositoryNotFoundException(
      `The repository with name '${name}' does not exist in the registry with id '${account}'`,
    );
  }
  return findRepository(ctx.state, name, ctx.accountId);
}

/** Adds tags; a key the repository already has gets the new value. */
export const tagResource: Handler<
  Checked<TagResourceRequest, 'resourceArn' | 'tags'>,
  TagResourceResponse,
  EcrState
> = (input, ctx) => {
  const repository = taggedRepository(ctx, input.resourceArn);
  const added = checkedTags(input.tags);
  const existing = repository.tags ?? [];
  checkCount(existing, added);
  const replaced = new Set(added.map((t) => t.Key));
  repository.tags = [...existing.filter((t) => !replaced.has(t.Key)), ...added];
  return {};
};

/** Removes the tags with these keys; keys the repository does not have are no error. */
export const untagResource: Handler<
  Checked<UntagResourceRequest, 'resourceArn' | 'tagKeys'>,
  UntagResourceResponse,
  EcrState
> = (input, ctx) => {
  const repository = taggedRepository(ctx, input.resourceArn);
  for (const key of input.tagKeys) checkKey(key);
  const removed = new Set(input.tagKeys);
  repository.tags = (repository.tags ?? []).filter((t) => !removed.has(t.Key));
  return {};
};

export const listTagsForResource: Handler<
  Checked<ListTagsForResourceRequest, 'resourceArn'>,
  ListTagsForResourceResponse,
  EcrState
> = (input, ctx) => ({ tags: (taggedRepository(ctx, input.resourceArn).tags ?? []).map((t) => ({ ...t })) });
