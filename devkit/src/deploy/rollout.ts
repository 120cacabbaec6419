import type { Deployment, Service, ServiceEvent, Task } from '@aws-sdk/client-ecs';
import {
  CreateServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames, stackTags } from './names.ts';
import type { Progress, RolloutSnapshot, StepReport } from './progress.ts';
import { DeployError, runStep } from './progress.ts';
import type { ProvisionedStack } from './provision.ts';
import { revisionName } from './register.ts';

export interface RolloutOptions {
  /** How long to follow a rollout before giving up (it goes on in ECS). */
  timeoutMs: number;
  /** Time between DescribeServices polls. */
  pollMs: number;
}

// Polled every 0.5 s: a local rollout completes within seconds, and each poll's wait adds to the deploy.
export const DEFAULT_ROLLOUT_OPTIONS: RolloutOptions = { timeoutMs: 15 * 60_000, pollMs: 500 };

export interface RolloutResult {
  deploymentId: string;
  taskDefinition: string;
}

export interface ServiceRef {
  cluster: string;
  service: string;
}

export type RolloutVerdict =
  { state: 'in-progress' } | { state: 'completed' } | { state: 'failed'; reason: string };

/**
 * Whether the deployment we started has finished. Success is only OUR deployment COMPLETED as PRIMARY:
 * a circuit-breaker rollback also ends with a stable service (the `services-stable` waiter passes), but
 * for us it is a failed deploy.
 */
export function judgeRollout(
  service: Service,
  deploymentId: string,
  newEvents: ServiceEvent[],
): RolloutVerdict {
  const deployments = service.deployments ?? [];
  const ours = deployments.find((d) => d.id === deploymentId);
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const rollingBack = newEvents.find((e) => /rolling back/i.test(e.message ?? ''));
  if (primary && primary.id !== deploymentId) {
    return {
      state: 'failed',
      reason: `rolled back: ${primary.id} (${revisionName(primary.taskDefinition ?? '?')}) is PRIMARY again instead of ${deploymentId}${ours?.rolloutStateReason ? ` — ${ours.rolloutStateReason}` : ''}`,
    };
  }
  if (rollingBack) return { state: 'failed', reason: `rolled back: ${rollingBack.message}` };
  if (!ours) return { state: 'failed', reason: `deployment ${deploymentId} is gone from the service` };
  if (ours.rolloutState === 'FAILED') {
    return {
      state: 'failed',
      reason: `deployment ${deploymentId} FAILED: ${ours.rolloutStateReason ?? 'no reason given'}`,
    };
  }
  if (ours.rolloutState === 'COMPLETED') return { state: 'completed' };
  // Without the circuit breaker there is no rolloutState: done when ours alone runs the desired count.
  if (!ours.rolloutState && deployments.length === 1 && ours.runningCount === ours.desiredCount) {
    return { state: 'completed' };
  }
  return { state: 'in-progress' };
}

/** The deployment failed or was rolled back (as opposed to the pipeline failing to follow it). */
export class RolloutFailedError extends DeployError {
  constructor(reason: string) {
    super(`deploy FAILED: ${reason}`, 'rollout');
    this.name = 'RolloutFailedError';
  }
}

export async function describeService(
  clients: AwsClients,
  ref: ServiceRef,
  include?: 'TAGS'[],
): Promise<Service | undefined> {
  const { services = [] } = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service], include }),
  );
  return services.find((s) => s.status !== 'INACTIVE');
}

/** The service's tasks, running and stopped (ECS starts a service's tasks "by" the deployment id). */
async function serviceTasks(clients: AwsClients, ref: ServiceRef): Promise<Task[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const { taskArns = [] } = await clients.ecs.send(
      new ListTasksCommand({ cluster: ref.cluster, serviceName: ref.service, desiredStatus }),
    );
    arns.push(...taskArns);
  }
  if (arns.length === 0) return [];
  const { tasks = [] } = await clients.ecs.send(
    new DescribeTasksCommand({ cluster: ref.cluster, tasks: arns }),
  );
  return tasks;
}

const ofDeployment = (task: Task, deployment: Deployment) =>
  task.startedBy === deployment.id || task.taskDefinitionArn === deployment.taskDefinition;

