import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeTaskDefinitionCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames } from './names.ts';
import { unlessNotFound } from './provision/resource.ts';
import { revisionName } from './register.ts';
import { describeService } from './rollout.ts';
import { serviceUrl } from './service-url.ts';
import type { TaskUsage } from './task-metrics.ts';
import { serviceUtilization, taskUsage } from './task-metrics.ts';

/** The stage's service as data for a table: its URL, load balancer targets, deployments, tasks and their health. */
export interface StackStatus {
  cluster: string;
  /** Where the service answers: its load balancer's DNS name (or the stage's own service.url). */
  url: string | undefined;
  loadBalancer: LoadBalancerStatus | undefined;
  service: ServiceStatus | undefined;
}

export interface LoadBalancerStatus {
  name: string;
  dnsName: string;
  /** active, provisioning, failed (with the reason, e.g. the listener's port is taken). */
  state: string;
  stateReason: string | undefined;
  /** Each registered target (a task's IP and port) with ELBv2's health state and reason code. */
  targets: {
    id: string;
    port: number | undefined;
    state: string;
    reason: string | undefined;
    description: string | undefined;
  }[];
}

export interface ServiceStatus {
  name: string;
  status: string;
  taskDefinition: string;
  /** The image the service's task definition runs (its app container's), and that image's tags. */
  image: string | undefined;
  imageTags: string[];
  desired: number;
  running: number;
  pending: number;
  /** AWS/ECS utilization of the service's tasks (percent of their size), latest minute with data. */
  cpuPercent: number | undefined;
  memoryPercent: number | undefined;
  deployments: {
    id: string;
    status: string;
    rolloutState: string;
    taskDefinition: string;
    image: string | undefined;
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
    /** The running task's latest Container Insights figures (absent when insights are off). */
    usage: TaskUsage | undefined;
  }[];
  /** Newest first, as ECS lists them. */
  events: { createdAt: Date | undefined; message: string }[];
}

/** The stage's load balancer and the health of its target group's targets; undefined when it has none. */
async function loadBalancerStatus(
  clients: AwsClients,
  stack: Stack,
): Promise<LoadBalancerStatus | undefined> {
  const names = resourceNames(stack);
  const { elbv2 } = clients;
  const lb = (
    await unlessNotFound(elbv2.send(new DescribeLoadBalancersCommand({ Names: [names.loadBalancer] })))
  )?.LoadBalancers?.[0];
  if (!lb?.DNSName) return undefined;
  const group = (
    await unlessNotFound(elbv2.send(new DescribeTargetGroupsCommand({ Names: [names.targetGroup] })))
  )?.TargetGroups?.[0];
  const health = group
    ? await unlessNotFound(
        elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn })),
      )
    : undefined;
  return {
    name: names.loadBalancer,
    dnsName: lb.DNSName,
    state: lb.State?.Code ?? 'unknown',
    stateReason: lb.State?.Reason,
    targets: (health?.TargetHealthDescriptions ?? []).map((t) => ({
      id: t.Target?.Id ?? '',
      port: t.Target?.Port,
      state: t.TargetHealth?.State ?? 'unknown',
      reason: t.TargetHealth?.Reason,
      description: t.TargetHealth?.Description,
    })),
  };
}

/** Each task definition's image of the named container, one DescribeTaskDefinition per revision. */
async function imagesOf(
  clients: AwsClients,
  container: string,
  arns: string[],
): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  for (const arn of new Set(arns.filter(Boolean))) {
    const { taskDefinition } = await clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: arn }),
    );
    const image = taskDefinition?.containerDefinitions?.find((c) => c.name === container)?.image;
    if (image) images.set(arn, image);
  }
  return images;
}

/** The tags of an image pinned by digest (as the pipeline registers it); none when it is gone. */
async function tagsOf(
  clients: AwsClients,
  repositoryName: string,
  image: string | undefined,
): Promise<string[]> {
  const imageDigest = image?.split('@')[1];
  if (!imageDigest) return [];
  const found = await clients.ecr
    .send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest }] }))
    .catch(() => undefined);
  return found?.imageDetails?.[0]?.imageTags ?? [];
}

export async function stackStatus(clients: AwsClients, stack: Stack, eventCount = 10): Promise<StackStatus> {
  const names = resourceNames(stack);
  const ref = { cluster: names.cluster, service: names.service };
  const service = await describeService(clients, ref).catch((error: Error) => {
    if (error.name === 'ClusterNotFoundException') return undefined;
    throw error;
  });
  const loadBalancer = await loadBalancerStatus(clients, stack);
  const url = serviceUrl(stack, loadBalancer?.dnsName);
  if (!service) return { cluster: names.cluster, url, loadBalancer, service: undefined };
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
  const deployments = service.deployments ?? [];
  const images = await imagesOf(clients, names.container, [
    service.taskDefinition ?? '',
    ...deployments.map((d) => d.taskDefinition ?? ''),
  ]);
  const image = images.get(service.taskDefinition ?? '');
  const serviceName = service.serviceName ?? names.service;
  const taskId = (arn: string | undefined) => arn?.split('/').at(-1) ?? '';
  const running = tasks.filter((t) => t.lastStatus === 'RUNNING').map((t) => taskId(t.taskArn));
  const [utilization, usage] = await Promise.all([
    serviceUtilization(clients, names.cluster, serviceName),
    taskUsage(clients, names.cluster, running),
  ]);
  return {
    cluster: names.cluster,
    url,
    loadBalancer,
    service: {
      name: serviceName,
      status: service.status ?? 'UNKNOWN',
      taskDefinition: revisionName(service.taskDefinition ?? ''),
      image,
      imageTags: await tagsOf(clients, names.repository, image),
      desired: service.desiredCount ?? 0,
      running: service.runningCount ?? 0,
      pending: service.pendingCount ?? 0,
      cpuPercent: utilization.cpuPercent,
      memoryPercent: utilization.memoryPercent,
      deployments: deployments.map((d) => ({
        id: d.id ?? '',
        status: d.status ?? '',
        rolloutState: d.rolloutState ?? '',
        taskDefinition: revisionName(d.taskDefinition ?? ''),
        image: images.get(d.taskDefinition ?? ''),
        desired: d.desiredCount ?? 0,
        running: d.runningCount ?? 0,
        pending: d.pendingCount ?? 0,
        failed: d.failedTasks ?? 0,
      })),
      tasks: tasks.map((t) => ({
        id: taskId(t.taskArn),
        taskDefinition: revisionName(t.taskDefinitionArn ?? ''),
        lastStatus: t.lastStatus ?? '',
        health: t.healthStatus ?? 'UNKNOWN',
        startedAt: t.startedAt,
        stoppedReason: t.stoppedReason,
        usage: t.lastStatus === 'RUNNING' ? usage.get(taskId(t.taskArn)) : undefined,
      })),
      events: (service.events ?? [])
        .slice(0, eventCount)
        .map((e) => ({ createdAt: e.createdAt, message: e.message ?? '' })),
    },
  };
}
