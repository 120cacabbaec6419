import * as sdk from '@aws-sdk/client-ecr';
import { ecrAuthorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import { getAccountSetting, putAccountSetting } from './account-settings.ts';
import { getAuthorizationToken } from './authorization.ts';
import {
  createRepositoryCreationTemplate,
  deleteRepositoryCreationTemplate,
  describeRepositoryCreationTemplates,
  updateRepositoryCreationTemplate,
} from './creation-templates.ts';
import { batchDeleteImage, batchGetImage, describeImages, listImages } from './images.ts';
import { deleteLifecyclePolicy, getLifecyclePolicy, putLifecyclePolicy } from './lifecycle-policy.ts';
import { getLifecyclePolicyPreview, startLifecyclePolicyPreview } from './lifecycle-preview.ts';
import {
  batchCheckLayerAvailability,
  completeLayerUpload,
  getDownloadUrlForLayer,
  initiateLayerUpload,
  uploadLayerPart,
} from './layers.ts';
import {
  deleteRegistryPolicy,
  deleteRepositoryPolicy,
  describeRegistry,
  getRegistryPolicy,
  getRepositoryPolicy,
  putRegistryPolicy,
  putReplicationConfiguration,
  setRepositoryPolicy,
} from './policies.ts';
import {
  createPullThroughCacheRule,
  deletePullThroughCacheRule,
  describePullThroughCacheRules,
  updatePullThroughCacheRule,
  validatePullThroughCacheRule,
} from './pull-through-cache.ts';
import { putImage } from './put-image.ts';
import {
  batchGetRepositoryScanningConfiguration,
  getRegistryScanningConfiguration,
  putRegistryScanningConfiguration,
} from './registry-scanning.ts';
import {
  createRepository,
  deleteRepository,
  describeRepositories,
  putImageScanningConfiguration,
  putImageTagMutability,
} from './repositories.ts';
import { describeImageScanFindings, startImageScan } from './scans.ts';
import { listTagsForResource, tagResource, untagResource } from './tags.ts';
import { initialEcrState, type EcrState } from './state.ts';

export { REGISTRY_USER, registryPassword } from './authorization.ts';
export { ecrRegistryCatalog } from './registry-catalog.ts';
export type { EcrState, RepositoryRecord } from './state.ts';

/**
 * ECR: repositories, images (pushed through the registry on the same endpoint or the layer API and
 * PutImage, over the same blobs), lifecycle policies and their previews, scans and the registry's
 * scanning rules, policies, replication settings, account settings, pull through cache rules,
 * repository creation templates and tags.
 */
export const ecr: ServiceDefinition<EcrState> = {
  signingName: 'ecr',
  protocol: 'awsJson1_1',
  constraintError: 'InvalidParameterException',
  targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
  schemas: sdk,
  initialState: initialEcrState,
  authorization: ecrAuthorization,
  operations: {
    CreateRepository: createRepository,
    DescribeRepositories: describeRepositories,
    DeleteRepository: deleteRepository,
    PutImageTagMutability: putImageTagMutability,
    PutImageScanningConfiguration: putImageScanningConfiguration,
    SetRepositoryPolicy: setRepositoryPolicy,
    GetRepositoryPolicy: getRepositoryPolicy,
    DeleteRepositoryPolicy: deleteRepositoryPolicy,
    PutRegistryPolicy: putRegistryPolicy,
    GetRegistryPolicy: getRegistryPolicy,
    DeleteRegistryPolicy: deleteRegistryPolicy,
    DescribeRegistry: describeRegistry,
    PutReplicationConfiguration: putReplicationConfiguration,
    GetAuthorizationToken: getAuthorizationToken,
    DescribeImages: describeImages,
    ListImages: listImages,
    BatchGetImage: batchGetImage,
    BatchDeleteImage: batchDeleteImage,
    PutImage: putImage,
    BatchCheckLayerAvailability: batchCheckLayerAvailability,
    GetDownloadUrlForLayer: getDownloadUrlForLayer,
    InitiateLayerUpload: initiateLayerUpload,
    UploadLayerPart: uploadLayerPart,
    CompleteLayerUpload: completeLayerUpload,
    PutLifecyclePolicy: putLifecyclePolicy,
    GetLifecyclePolicy: getLifecyclePolicy,
    DeleteLifecyclePolicy: deleteLifecyclePolicy,
    StartImageScan: startImageScan,
    DescribeImageScanFindings: describeImageScanFindings,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
    PutRegistryScanningConfiguration: putRegistryScanningConfiguration,
    GetRegistryScanningConfiguration: getRegistryScanningConfiguration,
    BatchGetRepositoryScanningConfiguration: batchGetRepositoryScanningConfiguration,
    GetAccountSetting: getAccountSetting,
    PutAccountSetting: putAccountSetting,
    CreatePullThroughCacheRule: createPullThroughCacheRule,
    DescribePullThroughCacheRules: describePullThroughCacheRules,
    UpdatePullThroughCacheRule: updatePullThroughCacheRule,
    DeletePullThroughCacheRule: deletePullThroughCacheRule,
    ValidatePullThroughCacheRule: validatePullThroughCacheRule,
    CreateRepositoryCreationTemplate: createRepositoryCreationTemplate,
    DescribeRepositoryCreationTemplates: describeRepositoryCreationTemplates,
    UpdateRepositoryCreationTemplate: updateRepositoryCreationTemplate,
    DeleteRepositoryCreationTemplate: deleteRepositoryCreationTemplate,
    StartLifecyclePolicyPreview: startLifecyclePolicyPreview,
    GetLifecyclePolicyPreview: getLifecyclePolicyPreview,
  },
};
