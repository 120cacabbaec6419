/**
 * The ECS scheduler as a pure step over state: given one region's ECS records, what the runtime
 * observed of each task, and the time, it moves tasks and services along (through lifecycle.ts)
 * and returns what the runtime must do. The runtime's loop calls it on every tick.
 */
import { taskDefinitionByArn, taskLoadBalancers } from '../services/ecs/state.ts';
import { recordServiceEvent } from '../services/ecs/lifecycle.ts';
import { serviceEventMessages } from '../services/ecs/wording.ts';
import type { EcsState, ServiceRecord, TaskRecord } from '../services/ecs/state.ts';
import type { Action, TargetHealthFact, TaskFact, Timings } from './facts.ts';
import { advanceService } from './service-step.ts';
import { advanceTask } from './task-step.ts';

export interface StepInput {
  state: EcsState;
  /** By task ARN; a task missing here is unknown to the runtime. */
  facts: ReadonlyMap<string, TaskFact>;
  /** By task ARN: its targets in its service's target groups, as the load balancer checked them. */
  targets: ReadonlyMap<string, TargetHealthFact[]>;
  now: number;
  timings: Timings;
}

export function schedulerStep({ state, facts, targets, now, timings }: StepInput): Action[] {
  const actions: Action[] = [];
  const services = Object.values(state.services);
  for (const task of Object.values(state.tasks)) {
    const service = services.find(
      (s) => s.clusterArn === task.clusterArn && task.group === `service:${s.serviceName}`,
    );
    const definitions = taskDefinitionByArn(state, task.taskDefinitionArn)?.containerDefinitions ?? [];
    const balancing = service ? targetGroupsOf(service, task) : [];
    const view = service && {
      gracePeriodSeconds: service.healthCheckGracePeriodSeconds ?? 0,
      ...(balancing.length
        ? { elb: { targetGroupArns: balancing, targets: targets.get(task.taskArn) ?? [] } }
        : {}),
    };
    const outcome = advanceTask(task, definitions, facts.get(task.taskArn), view, now, timings);
    if (outcome.action) actions.push(outcome.action);
    if (!service) continue;
    const taskId = task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1);
    if (outcome.failedHealthChecks) {
      recordServiceEvent(service, serviceEventMessages.failedHealthChecks(service.serviceName, taskId), now);
    }
    if (outcome.failedElbHealthChecks) {
      recordServiceEvent(
        service,
        serviceEventMessages.failedElbHealthChecks(
          service.serviceName,
          taskId,
          outcome.failedElbHealthChecks,
        ),
        now,
      );
    }
    const deployment = service.deployments.find((d) => d.id === task.startedBy);
    if (outcome.failed && deployment) deployment.failedTasks++;
  }
  for (const service of services) {
    actions.push(...advanceService(state, service, now, timings));
  }
  expireStoppedTasks(state, now, timings);
  return actions;
}

/** STOPPED tasks stay visible for a while, then disappear, as on AWS. */
function expireStoppedTasks(state: EcsState, now: number, timings: Timings): void {
  for (const task of Object.values(state.tasks)) {
    if (
      task.lastStatus === 'STOPPED' &&
      now - (task.stoppedAt ?? now) > timings.stoppedTaskRetentionSeconds * 1000
    ) {
      delete state.tasks[task.taskArn];
      delete state.tags[task.taskArn];
    }
  }
}

/** The target groups a service task is registered in (its task set's, for an EXTERNAL service). */
function targetGroupsOf(service: ServiceRecord, task: TaskRecord): string[] {
  return taskLoadBalancers(service, task).flatMap((lb) => (lb.targetGroupArn ? [lb.targetGroupArn] : []));
}
