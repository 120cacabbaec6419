/**
 * The task execution role, as Fargate uses it when IAM is enforced: the agent assumes it (its
 * trust policy must let `ecs-tasks.amazonaws.com` in) and every call it makes for the task
 * (registry auth, image pull, secrets, log streams) is evaluated as the session
 * `arn:aws:sts::<account>:assumed-role/<role>/<task-id>`, with the resource's own policy where
 * the service has one (a secret's, a repository's). Failures read as Fargate words them.
 */
import type { TaskRecord } from '../services/ecs/state.ts';
import { effectivePolicies, type IamState } from '../services/iam/index.ts';
import { contextValues } from '../access/policy-conditions.ts';
import { parsePolicyDocument, type PolicyKind } from '../access/policy-document.ts';
import { evaluateAccess, type AccessRequest, type LabeledPolicy } from '../access/policy-evaluation.ts';
import { notAuthorizedMessage } from '../access/denial.ts';
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
export function assumeTaskRole(store: StateStore, task: TaskRecord, roleArn: string): RoleSession {
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
  const principalArn = `arn:aws:sts::${account}:assumed-role/${role.name}/${taskId}`;
  const identity: LabeledPolicy[] = (effectivePolicies(iamState(store)!, role.name) ?? []).map((p) => ({
    source: p.source,
    document: p.document,
  }));
  const context = contextValues({
    'aws:PrincipalArn': role.arn,
    'aws:PrincipalAccount': account,
    'aws:PrincipalType': 'AssumedRole',
    'aws:userid': `${role.id}:${taskId}`,
    'aws:RequestedRegion': region,
  });
  return {
    roleArn: role.arn,
    principalArn,
    authorize: (action, resource, resourcePolicy) => {
      const request: AccessRequest = {
        action,
        resource,
        principal: { type: 'AWS', arn: principalArn, account, roleArn: role.arn },
        context,
      };
      const resourcePolicySet =
        resourcePolicy === undefined
          ? []
          : storedPolicy(resourcePolicy, 'resource', `resource policy of ${resource}`);
      const decision = evaluateAccess({ identity, resource: resourcePolicySet }, request);
      if (decision.decision !== 'Allow') {
        throw new ServiceError(notAuthorizedMessage(principalArn, action, resource, decision), {
          code: 'AccessDeniedException',
        });
      }
    },
  };
}

function iamState(store: StateStore): IamState | undefined {
  return store.regions<IamState>('iam').find(([region]) => region === 'global')?.[1];
}

/** A stored trust or resource policy as evaluation takes it; one that does not parse grants nothing. */
function storedPolicy(text: string, kind: PolicyKind, source: string): LabeledPolicy[] {
  try {
    return [{ source, document: parsePolicyDocument(text, kind) }];
  } catch {
    return [];
  }
}
