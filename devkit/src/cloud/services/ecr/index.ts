import * as sdk from '@aws-sdk/client-ecr';
import type { ServiceDefinition } from '../../service-definition.ts';
import { getAuthorizationToken } from './authorization.ts';
import { batchDeleteImage, batchGetImage, describeImages, listImages } from './images.ts';
import { deleteLifecyclePolicy, getLifecyclePolicy, putLifecyclePolicy } from './lifecycle-policy.ts';
import { createRepository, deleteRepository, describeRepositories } from './repositories.ts';
import { describeImageScanFindings, startImageScan } from './scans.ts';
import { initialEcrState, type EcrState } from './state.ts';

export { REGISTRY_USER, registryPassword } from './authorization.ts';
export { ecrRegistryCatalog } from './registry-catalog.ts';

/** ECR: repositories, images (pushed through the registry on the same endpoint), lifecycle, scans. */
export const ecr: ServiceDefinition<EcrState> = {
  signingName: 'ecr',
  protocol: 'awsJson1_1',
  constraintError: 'InvalidParameterException',
  targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
  schemas: sdk,
  initialState: initialEcrState,
  operations: {
    CreateRepository: createRepository,
    DescribeRepositories: describeRepositories,
    DeleteRepository: deleteRepository,
    GetAuthorizationToken: getAuthorizationToken,
    DescribeImages: describeImages,
    ListImages: listImages,
    BatchGetImage: batchGetImage,
    BatchDeleteImage: batchDeleteImage,
    PutLifecyclePolicy: putLifecyclePolicy,
    GetLifecyclePolicy: getLifecyclePolicy,
    DeleteLifecyclePolicy: deleteLifecyclePolicy,
    StartImageScan: startImageScan,
    DescribeImageScanFindings: describeImageScanFindings,
  },
};