/** Why a task stopped, as ECS says it, with the containers' own reasons and exit codes. */
export function stoppedTaskLine(task: Task): string {
  const reason = task.stoppedReason ?? task.stopCode ?? 'no reason given';
  const containers = (task.containers ?? []).flatMap((c) => {
    // A container's reason often repeats the task's: say it once.
    const own = c.reason && !reason.includes(c.reason) && !c.reason.includes(reason) ? c.reason : '';
    const words = [own, c.exitCode !== undefined ? `exit code ${c.exitCode}` : ''].filter(Boolean);
    return words.length ? [`${c.name}: ${words.join(', ')}`] : [];
  });
  const id = task.taskArn?.split('/').at(-1) ?? '?';
  return `task ${id} stopped: ${reason}${containers.length ? ` (${containers.join('; ')})` : ''}`;
}

/**
 * Follows a deployment live until it completes, fails or is rolled back: a snapshot whenever the
 * counts change, each new service event once, oldest first.
 */
export async function followRollout(
  clients: AwsClients,
  ref: ServiceRef,
  deploymentId: string,
  seenEventIds: Set<string>,
  report: StepReport,
  options: RolloutOptions,
): Promise<RolloutResult> {
  const deadline = Date.now() + options.timeoutMs;
  let lastSnapshot = '';
  const reportedStops = new Set<string>();
  for (;;) {
    const service = await describeService(clients, ref);
    if (!service) throw new DeployError(`service ${ref.service} disappeared during the rollout`, 'rollout');
    const newEvents = (service.events ?? []).filter((e) => e.id && !seenEventIds.has(e.id)).reverse();
    for (const event of newEvents) {
      seenEventIds.add(event.id as string);
      report.output(event.message ?? '');
    }
    const ours = service.deployments?.find((d) => d.id === deploymentId);
    const tasks = ours ? await serviceTasks(clients, ref) : [];
    for (const task of tasks) {
      // Only tasks this deployment started: stopped tasks of an earlier one may share its revision.
      if (task.startedBy !== deploymentId || task.lastStatus !== 'STOPPED' || !task.taskArn) continue;
      if (reportedStops.has(task.taskArn)) continue;
      reportedStops.add(task.taskArn);
      report.output(stoppedTaskLine(task));
    }
    if (ours) {
      const snapshot: RolloutSnapshot = {
        deploymentId,
        taskDefinition: revisionName(ours.taskDefinition ?? ''),
        rolloutState: ours.rolloutState ?? 'IN_PROGRESS',
        desired: ours.desiredCount ?? 0,
        pending: ours.pendingCount ?? 0,
        running: ours.runningCount ?? 0,
        healthy: tasks.filter(
          (t) => ofDeployment(t, ours) && t.lastStatus === 'RUNNING' && t.healthStatus === 'HEALTHY',
        ).length,
      };
      if (JSON.stringify(snapshot) !== lastSnapshot) {
        lastSnapshot = JSON.stringify(snapshot);
        report.rollout(snapshot);
      }
    }
    const verdict = judgeRollout(service, deploymentId, newEvents);
    if (verdict.state === 'completed') {
      return { deploymentId, taskDefinition: ours?.taskDefinition ?? '' };
    }
    if (verdict.state === 'failed') throw new RolloutFailedError(verdict.reason);
    if (Date.now() > deadline) {
      throw new DeployError(
        `rollout of ${deploymentId} did not finish within ${Math.round(options.timeoutMs / 1000)} s (still ${ours?.rolloutState ?? 'unknown'}); it goes on in ECS: see \`devkit status\``,
        'rollout',
      );
    }
    await sleep(options.pollMs);
  }
}

function primaryDeploymentId(service: Service | undefined): string {
  const id = service?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
  if (!id) throw new DeployError('the service reports no PRIMARY deployment', 'rollout');
  return id;
}

