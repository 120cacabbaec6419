/**
 * Service-linked roles: the roles AWS services create for themselves (ECS's AWSServiceRoleForECS,
 * which it uses for load balancers and networking), at IAM's path /aws-service-role/<service>/ with
 * a trust policy naming the service. Deleting one is a task: it fails while the service still uses
 * the role (for ECS: any cluster left in any region, read from ECS's recorded state), as AWS
 * reports it through GetServiceLinkedRoleDeletionStatus.
 *
 * Chosen where the reference is silent: a service this table does not know is InvalidInput
 * ("Service name X is not eligible for a service-linked role."); DeleteServiceLinkedRole on a role
 * that is not service-linked is InvalidInput; a deletion task id that is not IAM's
 * `task/aws-service-role/<service>/<role>/<uuid>` is InvalidInput, one never issued NoSuchEntity.
 * The roles carry no permissions policy here (AWS attaches its own managed policy, whose documents
 * the local cloud does not have).
 */
import { randomUUID } from 'node:crypto';
import type {
  CreateServiceLinkedRoleRequest,
  CreateServiceLinkedRoleResponse,
  DeleteServiceLinkedRoleRequest,
  DeleteServiceLinkedRoleResponse,
  GetServiceLinkedRoleDeletionStatusRequest,
  GetServiceLinkedRoleDeletionStatusResponse,
  RoleUsageType,
} from '@aws-sdk/client-iam';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { nameMap } from '../common.ts';
import { isServiceLinked, removeRole, roleShape, SERVICE_LINKED_PATH } from './roles.ts';
import type { IamState, RoleRecord, ServiceLinkedRoleDeletion } from './state.ts';
import { findRole, invalidInput, noSuchEntity, uniqueId } from './state.ts';

/** The services of a Fargate pipeline and their roles' names; `suffix`: whether a CustomSuffix is allowed. */
const SERVICE_ROLES: ReadonlyMap<string, { name: string; suffix: boolean }> = new Map([
  ['ecs.amazonaws.com', { name: 'AWSServiceRoleForECS', suffix: false }],
  ['elasticloadbalancing.amazonaws.com', { name: 'AWSServiceRoleForElasticLoadBalancing', suffix: false }],
  ['autoscaling.amazonaws.com', { name: 'AWSServiceRoleForAutoScaling', suffix: true }],
  [
    'ecs.application-autoscaling.amazonaws.com',
    { name: 'AWSServiceRoleForApplicationAutoScaling_ECSService', suffix: false },
  ],
  ['replication.ecr.amazonaws.com', { name: 'AWSServiceRoleForECRReplication', suffix: false }],
  ['secretsmanager.amazonaws.com', { name: 'AWSServiceRoleForSecretsManager', suffix: false }],
]);

export const createServiceLinkedRole: Handler<
  Checked<CreateServiceLinkedRoleRequest, 'AWSServiceName'>,
  CreateServiceLinkedRoleResponse,
  IamState
> = (input, ctx) => {
  const service = input.AWSServiceName;
  const known = SERVICE_ROLES.get(service);
  if (!known) throw invalidInput(`Service name ${service} is not eligible for a service-linked role.`);
  if (input.CustomSuffix !== undefined && !known.suffix) {
    throw invalidInput(`Custom suffix is not allowed for ${service}`);
  }
  const name = input.CustomSuffix === undefined ? known.name : `${known.name}_${input.CustomSuffix}`;
  if (ctx.state.roles[name.toLowerCase()]) {
    throw invalidInput(
      `Service role name ${name} has been taken in this account, please try a different suffix.`,
    );
  }
  const path = `${SERVICE_LINKED_PATH}${service}/`;
  const role: RoleRecord = {
    name,
    id: uniqueId('AROA'),
    path,
    arn: `arn:aws:iam::${ctx.accountId}:role${path}${name}`,
    createdMs: Date.now(),
    assumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Action: ['sts:AssumeRole'], Effect: 'Allow', Principal: { Service: [service] } }],
    }),
    maxSessionDuration: 3600,
    tags: [],
    attachedPolicyArns: [],
    inlinePolicies: nameMap(),
    ...(input.Description === undefined ? {} : { description: input.Description }),
  };
  ctx.state.roles[name.toLowerCase()] = role;
  return { Role: roleShape(role, false) };
};

function deletions(state: IamState): Record<string, ServiceLinkedRoleDeletion> {
  return (state.serviceLinkedRoleDeletions ??= nameMap());
}

/** Where ECS still uses its role: the clusters left in each region. */
function ecsUsage(ctx: RequestContext<IamState>): RoleUsageType[] {
  return ctx.store
    .regions<{ clusters?: Record<string, { clusterArn: string; status: string }> }>('ecs')
    .flatMap(([region, state]) => {
      const clusters = Object.values(state.clusters ?? {}).filter((c) => c.status === 'ACTIVE');
      return clusters.length ? [{ Region: region, Resources: clusters.map((c) => c.clusterArn) }] : [];
    });
}

/** Deletes the role at once unless its service still uses it; the task records which. */
export const deleteServiceLinkedRole: Handler<
  Checked<DeleteServiceLinkedRoleRequest, 'RoleName'>,
  DeleteServiceLinkedRoleResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  if (!isServiceLinked(role))
    throw invalidInput(`The role with name ${role.name} is not a service-linked role.`);
  const service = role.path.slice(SERVICE_LINKED_PATH.length, -1);
  const taskId = `task${role.path}${role.name}/${randomUUID()}`;
  const usage = service === 'ecs.amazonaws.com' ? ecsUsage(ctx) : [];
  if (usage.length) {
    deletions(ctx.state)[taskId] = {
      status: 'FAILED',
      reason: {
        Reason: `Unable to delete service-linked role ${role.name} because it is still in use by ${service}.`,
        RoleUsageList: usage,
      },
    };
  } else {
    removeRole(ctx.state, role);
    deletions(ctx.state)[taskId] = { status: 'SUCCEEDED' };
  }
  return { DeletionTaskId: taskId };
};

export const getServiceLinkedRoleDeletionStatus: Handler<
  Checked<GetServiceLinkedRoleDeletionStatusRequest, 'DeletionTaskId'>,
  GetServiceLinkedRoleDeletionStatusResponse,
  IamState
> = (input, ctx) => {
  const id = input.DeletionTaskId;
  if (!/^task\/aws-service-role\/[^/]+\/[^/]+\/[0-9a-f-]{36}$/.test(id)) {
    throw invalidInput(`Invalid deletion task id: ${id}`);
  }
  const all = deletions(ctx.state);
  const task = Object.hasOwn(all, id) ? all[id] : undefined;
  if (!task) throw noSuchEntity(`Deletion task with id ${id} cannot be found.`);
  return { Status: task.status, ...(task.reason ? { Reason: task.reason } : {}) };
};
