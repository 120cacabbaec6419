/** PutLifecyclePolicy / GetLifecyclePolicy / DeleteLifecyclePolicy. */
import type {
  DeleteLifecyclePolicyRequest,
  DeleteLifecyclePolicyResponse,
  GetLifecyclePolicyRequest,
  GetLifecyclePolicyResponse,
  PutLifecyclePolicyRequest,
  PutLifecyclePolicyResponse,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import { toDate } from '../common.ts';
import { LifecyclePolicyNotFoundException } from './errors.ts';
import { applyLifecyclePolicy, parseLifecyclePolicy } from './lifecycle.ts';
import type { EcrState, RepositoryRecord } from './state.ts';
import { findRepository } from './state.ts';

export function lifecyclePolicyNotFound(
  repository: RepositoryRecord,
  accountId: string,
): LifecyclePolicyNotFoundException {
  return new LifecyclePolicyNotFoundException(
    `Lifecycle policy does not exist for the repository with name '${repository.name}' in the registry with id '${accountId}'`,
  );
}

function policyOf(
  repository: RepositoryRecord,
  accountId: string,
): NonNullable<RepositoryRecord['lifecyclePolicy']> {
  if (!repository.lifecyclePolicy) throw lifecyclePolicyNotFound(repository, accountId);
  return repository.lifecyclePolicy;
}

export const putLifecyclePolicy: Handler<
  Checked<PutLifecyclePolicyRequest, 'repositoryName' | 'lifecyclePolicyText'>,
  PutLifecyclePolicyResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  parseLifecyclePolicy(input.lifecyclePolicyText);
  repository.lifecyclePolicy = { text: input.lifecyclePolicyText };
  applyLifecyclePolicy(repository, Date.now());
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    lifecyclePolicyText: input.lifecyclePolicyText,
  };
};

export const getLifecyclePolicy: Handler<
  Checked<GetLifecyclePolicyRequest, 'repositoryName'>,
  GetLifecyclePolicyResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const policy = policyOf(repository, ctx.accountId);
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    lifecyclePolicyText: policy.text,
    lastEvaluatedAt: toDate(policy.lastEvaluatedMs),
  };
};

export const deleteLifecyclePolicy: Handler<
  Checked<DeleteLifecyclePolicyRequest, 'repositoryName'>,
  DeleteLifecyclePolicyResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const policy = policyOf(repository, ctx.accountId);
  delete repository.lifecyclePolicy;
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    lifecyclePolicyText: policy.text,
    lastEvaluatedAt: toDate(policy.lastEvaluatedMs),
  };
};
