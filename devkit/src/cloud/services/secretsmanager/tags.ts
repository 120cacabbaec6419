/** Secret tags: a list of Key/Value pairs in the order they were added. */
import type { TagResourceRequest, UntagResourceRequest } from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler } from '../../service-definition.ts';
import type { SecretsState } from './state.ts';
import { liveSecret } from './state.ts';

/** Adds tags; a key already present gets the new value. */
export const tagResource: Handler<Checked<TagResourceRequest, 'SecretId' | 'Tags'>, void, SecretsState> = (
  input,
  ctx,
) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  for (const tag of input.Tags) {
    const key = tag.Key ?? '';
    const existing = secret.tags.find((t) => t.Key === key);
    if (existing) existing.Value = tag.Value ?? '';
    else secret.tags.push({ Key: key, Value: tag.Value ?? '' });
  }
};

export const untagResource: Handler<
  Checked<UntagResourceRequest, 'SecretId' | 'TagKeys'>,
  void,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  secret.tags = secret.tags.filter((t) => !input.TagKeys.includes(t.Key));
};
