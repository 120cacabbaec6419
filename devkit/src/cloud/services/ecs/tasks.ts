import type {
  DescribeTasksRequest,
  Failure,
  GetTaskProtectionRequest,
  GetTaskProtectionResponse,
  ProtectedTask,
  DescribeTasksResponse,
  ListTasksRequest,
  ListTasksResponse,
  RunTaskRequest,
  RunTaskResponse,
  StopTaskRequest,
  StopTaskResponse,
  UpdateTaskProtectionRequest,
  UpdateTaskProtectionResponse,
} from '@aws-sdk/client-ecs';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { shareOut } from './capacity-strategy.ts';
import { InvalidParameterException } from './errors.ts';
import { addTask, isFargate, requestTaskStop } from './lifecycle.ts';
import { checkPlacement, resolvePlacement } from './placement-rules.ts';
import { requireCluster, requireService, requireUsableTaskDefinition, taskArnFor } from './references.ts';
import type { ClusterRecord, EcsState, TaskRecord } from './state.ts';
import { isLive, isProtected } from './state.ts';
import { toDate } from '../common.ts';
import { checkUserTags, newTaskTags } from './tags.ts';
import { taskDefinitionByArn } from './state.ts';
import { taskToAws } from './views.ts';

/** Records `count` tasks to run (PROVISIONING, desired RUNNING); the runtime starts them. */
export const runTask: Handler<Checked<RunTaskRequest, 'taskDefinition'>, RunTaskResponse, EcsState> = (
  input,
  ctx,
) => {
  const cluster = requireCluster(ctx, input.cluster);
  const td = requireUsableTaskDefinition(ctx.state, input.taskDefinition);
  const placement = resolvePlacement(cluster, input);
  const networkConfiguration = checkPlacement(ctx, td, placement, input.networkConfiguration);
  // The local cloud has no container instances: only Fargate can place tasks, as AWS would say.
  if (!isFargate(placement))
    throw new InvalidParameterException('No Container Instances were found in your cluster.');
  const count = input.count ?? 1;
  if (count < 1 || count > 10) throw new InvalidParameterException('count must be between 1 and 10.');
  // RunTask has no service to propagate from (AWS: "An error will be received if you specify the SERVICE option").
  if (input.propagateTags === 'SERVICE') {
    throw new InvalidParameterException(
      'The SERVICE option of propagateTags is valid for services only; RunTask takes TASK_DEFINITION or NONE.',
    );
  }
  const own = checkUserTags(input.tags);
  const now = Date.now();
  const strategy = placement.capacityProviderStrategy ?? [];
  const providers = strategy.length ? shareOut(strategy, [], count) : [];
  const tasks = Array.from({ length: count }, (_, index) =>
    addTask(
      ctx.state,
      {
        clusterArn: cluster.clusterArn,
        taskDefinition: td,
        group: input.group ?? `family:${td.family}`,
        ...placement,
        ...(strategy.length ? { capacityProviderName: providers[index]! } : {}),
        ...(input.startedBy ? { startedBy: input.startedBy } : {}),
        ...(input.overrides ? { overrides: input.overrides } : {}),
        ...(networkConfiguration ? { networkConfiguration } : {}),
        enableExecuteCommand: input.enableExecuteCommand ?? false,
        tags: newTaskTags(ctx.state, {
          own,
          propagateTags: input.propagateTags ?? 'NONE',
          taskDefinitionArn: td.taskDefinitionArn,
          managedTags: input.enableECSManagedTags === true,
          clusterArn: cluster.clusterArn,
        }),
      },
      now,
    ),
  );
  return { tasks: tasks.map((t) => taskToAws(ctx.state, t, ['TAGS'])), failures: [] };
};

export const stopTask: Handler<Checked<StopTaskRequest, 'task'>, StopTaskResponse, EcsState> = (
  input,
  ctx,
) => {
  const cluster = requireCluster(ctx, input.cluster);
  const task = ctx.state.tasks[taskArnFor(cluster, input.task)];
  if (!task) throw new InvalidParameterException('The referenced task was not found.');
  requestTaskStop(
    task,
    { stopCode: 'UserInitiated', reason: input.reason ?? 'Task stopped by user' },
    Date.now(),
  );
  return { task: taskToAws(ctx.state, task) };
};

export const describeTasks: Handler<
  Checked<DescribeTasksRequest, 'tasks'>,
  DescribeTasksResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const response: Required<DescribeTasksResponse> = { tasks: [], failures: [] };
  for (const ref of input.tasks) {
    const arn = taskArnFor(cluster, ref);
    const task = ctx.state.tasks[arn];
    if (task) response.tasks.push(taskToAws(ctx.state, task, input.include));
    else response.failures.push({ arn, reason: 'MISSING' });
  }
  return response;
};

