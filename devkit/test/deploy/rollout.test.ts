import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { judgeRollout, stoppedTaskLine } from '../../src/deploy/rollout.ts';

const td = (revision: number) => `arn:aws:ecs:us-east-1:000000000000:task-definition/app-dev:${revision}`;
const service = (...deployments: Deployment[]): Service => ({ deployments });

describe('judging a rollout', () => {
  it('is complete only when our deployment is PRIMARY and COMPLETED', () => {
    const ours = {
      id: 'ecs-svc/2',
      status: 'PRIMARY',
      taskDefinition: td(2),
      desiredCount: 2,
      runningCount: 2,
    };
    const old = {
      id: 'ecs-svc/1',
      status: 'ACTIVE',
      taskDefinition: td(1),
      rolloutState: 'COMPLETED' as const,
    };
    expect(judgeRollout(service({ ...ours, rolloutState: 'IN_PROGRESS' }, old), 'ecs-svc/2', [])).toEqual({
      state: 'in-progress',
    });
    expect(judgeRollout(service({ ...ours, rolloutState: 'COMPLETED' }), 'ecs-svc/2', [])).toEqual({
      state: 'completed',
    });
  });

  it('fails a circuit-breaker rollback even though the service ends stable', () => {
    const rolledBack = service(
      {
        id: 'ecs-svc/3',
        status: 'PRIMARY',
        taskDefinition: td(1),
        rolloutState: 'COMPLETED',
        desiredCount: 2,
        runningCount: 2,
      },
      {
        id: 'ecs-svc/2',
        status: 'ACTIVE',
        taskDefinition: td(2),
        rolloutState: 'FAILED',
        rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
      },
    );
    expect(judgeRollout(rolledBack, 'ecs-svc/2', [])).toEqual({
      state: 'failed',
      reason:
        'rolled back: ecs-svc/3 (app-dev:1) is PRIMARY again instead of ecs-svc/2 — ECS deployment circuit breaker: tasks failed to start.',
    });
  });

  it('fails as soon as an event says the service is rolling back', () => {
    const ours = {
      id: 'ecs-svc/2',
      status: 'PRIMARY',
      taskDefinition: td(2),
      rolloutState: 'IN_PROGRESS' as const,
    };
    const message = '(service app-dev) rolling back to deployment ecs-svc/1.';
    expect(judgeRollout(service(ours), 'ecs-svc/2', [{ id: 'e1', message }])).toEqual({
      state: 'failed',
      reason: `rolled back: ${message}`,
    });
  });

  it('fails a FAILED deployment without rollback, with its reason', () => {
    const failed = {
      id: 'ecs-svc/2',
      status: 'PRIMARY',
      taskDefinition: td(2),
      rolloutState: 'FAILED' as const,
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    };
    expect(judgeRollout(service(failed), 'ecs-svc/2', [])).toEqual({
      state: 'failed',
      reason: 'deployment ecs-svc/2 FAILED: ECS deployment circuit breaker: tasks failed to start.',
    });
  });

  it('without a circuit breaker, completes when our deployment alone runs the desired count', () => {
    const ours = { id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: td(2), desiredCount: 2 };
    expect(judgeRollout(service({ ...ours, runningCount: 1 }), 'ecs-svc/2', [])).toEqual({
      state: 'in-progress',
    });
    expect(judgeRollout(service({ ...ours, runningCount: 2 }), 'ecs-svc/2', [])).toEqual({
      state: 'completed',
    });
  });
});

describe('a stopped task, as the rollout reports it', () => {
  const taskArn = 'arn:aws:ecs:us-east-1:000000000000:task/app-dev/0123abcd';

  it('says the task’s reason once, then each container’s own reason and exit code', () => {
    expect(
      stoppedTaskLine({
        taskArn,
        stoppedReason: 'Essential container in task exited',
        containers: [
          { name: 'app', exitCode: 1, reason: 'Essential container in task exited' },
          {
            name: 'sidecar',
            reason: 'OutOfMemoryError: Container killed due to memory usage',
            exitCode: 137,
          },
        ],
      }),
    ).toBe(
      'task 0123abcd stopped: Essential container in task exited (app: exit code 1; sidecar: OutOfMemoryError: Container killed due to memory usage, exit code 137)',
    );
  });

  it('falls back to the stop code, and leaves out containers with nothing to add', () => {
    expect(stoppedTaskLine({ taskArn, stopCode: 'TaskFailedToStart', containers: [{ name: 'app' }] })).toBe(
      'task 0123abcd stopped: TaskFailedToStart',
    );
  });
});
