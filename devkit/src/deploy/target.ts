import type { ECSClientConfig } from '@aws-sdk/client-ecs';
import { DeployError } from './progress.ts';

/**
 * Where the pipeline deploys. The three targets differ only here: the endpoint, the credentials and
 * how that endpoint is checked before anything is sent (registry login is ECR's own token for all).
 */
export type TargetName = 'local' | 'localstack' | 'aws';
export const TARGET_NAMES: readonly TargetName[] = ['local', 'localstack', 'aws'];

export type Credentials = NonNullable<ECSClientConfig['credentials']>;

export interface Target {
  name: TargetName;
  region: string;
  /** undefined: AWS's own regional endpoints. */
  endpoint: string | undefined;
  credentials: Credentials;
}

export const LOCAL_ENDPOINT = 'http://127.0.0.1:4566';
export const LOCALSTACK_ENDPOINT = 'http://127.0.0.1:4566';

/**
 * Emulators accept any credentials; these are the conventional ones (the local cloud's account root).
 * A new object each time: the SDK marks the credentials objects it is given.
 */
export function emulatorCredentials(): Credentials {
  return { accessKeyId: 'test', secretAccessKey: 'test' };
}

export interface TargetOptions {
  region: string;
  /** Overrides the target's default endpoint (local and localstack only). */
  endpoint?: string;
  /** Overrides the credentials (local and localstack only): by default the environment's, else the emulator's. */
  credentials?: Credentials;
}

/**
 * An emulator's credentials: keys in the environment win, as the AWS CLI and SDKs take them (how the
 * role deploy.yml's OIDC step assumed reaches `devkit deploy` when that step is rehearsed offline);
 * else the conventional ones.
 */
function targetCredentials(options: TargetOptions): Credentials {
  if (options.credentials) return options.credentials;
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) return emulatorCredentials();
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
  };
}

/** Resolves a target, refusing with one line saying what to fix when it cannot be used. */
export async function resolveTarget(name: TargetName, options: TargetOptions): Promise<Target> {
  switch (name) {
    case 'local':
      return localTarget(options);
    case 'localstack':
      return localstackTarget(options);
    case 'aws':
      return awsTarget(options);
  }
}

async function localTarget(options: TargetOptions): Promise<Target> {
  const endpoint = options.endpoint ?? LOCAL_ENDPOINT;
  const health = await getJson(`${endpoint}/_devkit/health`);
  if (!health) {
    throw new DeployError(
      `the local cloud does not answer at ${endpoint}: start it with \`npm run up\` or \`npx devkit cloud\``,
    );
  }
  return { name: 'local', region: options.region, endpoint, credentials: targetCredentials(options) };
}

async function localstackTarget(options: TargetOptions): Promise<Target> {
  const endpoint = options.endpoint ?? LOCALSTACK_ENDPOINT;
  const health = (await getJson(`${endpoint}/_localstack/health`)) as
    { services?: Record<string, string> } | undefined;
  if (!health) {
    throw new DeployError(
      `LocalStack does not answer at ${endpoint}: start it with LOCALSTACK_AUTH_TOKEN set (\`devkit up --target localstack\`), or use --target local`,
    );
  }
  const missing = ['ecs', 'ecr'].filter(
    (service) => !['available', 'running'].includes(health.services?.[service] ?? ''),
  );
  if (missing.length > 0) {
    const states = missing.map((s) => `${s}: ${health.services?.[s] ?? 'absent'}`).join(', ');
    throw new DeployError(
      `LocalStack at ${endpoint} has no ${missing.join('/').toUpperCase()} (${states}): they need LOCALSTACK_AUTH_TOKEN for a plan that includes them; or use --target local`,
    );
  }
  return {
    name: 'localstack',
    region: options.region,
    endpoint,
    credentials: targetCredentials(options),
  };
}

/** The SDK's default credential chain (environment, shared config, SSO, web identity, container/instance roles). */
async function awsTarget(options: TargetOptions): Promise<Target> {
  // Loaded here so the CLI's start (and every other target) does not pay for the SDK.
  const { STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ region: options.region });
  const credentials = sts.config.credentials;
  try {
    await credentials();
  } catch (error) {
    throw new DeployError(
      `AWS credentials missing for --target aws: ${(error as Error).message.split('\n')[0]}. Fix: set AWS_PROFILE (after \`aws sso login\` or \`aws configure\`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; in GitHub Actions use aws-actions/configure-aws-credentials`,
    );
  } finally {
    sts.destroy();
  }
  return { name: 'aws', region: options.region, endpoint: undefined, credentials };
}

async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}
