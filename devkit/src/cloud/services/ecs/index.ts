/**
 * Amazon ECS's control plane: clusters, task definitions, services with their deployments and
 * events, and tasks — recorded as desired state. Running the tasks is the scheduler's job, which
 * plugs in through lifecycle.ts.
 */
import * as sdk from '@aws-sdk/client-ecs';
import type { ServiceDefinition } from '../../service-definition.ts';
import {
  createCluster,
  deleteCluster,
  describeClusters,
  listClusters,
  updateClusterSettings,
} from './clusters.ts';
import { createService, deleteService, describeServices, listServices, updateService } from './services.ts';
import type { EcsState } from './state.ts';
import { initialEcsState } from './state.ts';
import { listTagsForResource, tagResource, untagResource } from './tags.ts';
import {
  deregisterTaskDefinition,
  describeTaskDefinition,
  listTaskDefinitionFamilies,
  listTaskDefinitions,
  registerTaskDefinition,
} from './task-definitions.ts';
import { describeTasks, listTasks, runTask, stopTask } from './tasks.ts';

export const ecs: ServiceDefinition<EcsState> = {
  signingName: 'ecs',
  protocol: 'awsJson1_1',
  constraintError: 'InvalidParameterException',
  targetPrefix: 'AmazonEC2ContainerServiceV20141113',
  schemas: sdk,
  initialState: initialEcsState,
  operations: {
    CreateCluster: createCluster,
    DescribeClusters: describeClusters,
    ListClusters: listClusters,
    DeleteCluster: deleteCluster,
    UpdateClusterSettings: updateClusterSettings,
    RegisterTaskDefinition: registerTaskDefinition,
    DescribeTaskDefinition: describeTaskDefinition,
    ListTaskDefinitions: listTaskDefinitions,
    ListTaskDefinitionFamilies: listTaskDefinitionFamilies,
    DeregisterTaskDefinition: deregisterTaskDefinition,
    CreateService: createService,
    UpdateService: updateService,
    DescribeServices: describeServices,
    ListServices: listServices,
    DeleteService: deleteService,
    RunTask: runTask,
    StopTask: stopTask,
    DescribeTasks: describeTasks,
    ListTasks: listTasks,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
  },
};
