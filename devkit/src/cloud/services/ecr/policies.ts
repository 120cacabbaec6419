/**
 * Registry and repository policies, and the registry's replication configuration: stored state
 * that IaC writes and reads back. They are not enforced (IAM enforcement does not cover ECR's
 * resource policies), and nothing is replicated: the local registry is one. Policy texts are kept
 * as given, where AWS hands back its own pretty-printed copy.
 */
import type {
  DeleteRegistryPolicyRequest,
  DeleteRegistryPolicyResponse,
  DeleteRepositoryPolicyRequest,
  DeleteRepositoryPolicyResponse,
  DescribeRegistryRequest,
  DescribeRegistryResponse,
  GetRegistryPolicyRequest,
  GetRegistryPolicyResponse,
  GetRepositoryPolicyRequest,
  GetRepositoryPolicyResponse,
  PutRegistryPolicyRequest,
  PutRegistryPolicyResponse,
  PutReplicationConfigurationRequest,
  PutReplicationConfigurationResponse,
  SetRepositoryPolicyRequest,
  SetRepositoryPolicyResponse,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import {
  InvalidParameterException,
  RegistryPolicyNotFoundException,
  RepositoryPolicyNotFoundException,
} from './errors.ts';
import type { EcrState, RepositoryRecord } from './state.ts';
import { findRepository } from './state.ts';

/** A policy must at least be a JSON object with statements, or ECR refuses it. */
export function checkPolicy(text: string, kind: 'registry' | 'repository'): string {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    policy = undefined;
  }
  const statements = (policy as { Statement?: unknown } | undefined)?.Statement;
  if (!policy || typeof policy !== 'object' || Array.isArray(policy) || statements === undefined) {
    throw new InvalidParameterException(
      `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid ${kind} policy provided'`,
    );
  }
  return text;
}

function registryPolicyNotFound(accountId: string): RegistryPolicyNotFoundException {
  return new RegistryPolicyNotFoundException(
    `Registry policy does not exist in the registry with id '${accountId}'`,
  );
}

export const putRegistryPolicy: Handler<
  Checked<PutRegistryPolicyRequest, 'policyText'>,
  PutRegistryPolicyResponse,
  EcrState
> = (input, ctx) => {
  ctx.state.registryPolicy = checkPolicy(input.policyText, 'registry');
  return { registryId: ctx.accountId, policyText: ctx.state.registryPolicy };
};

export const getRegistryPolicy: Handler<GetRegistryPolicyRequest, GetRegistryPolicyResponse, EcrState> = (
  _input,
  ctx,
) => {
  if (ctx.state.registryPolicy === undefined) throw registryPolicyNotFound(ctx.accountId);
  return { registryId: ctx.accountId, policyText: ctx.state.registryPolicy };
};

export const deleteRegistryPolicy: Handler<
  DeleteRegistryPolicyRequest,
  DeleteRegistryPolicyResponse,
  EcrState
> = (_input, ctx) => {
  const policyText = ctx.state.registryPolicy;
  if (policyText === undefined) throw registryPolicyNotFound(ctx.accountId);
  delete ctx.state.registryPolicy;
  return { registryId: ctx.accountId, policyText };
};

export const describeRegistry: Handler<DescribeRegistryRequest, DescribeRegistryResponse, EcrState> = (
  _input,
  ctx,
) => ({
  registryId: ctx.accountId,
  replicationConfiguration: ctx.state.replicationConfiguration ?? { rules: [] },
});

export const putReplicationConfiguration: Handler<
  Checked<PutReplicationConfigurationRequest, 'replicationConfiguration'>,
  PutReplicationConfigurationResponse,
  EcrState
> = (input, ctx) => {
  const { rules } = input.replicationConfiguration;
  ctx.state.replicationConfiguration = { rules: rules ?? [] };
  return { replicationConfiguration: ctx.state.replicationConfiguration };
};

function repositoryPolicyNotFound(repository: RepositoryRecord, accountId: string): Error {
  return new RepositoryPolicyNotFoundException(
    `Repository policy does not exist for the repository with name '${repository.name}' in the registry with id '${accountId}'`,
  );
}

export const setRepositoryPolicy: Handler<
  Checked<SetRepositoryPolicyRequest, 'repositoryName' | 'policyText'>,
  SetRepositoryPolicyResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  repository.policyText = checkPolicy(input.policyText, 'repository');
  return { registryId: ctx.accountId, repositoryName: repository.name, policyText: repository.policyText };
};

export const getRepositoryPolicy: Handler<
  Checked<GetRepositoryPolicyRequest, 'repositoryName'>,
  GetRepositoryPolicyResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  if (repository.policyText === undefined) throw repositoryPolicyNotFound(repository, ctx.accountId);
  return { registryId: ctx.accountId, repositoryName: repository.name, policyText: repository.policyText };
};

export const deleteRepositoryPolicy: Handler<
  Checked<DeleteRepositoryPolicyRequest, 'repositoryName'>,
  DeleteRepositoryPolicyResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const policyText = repository.policyText;
  if (policyText === undefined) throw repositoryPolicyNotFound(repository, ctx.accountId);
  delete repository.policyText;
  return { registryId: ctx.accountId, repositoryName: repository.name, policyText };
};
