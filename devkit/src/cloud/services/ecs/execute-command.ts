/**
 * ExecuteCommand (ECS Exec). On AWS a successful call returns a Session Manager session that the
 * CLI's session-manager-plugin joins through the SSM agent in the task; the local cloud has no
 * SSM service or agent, so it answers as AWS does when the agent is not connected
 * (TargetNotConnectedException), saying how to run the command in the container instead.
 * Before that, the preconditions AWS checks: an interactive session (the only kind ECS starts),
 * a running task launched with execute command enabled, and a container named when the task has
 * several.
 *
 * Chosen where the reference is silent: an unknown task is an InvalidParameterException with
 * StopTask's wording; a container the task does not have is an InvalidParameterException.
 */
import type { ExecuteCommandRequest, ExecuteCommandResponse } from '@aws-sdk/client-ecs';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterException, TargetNotConnectedException } from './errors.ts';
import { requireCluster, taskArnFor } from './references.ts';
import type { EcsState } from './state.ts';
import { taskContainerName, taskDefinitionByArn } from './state.ts';

export const executeCommand: Handler<
  Checked<ExecuteCommandRequest, 'command' | 'interactive' | 'task'>,
  ExecuteCommandResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  if (!input.interactive) {
    throw new InvalidParameterException('Interactive is the only mode supported currently.');
  }
  const arn = taskArnFor(cluster, input.task);
  const task = Object.hasOwn(ctx.state.tasks, arn) ? ctx.state.tasks[arn] : undefined;
  if (!task) throw new InvalidParameterException('The referenced task was not found.');
  if (!task.enableExecuteCommand || task.lastStatus !== 'RUNNING') {
    throw new InvalidParameterException(
      'The execute command failed because execute command was not enabled when the task was run or ' +
        "the execute command agent isn't running. Wait and try the command again or run a new task " +
        'with execute command enabled and try again.',
    );
  }
  if (input.container === undefined && task.containers.length > 1) {
    throw new InvalidParameterException(
      'The task has more than one container: name the container to run the command in.',
    );
  }
  const container =
    input.container === undefined
      ? task.containers[0]
      : task.containers.find((c) => c.name === input.container);
  if (!container?.name) {
    throw new InvalidParameterException(`The container ${input.container} does not exist in the task.`);
  }
  const td = taskDefinitionByArn(ctx.state, task.taskDefinitionArn);
  const name = td
    ? taskContainerName(td.family, td.revision, container.name, task.taskArn)
    : container.runtimeId;
  throw new TargetNotConnectedException(
    'The execute command failed because the local cloud runs no SSM agent in its tasks (there is no ' +
      `Session Manager offline). Run the command in the container with: docker exec -it ${name} ${input.command}`,
  );
};
