/**
 * What each ECR operation asks of IAM (Service Authorization Reference, Amazon ECR); a
 * repository's policy (SetRepositoryPolicy) is its resource policy.
 */
import {
  anyResource,
  requestTags,
  taggedOnCreate,
  type AuthorizationCatalogue,
  type AuthorizationScope,
  type OperationAuthorization,
  type RequiredAction,
} from '../../access/authorization.ts';
import type { EcrState } from './state.ts';

type Scope = AuthorizationScope<EcrState>;

function repository(name: string, at: Scope, extra: Partial<RequiredAction> = {}): RequiredAction {
  const record = Object.hasOwn(at.state.repositories, name) ? at.state.repositories[name] : undefined;
  return {
    action: at.action,
    resource: at.arn(`repository/${name}`),
    ...extra,
    ...(record?.policyText
      ? { resourcePolicy: { source: `repository policy of ${record.arn}`, text: record.policyText } }
      : {}),
  };
}

/** The repository the request names (`repositoryName`). */
const onRepository: OperationAuthorization<EcrState> = (i, at) => [repository(i.repositoryName, at)];

/** The repository a tagging request's `resourceArn` names (ECR tags repositories only). */
function taggedRepository(
  resourceArn: string,
  at: Scope,
  extra: Partial<RequiredAction> = {},
): RequiredAction {
  const name = /:repository\/(.+)$/.exec(resourceArn)?.[1];
  return name === undefined
    ? { action: at.action, resource: resourceArn, ...extra }
    : repository(name, at, extra);
}

export const ecrAuthorization: AuthorizationCatalogue<EcrState> = {
  prefix: 'ecr',
  operations: {
    // Created with tags, it needs ecr:TagResource too (ECR's tag-based access control).
    CreateRepository: (i, at) =>
      taggedOnCreate(repository(i.repositoryName, at, { context: requestTags(i.tags) }), i.tags?.length > 0, {
        action: 'ecr:TagResource',
      }),
    DescribeRepositories: (i: { repositoryNames?: string[] }, at) =>
      i.repositoryNames ? i.repositoryNames.map((name) => repository(name, at)) : at.arn('repository/*'),
    DeleteRepository: onRepository,
    PutImageTagMutability: onRepository,
    PutImageScanningConfiguration: onRepository,
    SetRepositoryPolicy: onRepository,
    GetRepositoryPolicy: onRepository,
    DeleteRepositoryPolicy: onRepository,
    PutRegistryPolicy: anyResource,
    GetRegistryPolicy: anyResource,
    DeleteRegistryPolicy: anyResource,
    DescribeRegistry: anyResource,
    PutReplicationConfiguration: anyResource,
    GetAuthorizationToken: anyResource,
    DescribeImages: onRepository,
    ListImages: onRepository,
    BatchGetImage: onRepository,
    BatchDeleteImage: onRepository,
    PutImage: onRepository,
    BatchCheckLayerAvailability: onRepository,
    GetDownloadUrlForLayer: onRepository,
    InitiateLayerUpload: onRepository,
    UploadLayerPart: onRepository,
    CompleteLayerUpload: onRepository,
    PutLifecyclePolicy: onRepository,
    GetLifecyclePolicy: onRepository,
    DeleteLifecyclePolicy: onRepository,
    StartImageScan: onRepository,
    DescribeImageScanFindings: onRepository,
    TagResource: (i, at) => [taggedRepository(i.resourceArn, at, { context: requestTags(i.tags) })],
    UntagResource: (i, at) => [
      taggedRepository(i.resourceArn, at, { context: { 'aws:TagKeys': i.tagKeys } }),
    ],
    ListTagsForResource: (i, at) => [taggedRepository(i.resourceArn, at)],
    PutRegistryScanningConfiguration: anyResource,
    GetRegistryScanningConfiguration: anyResource,
    BatchGetRepositoryScanningConfiguration: (i: { repositoryNames: string[] }, at) =>
      i.repositoryNames.map((name) => repository(name, at)),
    GetAccountSetting: anyResource,
    PutAccountSetting: anyResource,
    CreatePullThroughCacheRule: anyResource,
    DescribePullThroughCacheRules: anyResource,
    UpdatePullThroughCacheRule: anyResource,
    DeletePullThroughCacheRule: anyResource,
    ValidatePullThroughCacheRule: anyResource,
    CreateRepositoryCreationTemplate: anyResource,
    DescribeRepositoryCreationTemplates: anyResource,
    UpdateRepositoryCreationTemplate: anyResource,
    DeleteRepositoryCreationTemplate: anyResource,
    StartLifecyclePolicyPreview: onRepository,
    GetLifecyclePolicyPreview: onRepository,
  },
};
