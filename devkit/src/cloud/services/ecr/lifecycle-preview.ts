/**
 * StartLifecyclePolicyPreview / GetLifecyclePolicyPreview: the repository's lifecycle policy (or
 * the one given) evaluated against its images by the evaluator that applies policies
 * (lifecycle.ts), expiring nothing. ECR runs a preview in the background; here it completes
 * within the call, so Start already answers COMPLETE. The outcome is kept with the repository
 * until the next preview, as the images were when it ran.
 */
import type {
  GetLifecyclePolicyPreviewRequest,
  GetLifecyclePolicyPreviewResponse,
  LifecyclePolicyPreviewResult,
  StartLifecyclePolicyPreviewRequest,
  StartLifecyclePolicyPreviewResponse,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import { LifecyclePolicyPreviewNotFoundException } from './errors.ts';
import { lifecyclePolicyNotFound } from './lifecycle-policy.ts';
import { expiredImages, parseLifecyclePolicy } from './lifecycle.ts';
import type { EcrState, LifecyclePreviewRecord } from './state.ts';
import { findRepository } from './state.ts';

export const startLifecyclePolicyPreview: Handler<
  Checked<StartLifecyclePolicyPreviewRequest, 'repositoryName'>,
  StartLifecyclePolicyPreviewResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const text = input.lifecyclePolicyText ?? repository.lifecyclePolicy?.text;
  if (text === undefined) throw lifecyclePolicyNotFound(repository, ctx.accountId);
  const expiring = expiredImages(parseLifecyclePolicy(text), Object.values(repository.images), Date.now());
  repository.lifecyclePreview = {
    text,
    expiring: expiring.map(({ image, rulePriority }) => ({
      digest: image.digest,
      tags: [...image.tags],
      pushedMs: image.pushedMs,
      rulePriority,
    })),
  };
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    lifecyclePolicyText: text,
    status: 'COMPLETE',
  };
};

type Expiring = LifecyclePreviewRecord['expiring'][number];

function wanted(input: GetLifecyclePolicyPreviewRequest): (entry: Expiring) => boolean {
  const status = input.filter?.tagStatus ?? 'ANY';
  return (entry) =>
    (status === 'ANY' || (status === 'TAGGED') === entry.tags.length > 0) &&
    (input.imageIds === undefined ||
      input.imageIds.some(
        (id) =>
          (id.imageDigest === undefined || id.imageDigest === entry.digest) &&
          (id.imageTag === undefined || entry.tags.includes(id.imageTag)) &&
          (id.imageDigest !== undefined || id.imageTag !== undefined),
      ));
}

export const getLifecyclePolicyPreview: Handler<
  Checked<GetLifecyclePolicyPreviewRequest, 'repositoryName'>,
  GetLifecyclePolicyPreviewResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const preview = repository.lifecyclePreview;
  if (!preview) {
    throw new LifecyclePolicyPreviewNotFoundException(
      `Lifecycle policy preview does not exist for the repository with name '${repository.name}' in the registry with id '${ctx.accountId}'`,
    );
  }
  const { page, nextToken } = paginate(
    preview.expiring.filter(wanted(input)),
    input.maxResults,
    input.nextToken,
  );
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    lifecyclePolicyText: preview.text,
    status: 'COMPLETE',
    nextToken,
    previewResults: page.map((entry): LifecyclePolicyPreviewResult => ({
      imageTags: entry.tags,
      imageDigest: entry.digest,
      imagePushedAt: toDate(entry.pushedMs),
      action: { type: 'EXPIRE' },
      appliedRulePriority: entry.rulePriority,
      storageClass: 'STANDARD',
    })),
    summary: { expiringImageTotalCount: preview.expiring.length },
  };
};
