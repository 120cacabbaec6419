import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames } from './names.ts';
import { revisionName } from './register.ts';
import { describeService } from './rollout.ts';

/** The stage's service as data for a table: its deployments, its tasks and their health. */
export interface StackStatus {
  cluster: string;
  service: ServiceStatus | undefined;
}

export interface ServiceStatus {
  name: string;
  status: string;
  taskDefinition: string;
  desired: number;
  running: number;
  pending: number;
  deployments: {
    id: string;
    status: string;
    rolloutState: string;
    taskDefinition: string;
    desired: number;
    running: number;
    pending: number;
    failed: number;
  }[];
  tasks: {
    id: string;
    taskDefinition: string;
    lastStatus: string;
    health: string;
    startedAt: Date | undefined;
    stoppedReason: string | undefined;
  }[];
  /** Newest first, as ECS lists them. */
  events: { createdAt: Date | undefined; message: string }[];
}

export async function stackStatus(clients: AwsClients, stack: Stack, eventCount = 10): Promise<StackStatus> {
  const names = resourceNames(stack);
  const ref = { cluster: names.cluster, service: names.service };
  const service = await describeService(clients, ref).catch((error: Error) => {
    if (error.name === 'ClusterNotFoundException') return undefined;
    throw error;
  });
  if (!service) return { cluster: names.cluster, service: undefined };
  const taskArns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const page = await clients.ecs.send(
      new ListTasksCommand({ cluster: ref.cluster, serviceName: ref.service, desiredStatus }),
    );
    taskArns.push(...(page.taskArns ?? []));
  }
  const { tasks = [] } = taskArns.length
    ? await clients.ecs.send(new DescribeTasksCommand({ cluster: ref.cluster, tasks: taskArns }))
    : {};
  return {
    cluster: names.cluster,
    service: {
      name: service.serviceName ?? names.service,
      status: service.status ?? 'UNKNOWN',
      taskDefinition: revisionName(service.taskDefinition ?? ''),
      desired: service.desiredCount ?? 0,
      running: service.runningCount ?? 0,
      pending: service.pendingCount ?? 0,
      deployments: (service.deployments ?? []).map((d) => ({
        id: d.id ?? '',
        status: d.status ?? '',
        rolloutState: d.rolloutState ?? '',
        taskDefinition: revisionName(d.taskDefinition ?? ''),
        desired: d.desiredCount ?? 0,
        running: d.runningCount ?? 0,
        pending: d.pendingCount ?? 0,
        failed: d.failedTasks ?? 0,
      })),
      tasks: tasks.map((t) => ({
        id: t.taskArn?.split('/').at(-1) ?? '',
        taskDefinition: revisionName(t.taskDefinitionArn ?? ''),
        lastStatus: t.lastStatus ?? '',
        health: t.healthStatus ?? 'UNKNOWN',
        startedAt: t.startedAt,
        stoppedReason: t.stoppedReason,
      })),
      events: (service.events ?? [])
        .slice(0, eventCount)
        .map((e) => ({ createdAt: e.createdAt, message: e.message ?? '' })),
    },
  };
}
