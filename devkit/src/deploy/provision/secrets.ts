import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import type { AnyResource, ProvisionContext } from './resource.ts';
import { awsTags, defineResource, unlessNotFound } from './resource.ts';

/** The secret names the task reads, each once. */
export function secretNames(ctx: ProvisionContext): string[] {
  return [...new Set(Object.values(ctx.stack.config.task.secrets))];
}

/**
 * A placeholder for each secret the task reads, so the task can start; its value is never touched
 * once it exists (the real value is set out of band, e.g. by the deploy workflow from GitHub Secrets).
 */
export function appSecret(ctx: ProvisionContext, name: string): AnyResource {
  const { secrets } = ctx.clients;
  return defineResource({
    type: 'secret',
    name,
    async observe() {
      const secret = await unlessNotFound(secrets.send(new DescribeSecretCommand({ SecretId: name })));
      if (!secret || secret.DeletedDate) return undefined;
      if (secret.ARN) ctx.found.secretArns[name] = secret.ARN;
      return secret;
    },
    drift: () => [],
    async create() {
      const { ARN } = await secrets.send(
        new CreateSecretCommand({
          Name: name,
          Description: `placeholder made by devkit; set the real value with: aws secretsmanager put-secret-value --secret-id ${name} --secret-string ...`,
          SecretString: 'placeholder',
          Tags: awsTags(ctx.tags),
        }),
      );
      if (ARN) ctx.found.secretArns[name] = ARN;
    },
    async update() {},
    async remove() {
      // The stage is being removed on purpose; a recovery window would block re-creating it by name.
      await secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    },
  });
}
