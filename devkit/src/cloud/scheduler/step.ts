/**
 * The ECS scheduler as a pure step over state: given one region's ECS records, what the runtime
 * observed of each task, and the time, it moves tasks and services along (through lifecycle.ts)
 * and returns what the runtime must do. The runtime's loop calls it on every tick.
 */
import type { EcsState } from '../services/ecs/state.ts';
import { taskDefinitionByArn } from '../services/ecs/state.ts';
import { recordServiceEvent, serviceEventMessages } from '../services/ecs/lifecycle.ts';
import type { Action, TaskFact, Timings } from './facts.ts';
import { advanceService } from './service-step.ts';
import { advanceTask } from './task-step.ts';

export interface StepInput {
  state: EcsState;
  /** By task ARN; a task missing here is unknown to the runtime. */
  facts: ReadonlyMap<string, TaskFact>;
  /** By service ARN: why its load balancer cannot reach its tasks (a security group), if so. */
  unreachable: ReadonlyMap<string, string>;
  now: number;
  timings: Timings;
}

export function schedulerStep({ state, facts, unreachable, now, timings }: StepInput): Action[] {
  const actions: Action[] = [];
  const services = Object.values(state.services);
  for (const task of Object.values(state.tasks)) {
    const service = services.find(
      (s) => s.clusterArn === task.clusterArn && task.group === `service:${s.serviceName}`,
    );
    const definitions = taskDefinitionByArn(state, task.taskDefinitionArn)?.containerDefinitions ?? [];
    const outcome = advanceTask(task, definitions, facts.get(task.taskArn), !!service, now, timings);
    if (outcome.action) actions.push(outcome.action);
    if (!service) continue;
    if (outcome.failedHealthChecks) {
      const taskId = task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1);
      recordServiceEvent(service, serviceEventMessages.failedHealthChecks(service.serviceName, taskId), now);
    }
    const deployment = service.deployments.find((d) => d.id === task.startedBy);
    if (outcome.failed && deployment) deployment.failedTasks++;
  }
  for (const service of services) {
    actions.push(...advanceService(state, service, unreachable.get(service.serviceArn), now));
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
