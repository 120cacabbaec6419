/**
 * Amazon ECS's control plane: clusters, task definitions, services with their deployments (or
 * task sets) and events and deployment history, tasks, account settings, capacity providers and tags — recorded as desired state. Running the tasks is the scheduler's job, which
 * plugs in through lifecycle.ts.
 */
import { ecsAuthorization } from './permissions.ts';
import * as sdk from '@aws-sdk/client-ecs';
import type { ServiceDefinition } from '../../service-definition.ts';
import {
  deleteAccountSetting,
  listAccountSettings,
  putAccountSetting,
  putAccountSettingDefault,
} from './account-settings.ts';
import {
  createCapacityProvider,
  deleteCapacityProvider,
  describeCapacityProviders,
  putClusterCapacityProviders,
  updateCapacityProvider,
} from './capacity-providers.ts';
import {
  createCluster,
  deleteCluster,
  describeClusters,
  listClusters,
  updateCluster,
  updateClusterSettings,
} from './clusters.ts';
import { executeCommand } from './execute-command.ts';
import { listServicesByNamespace } from './namespaces.ts';
import {
  continueServiceDeployment,
  describeServiceDeployments,
  describeServiceRevisions,
  listServiceDeployments,
  stopServiceDeployment,
} from './service-history.ts';
import { createService, deleteService, describeServices, listServices, updateService } from './services.ts';
import type { EcsState } from './state.ts';
import { initialEcsState } from './state.ts';
import { listTagsForResource, tagResource, untagResource } from './tags.ts';
import {
  createTaskSet,
  deleteTaskSet,
  describeTaskSets,
  updateServicePrimaryTaskSet,
  updateTaskSet,
} from './task-sets.ts';
import {
  deleteTaskDefinitions,
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
} from './task-definitions.ts';
import {
  describeTasks,
  getTaskProtection,
  listTasks,
  runTask,
  stopTask,
  updateTaskProtection,
} from './tasks.ts';

export const ecs: ServiceDefinition<EcsState> = {
  signingName: 'ecs',
  protocol: 'awsJson1_1',
  constraintError: 'InvalidParameterException',
  targetPrefix: 'AmazonEC2ContainerServiceV20141113',
  schemas: sdk,
  initialState: initialEcsState,
  authorization: ecsAuthorization,
  operations: {
    CreateCluster: createCluster,
    DescribeClusters: describeClusters,
    ListClusters: listClusters,
    DeleteCluster: deleteCluster,
    UpdateCluster: updateCluster,
    UpdateClusterSettings: updateClusterSettings,
    PutAccountSetting: putAccountSetting,
    PutAccountSettingDefault: putAccountSettingDefault,
    ListAccountSettings: listAccountSettings,
    DeleteAccountSetting: deleteAccountSetting,
    CreateCapacityProvider: createCapacityProvider,
    DescribeCapacityProviders: describeCapacityProviders,
    UpdateCapacityProvider: updateCapacityProvider,
    DeleteCapacityProvider: deleteCapacityProvider,
    PutClusterCapacityProviders: putClusterCapacityProviders,
    RegisterTaskDefinition: registerTaskDefinition,
    DescribeTaskDefinition: describeTaskDefinition,
    ListTaskDefinitions: listTaskDefinitions,
    ListTaskDefinitionFamilies: listTaskDefinitionFamilies,
    DeregisterTaskDefinition: deregisterTaskDefinition,
    DeleteTaskDefinitions: deleteTaskDefinitions,
    CreateService: createService,
    UpdateService: updateService,
    DescribeServices: describeServices,
    ListServices: listServices,
    ListServicesByNamespace: listServicesByNamespace,
    DeleteService: deleteService,
    ListServiceDeployments: listServiceDeployments,
    DescribeServiceDeployments: describeServiceDeployments,
    DescribeServiceRevisions: describeServiceRevisions,
    StopServiceDeployment: stopServiceDeployment,
    ContinueServiceDeployment: continueServiceDeployment,
    CreateTaskSet: createTaskSet,
    DescribeTaskSets: describeTaskSets,
    UpdateTaskSet: updateTaskSet,
    DeleteTaskSet: deleteTaskSet,
    UpdateServicePrimaryTaskSet: updateServicePrimaryTaskSet,
    RunTask: runTask,
    StopTask: stopTask,
    DescribeTasks: describeTasks,
    ListTasks: listTasks,
    GetTaskProtection: getTaskProtection,
    UpdateTaskProtection: updateTaskProtection,
    ExecuteCommand: executeCommand,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
  },
};
