/** Secret tags: a list of Key/Value pairs in the order they were added. */
import type { TagResourceRequest, UntagResourceRequest } from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler } from '../../service-definition.ts';
import { MAX_TAGS_PER_RESOURCE, mergedTagCount } from '../common.ts';
import { InvalidParameterException } from './errors.ts';
import type { SecretsState } from './state.ts';
import { syncReplicas } from './replication.ts';
import { writableSecret } from './state.ts';

/** Secrets Manager's quota: at most 50 tags per secret. */
export function checkTagCount(existing: string[], added: string[]): void {
  if (mergedTagCount(existing, added) > MAX_TAGS_PER_RESOURCE) {
    throw new InvalidParameterException(`A secret can have at most ${MAX_TAGS_PER_RESOURCE} tags.`);
  }
}

/** Adds tags; a key already present gets the new value. */
export const tagResource: Handler<Checked<TagResourceRequest, 'SecretId' | 'Tags'>, void, SecretsState> = (
  input,
  ctx,
) => {
  const secret = writableSecret(ctx.state, input.SecretId);
  checkTagCount(
    secret.tags.map((t) => t.Key),
    input.Tags.map((t) => t.Key ?? ''),
  );
  for (const tag of input.Tags) {
    const key = tag.Key ?? '';
    const existing = secret.tags.find((t) => t.Key === key);
    if (existing) existing.Value = tag.Value ?? '';
    else secret.tags.push({ Key: key, Value: tag.Value ?? '' });
  }
  syncReplicas(ctx, secret);
};

export const untagResource: Handler<
  Checked<UntagResourceRequest, 'SecretId' | 'TagKeys'>,
  void,
  SecretsState
> = (input, ctx) => {
  const secret = writableSecret(ctx.state, input.SecretId);
  secret.tags = secret.tags.filter((t) => !input.TagKeys.includes(t.Key));
  syncReplicas(ctx, secret);
};
