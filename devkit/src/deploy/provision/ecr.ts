import {
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DeleteRepositoryCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  PutImageScanningConfigurationCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import type { AnyResource, ProvisionContext } from './resource.ts';
import { awsTags, canonicalJson, defineResource, unlessNotFound } from './resource.ts';

export function ecrRepository(ctx: ProvisionContext): AnyResource {
  const { ecr } = ctx.clients;
  const repositoryName = ctx.names.repository;
  const scanOnPush = ctx.stack.config.ecr.scanOnPush;
  return defineResource({
    type: 'ECR repository',
    name: repositoryName,
    async observe() {
      const found = await unlessNotFound(
        ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })),
      );
      const repository = found?.repositories?.[0];
      if (repository) ctx.found.repositoryUri = repository.repositoryUri;
      return repository;
    },
    drift: (repository) =>
      (repository.imageScanningConfiguration?.scanOnPush ?? false) === scanOnPush
        ? []
        : [`scanOnPush → ${scanOnPush}`],
    async create() {
      // Tags stay MUTABLE: `latest` moves with every deploy.
      const { repository } = await ecr.send(
        new CreateRepositoryCommand({
          repositoryName,
          imageTagMutability: 'MUTABLE',
          imageScanningConfiguration: { scanOnPush },
          tags: awsTags(ctx.tags),
        }),
      );
      ctx.found.repositoryUri = repository?.repositoryUri;
    },
    async update() {
      await ecr.send(
        new PutImageScanningConfigurationCommand({
          repositoryName,
          imageScanningConfiguration: { scanOnPush },
        }),
      );
    },
    async remove() {
      await ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }));
    },
  });
}

/** Keeps the last N images; older ones expire. */
export function lifecyclePolicyFor(keepImages: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `keep the last ${keepImages} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keepImages },
        action: { type: 'expire' },
      },
    ],
  });
}

export function ecrLifecyclePolicy(ctx: ProvisionContext): AnyResource {
  const { ecr } = ctx.clients;
  const repositoryName = ctx.names.repository;
  const keep = ctx.stack.config.ecr.keepImages;
  const lifecyclePolicyText = lifecyclePolicyFor(keep);
  const put = async () => {
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName, lifecyclePolicyText }));
  };
  return defineResource({
    type: 'ECR lifecycle policy',
    name: repositoryName,
    async observe() {
      if (!ctx.found.repositoryUri) return undefined;
      return unlessNotFound(ecr.send(new GetLifecyclePolicyCommand({ repositoryName })));
    },
    drift: (policy) =>
      canonicalJson(JSON.parse(policy.lifecyclePolicyText ?? '{}')) ===
      canonicalJson(JSON.parse(lifecyclePolicyText))
        ? []
        : [`keep the last ${keep} images`],
    create: put,
    update: put,
    async remove() {
      await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName }));
    },
  });
}