/** Only tasks whose desiredStatus is RUNNING unless asked otherwise, as on AWS. */
export const listTasks: Handler<ListTasksRequest, ListTasksResponse, EcsState> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const group = input.serviceName
    ? `service:${requireService(ctx.state, cluster, input.serviceName).serviceName}`
    : undefined;
  const desiredStatus = input.desiredStatus ?? 'RUNNING';
  const arns = Object.values(ctx.state.tasks)
    .filter(
      (t) =>
        t.clusterArn === cluster.clusterArn &&
        t.desiredStatus === desiredStatus &&
        (!group || t.group === group) &&
        (!input.family || taskDefinitionByArn(ctx.state, t.taskDefinitionArn)?.family === input.family) &&
        (!input.startedBy || t.startedBy === input.startedBy) &&
        (!input.launchType || t.launchType === input.launchType),
    )
    .map((t) => t.taskArn)
    .sort();
  const { page, nextToken } = paginate(arns, input.maxResults, input.nextToken);
  return { taskArns: page, nextToken };
};

/** AWS's bounds: UpdateTaskProtection takes 10 tasks, GetTaskProtection 100; protection lasts 1 min to 48 h (2 h by default). */
const MAX_PROTECTED_PER_UPDATE = 10;
const MAX_PROTECTED_PER_GET = 100;
const DEFAULT_PROTECTION_MINUTES = 120;
const MAX_PROTECTION_MINUTES = 2880;

/**
 * The service tasks of `cluster` that `refs` name, and failures for the rest: MISSING when there is
 * no such task, TASK_NOT_VALID for a standalone or stopped task (protection is for service tasks,
 * as the reference says).
 */
function protectableTasks(
  state: EcsState,
  cluster: ClusterRecord,
  refs: readonly string[],
): { tasks: TaskRecord[]; failures: Failure[] } {
  const tasks: TaskRecord[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const arn = taskArnFor(cluster, ref);
    const task = Object.hasOwn(state.tasks, arn) ? state.tasks[arn] : undefined;
    if (!task) failures.push({ arn, reason: 'MISSING' });
    else if (!task.group?.startsWith('service:') || !isLive(task)) {
      failures.push({
        arn,
        reason: 'TASK_NOT_VALID',
        detail: 'The task is not a running task of a service.',
      });
    } else tasks.push(task);
  }
  return { tasks, failures };
}

function protectionOf(task: TaskRecord, now: number): ProtectedTask {
  return isProtected(task, now)
    ? { taskArn: task.taskArn, protectionEnabled: true, expirationDate: toDate(task.protectedUntil) }
    : { taskArn: task.taskArn, protectionEnabled: false };
}

/** Scale-in protection: the scheduler does not stop a protected task to scale in or roll out (deployment-scaling.ts). */
export const updateTaskProtection: Handler<
  Checked<UpdateTaskProtectionRequest, 'cluster' | 'tasks' | 'protectionEnabled'>,
  UpdateTaskProtectionResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  if (input.tasks.length === 0 || input.tasks.length > MAX_PROTECTED_PER_UPDATE) {
    throw new InvalidParameterException(
      `tasks must contain between 1 and ${MAX_PROTECTED_PER_UPDATE} tasks.`,
    );
  }
  const minutes = input.expiresInMinutes ?? DEFAULT_PROTECTION_MINUTES;
  if (input.protectionEnabled && (minutes < 1 || minutes > MAX_PROTECTION_MINUTES)) {
    throw new InvalidParameterException(
      `expiresInMinutes must be between 1 and ${MAX_PROTECTION_MINUTES} minutes.`,
    );
  }
  const now = Date.now();
  const { tasks, failures } = protectableTasks(ctx.state, cluster, input.tasks);
  for (const task of tasks) {
    if (input.protectionEnabled) task.protectedUntil = now + minutes * 60_000;
    else delete task.protectedUntil;
  }
  return { protectedTasks: tasks.map((t) => protectionOf(t, now)), failures };
};

export const getTaskProtection: Handler<
  Checked<GetTaskProtectionRequest, 'cluster'>,
  GetTaskProtectionResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const refs = input.tasks ?? [];
  if (refs.length === 0 || refs.length > MAX_PROTECTED_PER_GET) {
    throw new InvalidParameterException(`tasks must contain between 1 and ${MAX_PROTECTED_PER_GET} tasks.`);
  }
  const now = Date.now();
  const { tasks, failures } = protectableTasks(ctx.state, cluster, refs);
  return { protectedTasks: tasks.map((t) => protectionOf(t, now)), failures };
};
