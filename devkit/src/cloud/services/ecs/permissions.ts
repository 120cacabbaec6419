/**
 * What each ECS operation asks of IAM (Service Authorization Reference, Amazon ECS). A create call
 * with tags needs ecs:TagResource on what it creates too, with ecs:CreateAction naming the call.
 */
import {
  anyResource,
  passRoles,
  requestTags,
  taggedOnCreate,
  type AuthorizationCatalogue,
  type AuthorizationScope,
  type RequiredAction,
} from '../../access/authorization.ts';
import type { EcsState } from './state.ts';

const TASKS = 'ecs-tasks.amazonaws.com';
type Scope = AuthorizationScope<EcsState>;

const named = (id: string | undefined, at: Scope, resource: (name: string) => string) =>
  id?.startsWith('arn:') ? id : at.arn(resource(id ?? ''));
/** A cluster's name from its name or ARN (`default` when the request names none, as ECS does). */
const clusterName = (cluster: string | undefined) => (cluster ?? 'default').replace(/^arn:.*:cluster\//, '');
const cluster = (id: string | undefined, at: Scope) => named(id ?? 'default', at, (n) => `cluster/${n}`);
const service = (id: string | undefined, clusterId: string | undefined, at: Scope) =>
  named(id, at, (n) => `service/${clusterName(clusterId)}/${n}`);
/** A task set by ARN, or by its id (`ecs-svc/…`) under its service. */
const taskSet = (
  id: string | undefined,
  serviceId: string | undefined,
  clusterId: string | undefined,
  at: Scope,
) =>
  id?.startsWith('arn:')
    ? id
    : at.arn(
        `task-set/${clusterName(clusterId)}/${(serviceId ?? '').replace(/^arn:.*:service\/[^/]+\//, '')}/${id ?? ''}`,
      );
const task = (id: string | undefined, clusterId: string | undefined, at: Scope) =>
  named(id, at, (n) => `task/${clusterName(clusterId)}/${n}`);
/** `family:revision`, or a family alone (its latest revision: any of the family's). */
const taskDefinition = (id: string | undefined, at: Scope) =>
  named(id, at, (n) => `task-definition/${n.includes(':') ? n : `${n}:*`}`);
const capacityProvider = (id: string | undefined, at: Scope) =>
  named(id, at, (n) => `capacity-provider/${n}`);
const clusterKey = (id: string | undefined, at: Scope) => ({ 'ecs:cluster': cluster(id, at) });

type Override = { taskRoleArn?: string; executionRoleArn?: string } | undefined;
type Tags = Array<{ key?: string; value?: string }> | undefined;

/** The create call's entry, and ecs:TagResource on `created` when the call carries tags. */
const creating = (entry: RequiredAction, tags: Tags, created: string, at: Scope) =>
  taggedOnCreate(entry, (tags?.length ?? 0) > 0, {
    action: 'ecs:TagResource',
    resource: created,
    context: { 'ecs:CreateAction': at.action.slice(4) },
  });

/** The revision RegisterTaskDefinition will make (ECS never reuses one). */
const nextRevision = (family: string, at: Scope) =>
  at.arn(
    `task-definition/${family}:${(Object.hasOwn(at.state.taskDefinitions, family) ? at.state.taskDefinitions[family]!.length : 0) + 1}`,
  );

export const ecsAuthorization: AuthorizationCatalogue<EcsState> = {
  prefix: 'ecs',
  operations: {
    CreateCluster: (i, at) =>
      creating(
        { action: at.action, resource: '*', context: requestTags(i.tags) },
        i.tags,
        cluster(i.clusterName, at),
        at,
      ),
    DescribeClusters: (i: { clusters?: string[] }, at) =>
      (i.clusters ?? ['default']).map((c) => cluster(c, at)),
    ListClusters: anyResource,
    UpdateCluster: (i, at) => cluster(i.cluster, at),
    PutClusterCapacityProviders: (i, at) => cluster(i.cluster, at),
    CreateCapacityProvider: (i, at) =>
      creating(
        { action: at.action, resource: capacityProvider(i.name, at), context: requestTags(i.tags) },
        i.tags,
        capacityProvider(i.name, at),
        at,
      ),
    UpdateCapacityProvider: (i, at) => capacityProvider(i.name, at),
    DeleteCapacityProvider: (i, at) => capacityProvider(i.capacityProvider, at),
    DescribeCapacityProviders: (i: { capacityProviders?: string[] }, at) =>
      i.capacityProviders?.length ? i.capacityProviders.map((c) => capacityProvider(c, at)) : '*',
    PutAccountSetting: anyResource,
    PutAccountSettingDefault: anyResource,
    ListAccountSettings: anyResource,
    DeleteAccountSetting: anyResource,
    ListServicesByNamespace: anyResource,
    DeleteCluster: (i, at) => cluster(i.cluster, at),
    UpdateClusterSettings: (i, at) => cluster(i.cluster, at),
    RegisterTaskDefinition: (i, at) => [
      ...creating(
        { action: at.action, resource: '*', context: requestTags(i.tags) },
        i.tags,
        nextRevision(String(i.family), at),
        at,
      ),
      ...passRoles([i.taskRoleArn, i.executionRoleArn], TASKS, at.accountId),
    ],
    DescribeTaskDefinition: anyResource,
    ListTaskDefinitions: anyResource,
    ListTaskDefinitionFamilies: anyResource,
    DeregisterTaskDefinition: anyResource,
    DeleteTaskDefinitions: (i: { taskDefinitions?: string[] }, at) =>
      (i.taskDefinitions ?? []).map((td) => taskDefinition(td, at)),
    CreateService: (i, at) => [
      ...creating(
        {
          action: at.action,
          resource: service(i.serviceName, i.cluster, at),
          context: {
            ...clusterKey(i.cluster, at),
            ...(i.taskDefinition ? { 'ecs:task-definition': taskDefinition(i.taskDefinition, at) } : {}),
            ...requestTags(i.tags),
          },
        },
        i.tags,
        service(i.serviceName, i.cluster, at),
        at,
      ),
      // The service-linked role ECS uses for a load balancer, when one is named.
      ...passRoles([i.role], 'ecs.amazonaws.com', at.accountId),
    ],
    UpdateService: (i, at) => [
      {
        action: at.action,
        resource: service(i.service, i.cluster, at),
        context: {
          ...clusterKey(i.cluster, at),
          ...(i.taskDefinition ? { 'ecs:task-definition': taskDefinition(i.taskDefinition, at) } : {}),
        },
      },
    ],
    DescribeServices: (i: { services?: string[]; cluster?: string }, at) =>
      (i.services ?? []).map((s) => ({
        action: at.action,
        resource: service(s, i.cluster, at),
        context: clusterKey(i.cluster, at),
      })),
    ListServices: (i, at) => [{ action: at.action, resource: '*', context: clusterKey(i.cluster, at) }],
    DeleteService: (i, at) => [
      { action: at.action, resource: service(i.service, i.cluster, at), context: clusterKey(i.cluster, at) },
    ],
    ListServiceDeployments: (i, at) => [
      { action: at.action, resource: service(i.service, i.cluster, at), context: clusterKey(i.cluster, at) },
    ],
    DescribeServiceDeployments: (i: { serviceDeploymentArns?: string[] }) => i.serviceDeploymentArns ?? [],
    DescribeServiceRevisions: (i: { serviceRevisionArns?: string[] }) => i.serviceRevisionArns ?? [],
    StopServiceDeployment: (i) => i.serviceDeploymentArn,
    ContinueServiceDeployment: (i) => i.serviceDeploymentArn,
    // Task sets (EXTERNAL controller): on the service, or on the task set the call names.
    CreateTaskSet: (i, at) => [
      ...creating(
        {
          action: at.action,
          resource: service(i.service, i.cluster, at),
          context: {
            ...clusterKey(i.cluster, at),
            ...(i.taskDefinition ? { 'ecs:task-definition': taskDefinition(i.taskDefinition, at) } : {}),
            ...requestTags(i.tags),
          },
        },
        i.tags,
        // Its id is not known yet.
        taskSet('*', i.service, i.cluster, at),
        at,
      ),
    ],
    DescribeTaskSets: (i, at) => [
      { action: at.action, resource: service(i.service, i.cluster, at), context: clusterKey(i.cluster, at) },
    ],
    UpdateTaskSet: (i, at) => [
      {
        action: at.action,
        resource: taskSet(i.taskSet, i.service, i.cluster, at),
        context: clusterKey(i.cluster, at),
      },
    ],
    DeleteTaskSet: (i, at) => [
      {
        action: at.action,
        resource: taskSet(i.taskSet, i.service, i.cluster, at),
        context: clusterKey(i.cluster, at),
      },
    ],
    UpdateServicePrimaryTaskSet: (i, at) => [
      { action: at.action, resource: service(i.service, i.cluster, at), context: clusterKey(i.cluster, at) },
    ],
    RunTask: (i, at) => {
      const overrides = i.overrides as Override;
      return [
        ...creating(
          {
            action: at.action,
            resource: taskDefinition(i.taskDefinition, at),
            context: { ...clusterKey(i.cluster, at), ...requestTags(i.tags) },
          },
          i.tags,
          // The tasks' ids are not known yet.
          task('*', i.cluster, at),
          at,
        ),
        ...passRoles([overrides?.taskRoleArn, overrides?.executionRoleArn], TASKS, at.accountId),
      ];
    },
    StopTask: (i, at) => [
      { action: at.action, resource: task(i.task, i.cluster, at), context: clusterKey(i.cluster, at) },
    ],
    DescribeTasks: (i: { tasks?: string[]; cluster?: string }, at) =>
      (i.tasks ?? []).map((t) => ({
        action: at.action,
        resource: task(t, i.cluster, at),
        context: clusterKey(i.cluster, at),
      })),
    ListTasks: (i, at) => [{ action: at.action, resource: '*', context: clusterKey(i.cluster, at) }],
    GetTaskProtection: (i: { tasks?: string[]; cluster?: string }, at) =>
      (i.tasks ?? []).map((t) => ({
        action: at.action,
        resource: task(t, i.cluster, at),
        context: clusterKey(i.cluster, at),
      })),
    UpdateTaskProtection: (i: { tasks?: string[]; cluster?: string }, at) =>
      (i.tasks ?? []).map((t) => ({
        action: at.action,
        resource: task(t, i.cluster, at),
        context: clusterKey(i.cluster, at),
      })),
    // The Service Authorization Reference's condition keys for ECS Exec: the cluster, the container's name.
    ExecuteCommand: (i, at) => [
      {
        action: at.action,
        resource: task(i.task, i.cluster, at),
        context: {
          ...clusterKey(i.cluster, at),
          ...(i.container ? { 'ecs:container-name': i.container } : {}),
        },
      },
    ],
    TagResource: (i, at) => [{ action: at.action, resource: i.resourceArn, context: requestTags(i.tags) }],
    UntagResource: (i, at) => [
      { action: at.action, resource: i.resourceArn, context: { 'aws:TagKeys': i.tagKeys } },
    ],
    ListTagsForResource: (i) => i.resourceArn,
  },
};
