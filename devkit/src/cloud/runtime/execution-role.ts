/**
 * The task execution role, as Fargate uses it when IAM is enforced: the agent assumes it (its
 * trust policy must let `ecs-tasks.amazonaws.com` in) and every call it makes for the task
 * (registry auth, image pull, secrets, log streams) is evaluated as the session
 * `arn:aws:sts::<account>:assumed-role/<role>/<task-id>`, with the resource's own policy where
 * the service has one (a secret's, a repository's) — through the gateway's AccessControl, so these
 * calls are kept for `devkit iam why` and count in the role's least-privilege policy. Failures read
 * as Fargate words them.
 */
import type { TaskRecord } from '../services/ecs/state.ts';
import { contextValues } from '../access/policy-conditions.ts';
import { parsePolicyDocument, type PolicyKind } from '../access/policy-document.ts';
import { evaluateAccess, type LabeledPolicy } from '../access/policy-evaluation.ts';
import type { AccessControl, ServiceSession } from '../access/enforcement.ts';
import { roleByArn } from '../access/identities.ts';
import { ServiceError } from '../protocol/errors.ts';
import type { StateStore } from '../state/store.ts';
import { TaskStartError } from './task-spec.ts';

/** Checks one call the agent makes as the role; throws AWS's AccessDeniedException when refused. */
export type RoleAuthorizer = (action: string, resource: string, resourcePolicy?: string) => void;

export interface RoleSession {
  roleArn: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<task-id>`. */
  principalArn: string;
  authorize: RoleAuthorizer;
}

const ECS_TASKS = 'ecs-tasks.amazonaws.com';

/**
 * The task's session of `roleArn`, or the stop reason ECS gives when it cannot assume it (no such
 * role, or a trust policy that does not let ECS tasks in).
 */
export function assumeTaskRole(
  access: AccessControl,
  store: StateStore,
  task: TaskRecord,
  roleArn: string,
): RoleSession {
  const [, , , region = '', account = ''] = task.taskArn.split(':');
  const role = roleByArn(store, roleArn);
  const trusted =
    role !== undefined &&
    evaluateAccess(
      { resource: storedPolicy(role.assumeRolePolicyDocument, 'trust', `trust policy of ${role.arn}`) },
      {
        action: 'sts:AssumeRole',
        resource: role.arn,
        principal: { type: 'Service', id: ECS_TASKS },
        context: contextValues({ 'aws:RequestedRegion': region }),
      },
      { resourceRequired: true },
    ).decision === 'Allow';
  if (!role || !trusted) {
    throw new TaskStartError(
      `ECS was unable to assume the role '${roleArn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`,
    );
  }
  const taskId = task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1);
  const session: ServiceSession = {
    roleArn: role.arn,
    roleName: role.name,
    assumedRoleId: `${role.id}:${taskId}`,
    assumedRoleArn: `arn:aws:sts::${account}:assumed-role/${role.name}/${taskId}`,
  };
  return {
    roleArn: role.arn,
    principalArn: session.assumedRoleArn,
    authorize: (action, resource, resourcePolicy) => {
      const refusal = access.authorizeServiceCall(session, region, {
        action,
        resource,
        ...(resourcePolicy === undefined
          ? {}
          : { resourcePolicy: { source: `resource policy of ${resource}`, text: resourcePolicy } }),
      });
      if (refusal !== undefined) throw new ServiceError(refusal, { code: 'AccessDeniedException' });
    },
  };
}

/** A stored trust or resource policy as evaluation takes it; one that does not parse grants nothing. */
function storedPolicy(text: string, kind: PolicyKind, source: string): LabeledPolicy[] {
  try {
    return [{ source, document: parsePolicyDocument(text, kind) }];
  } catch {
    return [];
  }
}
