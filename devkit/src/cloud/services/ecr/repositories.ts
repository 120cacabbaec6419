/** Repositories: create, describe, delete, and their settings (tag mutability, scan on push). */
import type {
  CreateRepositoryRequest,
  CreateRepositoryResponse,
  DeleteRepositoryRequest,
  DeleteRepositoryResponse,
  DescribeRepositoriesRequest,
  DescribeRepositoriesResponse,
  EncryptionConfiguration,
  ImageTagMutability,
  PutImageScanningConfigurationRequest,
  PutImageScanningConfigurationResponse,
  PutImageTagMutabilityRequest,
  PutImageTagMutabilityResponse,
  Repository,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate, toDate } from '../common.ts';
import {
  InvalidParameterException,
  RepositoryAlreadyExistsException,
  RepositoryNotEmptyException,
} from './errors.ts';
import type { EcrState, RepositoryRecord } from './state.ts';
import { findRepository, repositoryArn } from './state.ts';
import { newRepositoryTags } from './tags.ts';

const NAME_PATTERN = '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*';
const NAME = new RegExp(`^${NAME_PATTERN}$`);

/** `127.0.0.1:4566/name`: the registry is this very endpoint, as the client addressed it. */
function repositoryShape(repository: RepositoryRecord, accountId: string, host: string): Repository {
  return {
    repositoryArn: repository.arn,
    registryId: accountId,
    repositoryName: repository.name,
    repositoryUri: `${host}/${repository.name}`,
    createdAt: toDate(repository.createdMs)!,
    imageTagMutability: repository.tagMutability,
    imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
    encryptionConfiguration: repository.encryption ?? { encryptionType: 'AES256' },
  };
}

/** Whether ECR takes `name` as a repository name. */
export function isRepositoryName(name: string): boolean {
  return name.length >= 2 && name.length <= 256 && NAME.test(name);
}

function checkName(name: string): void {
  if (!isRepositoryName(name)) {
    throw new InvalidParameterException(
      `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '${NAME_PATTERN}''`,
    );
  }
}

export function checkMutability(mutability: ImageTagMutability): 'MUTABLE' | 'IMMUTABLE' {
  if (mutability !== 'MUTABLE' && mutability !== 'IMMUTABLE') {
    throw new InvalidParameterException(
      `Invalid parameter at 'imageTagMutability': ${mutability} is not supported by the local cloud (MUTABLE or IMMUTABLE)`,
    );
  }
  return mutability;
}

/** Stored as given; a KMS key goes with KMS encryption only. Nothing is encrypted differently here. */
export function checkEncryption(
  given: EncryptionConfiguration | undefined,
  member: string,
): EncryptionConfiguration | undefined {
  if (given === undefined) return undefined;
  const { encryptionType, kmsKey } = given;
  if (encryptionType === 'AES256' && kmsKey !== undefined) {
    throw new InvalidParameterException(
      `Invalid parameter at '${member}.kmsKey' failed to satisfy constraint: 'a KMS key is only used with KMS encryption'`,
    );
  }
  return { encryptionType, ...(kmsKey !== undefined ? { kmsKey } : {}) };
}

/** A repository's record, as CreateRepository and a creation template make one. */
export function newRepository(
  state: EcrState,
  at: { region: string; accountId: string },
  name: string,
  settings: Pick<RepositoryRecord, 'tagMutability' | 'scanOnPush' | 'tags' | 'encryption'>,
): RepositoryRecord {
  const repository: RepositoryRecord = {
    name,
    arn: repositoryArn(at.region, at.accountId, name),
    createdMs: Date.now(),
    ...settings,
    images: nameMap(),
    blobs: nameMap(),
  };
  if (repository.encryption === undefined) delete repository.encryption;
  state.repositories[name] = repository;
  return repository;
}

export const createRepository: Handler<
  Checked<CreateRepositoryRequest, 'repositoryName'>,
  CreateRepositoryResponse,
  EcrState
> = (input, ctx) => {
  const name = input.repositoryName;
  checkName(name);
  const mutability = checkMutability(input.imageTagMutability ?? 'MUTABLE');
  const tags = newRepositoryTags(input.tags);
  const encryption = checkEncryption(input.encryptionConfiguration, 'encryptionConfiguration');
  if (Object.hasOwn(ctx.state.repositories, name)) {
    throw new RepositoryAlreadyExistsException(
      `The repository with name '${name}' already exists in the registry with id '${ctx.accountId}'`,
    );
  }
  const repository = newRepository(ctx.state, ctx, name, {
    tagMutability: mutability,
    scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
    tags,
    encryption,
  });
  return { repository: repositoryShape(repository, ctx.accountId, ctx.host) };
};

export const describeRepositories: Handler<
  DescribeRepositoriesRequest,
  DescribeRepositoriesResponse,
  EcrState
> = (input, ctx) => {
  const repositories = input.repositoryNames
    ? input.repositoryNames.map((name) => findRepository(ctx.state, name, ctx.accountId))
    : Object.values(ctx.state.repositories);
  const { page, nextToken } = paginate(repositories, input.maxResults, input.nextToken);
  return { repositories: page.map((r) => repositoryShape(r, ctx.accountId, ctx.host)), nextToken };
};

export const deleteRepository: Handler<
  Checked<DeleteRepositoryRequest, 'repositoryName'>,
  DeleteRepositoryResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  if (Object.keys(repository.images).length > 0 && !input.force) {
    throw new RepositoryNotEmptyException(
      `The repository with name '${repository.name}' in registry with id '${ctx.accountId}' cannot be deleted because it still contains images`,
    );
  }
  delete ctx.state.repositories[repository.name];
  return { repository: repositoryShape(repository, ctx.accountId, ctx.host) };
};

/** IMMUTABLE applies to pushes from now on, through the registry and PutImage alike. */
export const putImageTagMutability: Handler<
  Checked<PutImageTagMutabilityRequest, 'repositoryName' | 'imageTagMutability'>,
  PutImageTagMutabilityResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  repository.tagMutability = checkMutability(input.imageTagMutability);
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    imageTagMutability: repository.tagMutability,
  };
};

export const putImageScanningConfiguration: Handler<
  Checked<PutImageScanningConfigurationRequest, 'repositoryName' | 'imageScanningConfiguration'>,
  PutImageScanningConfigurationResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  repository.scanOnPush = input.imageScanningConfiguration.scanOnPush ?? false;
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
  };
};
