/** The stage's ECS service as the rehearsal watches it: its new events since last asked, and its PRIMARY deployment. */
import type { Deployment } from '@aws-sdk/client-ecs';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../deploy/clients.ts';
import { resourceNames } from '../deploy/names.ts';
import { describeService, stoppedTaskLine } from '../deploy/rollout.ts';
import type { Stack } from '../stack/load.ts';

export class ServiceEvents {
  private readonly seen = new Set<string>();
  private readonly seenStopped = new Set<string>();

  /** Messages of the events not returned before, oldest first (ECS lists newest first). */
  async since(clients: AwsClients, stack: Stack): Promise<string[]> {
    const service = await describeService(clients, ref(stack)).catch(() => undefined);
    const fresh = (service?.events ?? []).filter((e) => e.id && !this.seen.has(e.id)).reverse();
    for (const event of fresh) this.seen.add(event.id as string);
    return fresh.map((e) => `${e.createdAt?.toISOString() ?? ''} ${e.message ?? ''}`.trim());
  }

  /** Tasks of the service that stopped since last asked, with ECS's reasons: why a rollout failed. */
  async stoppedTasks(clients: AwsClients, stack: Stack): Promise<string[]> {
    const { cluster, service } = ref(stack);
    const { taskArns = [] } = await clients.ecs.send(
      new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED' }),
    );
    const fresh = taskArns.filter((arn) => !this.seenStopped.has(arn));
    if (fresh.length === 0) return [];
    const { tasks = [] } = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: fresh }));
    return tasks.flatMap((task) => {
      if (task.lastStatus !== 'STOPPED' || !task.taskArn) return [];
      this.seenStopped.add(task.taskArn);
      return [`${task.taskDefinitionArn?.split('/').pop() ?? '?'} ${stoppedTaskLine(task)}`];
    });
  }

  /** Why the service's stopped tasks of the task definitions `which` picks stopped (ECS's stoppedReason). */
  async stoppedReasons(
    clients: AwsClients,
    stack: Stack,
    which: (taskDefinitionArn: string) => boolean,
  ): Promise<string[]> {
    const { cluster, service } = ref(stack);
    const { taskArns = [] } = await clients.ecs.send(
      new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED' }),
    );
    if (taskArns.length === 0) return [];
    const { tasks = [] } = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }));
    return tasks
      .filter((task) => task.lastStatus === 'STOPPED' && which(task.taskDefinitionArn ?? ''))
      .map((task) => task.stoppedReason ?? task.stopCode ?? 'no reason given');
  }

  async primary(clients: AwsClients, stack: Stack): Promise<Deployment | undefined> {
    const service = await describeService(clients, ref(stack));
    return service?.deployments?.find((d) => d.status === 'PRIMARY');
  }
}

function ref(stack: Stack) {
  const names = resourceNames(stack);
  return { cluster: names.cluster, service: names.service };
}
