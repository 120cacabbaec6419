import Docker from 'dockerode';
import type { Stack } from '../stack/load.ts';
import { buildImage } from './build.ts';
import type { AwsClients } from './clients.ts';
import { gitImageTag } from './git.ts';
import type { Progress } from './progress.ts';
import type { ProvisionedStack } from './provision.ts';
import { provision } from './provision.ts';
import { pushImage } from './push.ts';
import { registerTaskDefinition } from './register.ts';
import type { RolloutOptions, RolloutResult } from './rollout.ts';
import { DEFAULT_ROLLOUT_OPTIONS, rollOut } from './rollout.ts';
import type { VerifyOptions, VerifyResult } from './verify.ts';
import { DEFAULT_VERIFY_OPTIONS, verifyDeployment } from './verify.ts';

export interface DeployOptions {
  /** Plan only: report what provisioning would change, deploy nothing. */
  dryRun?: boolean;
  docker?: Docker;
  /** The image tag; by default the git commit (with -dirty) of the build context. */
  imageTag?: string;
  rollout?: RolloutOptions;
  verify?: VerifyOptions | false;
}

export interface DeployResult {
  provisioned: ProvisionedStack | undefined;
  image: string | undefined;
  taskDefinitionArn: string | undefined;
  rollout: RolloutResult | undefined;
  verify: VerifyResult | undefined;
}

/**
 * The pipeline, the same for every target: provision → build → push → register → roll out → verify.
 * Each step reports through `progress`; a failed step throws a DeployError naming it.
 */
export async function deploy(
  clients: AwsClients,
  stack: Stack,
  progress: Progress,
  options: DeployOptions = {},
): Promise<DeployResult> {
  const { provisioned } = await provision(clients, stack, progress, { dryRun: options.dryRun ?? false });
  if (!provisioned)
    return {
      provisioned,
      image: undefined,
      taskDefinitionArn: undefined,
      rollout: undefined,
      verify: undefined,
    };
  const docker = options.docker ?? new Docker();
  const tag = options.imageTag ?? (await gitImageTag(stack.buildContext));
  const built = await buildImage(docker, stack, { repository: provisioned.repositoryUri, tag }, progress);
  const pushed = await pushImage(docker, clients, built, progress);
  const { taskDefinitionArn } = await registerTaskDefinition(
    clients,
    stack,
    provisioned,
    pushed.reference,
    progress,
  );
  const rollout = await rollOut(
    clients,
    stack,
    provisioned,
    taskDefinitionArn,
    progress,
    options.rollout ?? DEFAULT_ROLLOUT_OPTIONS,
  );
  const verify =
    options.verify === false
      ? undefined
      : await verifyDeployment(clients, stack, progress, options.verify ?? DEFAULT_VERIFY_OPTIONS);
  return { provisioned, image: pushed.reference, taskDefinitionArn, rollout, verify };
}