/** Points the service at a task definition revision, creating the service on first deploy, then follows it. */
export function rollOut(
  clients: AwsClients,
  stack: Stack,
  provisioned: ProvisionedStack,
  taskDefinitionArn: string,
  progress: Progress,
  options: RolloutOptions = DEFAULT_ROLLOUT_OPTIONS,
): Promise<RolloutResult> {
  const names = resourceNames(stack);
  const ref = { cluster: provisioned.cluster, service: names.service };
  const { service: settings } = stack.config;
  const deploymentConfiguration = {
    maximumPercent: settings.deployment.maximumPercent,
    minimumHealthyPercent: settings.deployment.minimumHealthyPercent,
    deploymentCircuitBreaker: settings.deployment.circuitBreaker,
  };
  const networkConfiguration = {
    awsvpcConfiguration: {
      subnets: provisioned.subnetIds,
      securityGroups: [provisioned.securityGroupId],
      // Public subnets without a NAT gateway: the address pulls images; the security group admits
      // only the load balancer.
      assignPublicIp: 'ENABLED' as const,
    },
  };
  const loadBalancing = {
    loadBalancers: [
      {
        targetGroupArn: provisioned.targetGroupArn,
        containerName: names.container,
        containerPort: stack.config.task.port,
      },
    ],
    healthCheckGracePeriodSeconds: stack.config.loadBalancer.healthCheckGracePeriod,
  };
  return runStep(
    progress,
    'rollout',
    `roll out ${revisionName(taskDefinitionArn)} to ${names.service}`,
    async (report) => {
      const existing = await describeService(clients, ref);
      const seen = new Set((existing?.events ?? []).flatMap((e) => (e.id ? [e.id] : [])));
      const tags = Object.entries(stackTags(stack)).map(([key, value]) => ({ key, value }));
      const { service } = existing
        ? await clients.ecs.send(
            new UpdateServiceCommand({
              cluster: ref.cluster,
              service: ref.service,
              taskDefinition: taskDefinitionArn,
              desiredCount: settings.desiredCount,
              deploymentConfiguration,
              networkConfiguration,
              ...loadBalancing,
            }),
          )
        : await clients.ecs.send(
            new CreateServiceCommand({
              cluster: ref.cluster,
              serviceName: ref.service,
              taskDefinition: taskDefinitionArn,
              desiredCount: settings.desiredCount,
              launchType: 'FARGATE',
              deploymentConfiguration,
              networkConfiguration,
              ...loadBalancing,
              tags,
              propagateTags: 'SERVICE',
            }),
          );
      try {
        return await followRollout(clients, ref, primaryDeploymentId(service), seen, report, options);
      } catch (error) {
        // A revision that failed its rollout is retired, so `rollback` never returns to it.
        if (error instanceof RolloutFailedError) {
          await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
          report.output(`deregistered ${revisionName(taskDefinitionArn)}`);
        }
        throw error;
      }
    },
    (result) => `${result.deploymentId} COMPLETED with ${revisionName(result.taskDefinition)}`,
  );
}

/**
 * Follows the service's current rollout (its PRIMARY deployment) to the end, as `devkit wait`: a
 * deploy left mid-rollout (Ctrl-C) is judged as the deploy would have judged it, a rollback included.
 */
export function followCurrentRollout(
  clients: AwsClients,
  stack: Stack,
  progress: Progress,
  options: RolloutOptions = DEFAULT_ROLLOUT_OPTIONS,
): Promise<RolloutResult> {
  const names = resourceNames(stack);
  const ref = { cluster: names.cluster, service: names.service };
  return runStep(
    progress,
    'rollout',
    `follow the rollout of ${names.service}`,
    async (report) => {
      const service = await describeService(clients, ref).catch((error: Error) => {
        if (error.name === 'ClusterNotFoundException') return undefined;
        throw error;
      });
      const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
      if (!service || !primary?.id)
        throw new DeployError(
          `service ${names.service} is not deployed: \`devkit deploy\` deploys it`,
          'rollout',
        );
      // The events since the PRIMARY deployment began count, so a rollback already under way (or
      // done: the old deployment PRIMARY again) fails the wait as it failed the deploy.
      const began = primary.createdAt?.getTime() ?? 0;
      const seen = new Set(
        (service.events ?? []).flatMap((e) => (e.id && (e.createdAt?.getTime() ?? 0) < began ? [e.id] : [])),
      );
      return followRollout(clients, ref, primary.id, seen, report, options);
    },
    (result) => `${result.deploymentId} COMPLETED with ${revisionName(result.taskDefinition)}`,
  );
}
