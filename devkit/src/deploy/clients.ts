import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { STSClient } from '@aws-sdk/client-sts';
import { createRequire } from 'node:module';
import type { Target } from './target.ts';

/** The AWS SDK clients the pipeline uses, all pointed at one target. */
export interface AwsClients {
  ecs: ECSClient;
  ecr: ECRClient;
  logs: CloudWatchLogsClient;
  cloudwatch: CloudWatchClient;
  iam: IAMClient;
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  secrets: SecretsManagerClient;
  sts: STSClient;
}

type ClientConfig = { region: string; credentials: Target['credentials']; endpoint?: string };

// The SDK's packages are CommonJS (no ESM entry), so require() gives the very module an import
// would: a command loads only the packages of the clients it uses.
const require = createRequire(import.meta.url);
const load = <T>(pkg: string, name: string): T => (require(pkg) as Record<string, T>)[name]!;
const MAKERS: { [K in keyof AwsClients]: (config: ClientConfig) => AwsClients[K] } = {
  ecs: (c) => new (load<typeof ECSClient>('@aws-sdk/client-ecs', 'ECSClient'))(c),
  ecr: (c) => new (load<typeof ECRClient>('@aws-sdk/client-ecr', 'ECRClient'))(c),
  logs: (c) =>
    new (load<typeof CloudWatchLogsClient>('@aws-sdk/client-cloudwatch-logs', 'CloudWatchLogsClient'))(c),
  cloudwatch: (c) => new (load<typeof CloudWatchClient>('@aws-sdk/client-cloudwatch', 'CloudWatchClient'))(c),
  iam: (c) => new (load<typeof IAMClient>('@aws-sdk/client-iam', 'IAMClient'))(c),
  ec2: (c) => new (load<typeof EC2Client>('@aws-sdk/client-ec2', 'EC2Client'))(c),
  elbv2: (c) =>
    new (load<typeof ElasticLoadBalancingV2Client>(
      '@aws-sdk/client-elastic-load-balancing-v2',
      'ElasticLoadBalancingV2Client',
    ))(c),
  secrets: (c) =>
    new (load<typeof SecretsManagerClient>('@aws-sdk/client-secrets-manager', 'SecretsManagerClient'))(c),
  sts: (c) => new (load<typeof STSClient>('@aws-sdk/client-sts', 'STSClient'))(c),
};

/** The clients each createClients() made so far: destroyClients() ends those, making no other. */
const made = new WeakMap<AwsClients, Partial<AwsClients>>();

/**
 * Every client, made on first use: status, logs or wait never load EC2's package (~0.3 CPU-s of a
 * command's start), IAM's or Secrets Manager's.
 */
export function createClients(target: Target): AwsClients {
  const config: ClientConfig = {
    region: target.region,
    credentials: target.credentials,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
  };
  const clients = {} as AwsClients;
  const ready: Partial<AwsClients> = {};
  made.set(clients, ready);
  const define = <K extends keyof AwsClients>(name: K) =>
    Object.defineProperty(clients, name, {
      enumerable: true,
      get: (): AwsClients[K] => (ready[name] ??= MAKERS[name](config)),
    });
  for (const name of Object.keys(MAKERS) as Array<keyof AwsClients>) define(name);
  return clients;
}

export function destroyClients(clients: AwsClients): void {
  for (const client of Object.values(made.get(clients) ?? {})) client.destroy();
}
