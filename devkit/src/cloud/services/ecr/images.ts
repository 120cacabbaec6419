/** Images as ECR's API sees what the registry recorded: describe, list, get manifests, delete. */
import type {
  BatchDeleteImageRequest,
  BatchDeleteImageResponse,
  BatchGetImageRequest,
  BatchGetImageResponse,
  DescribeImagesRequest,
  DescribeImagesResponse,
  ImageDetail,
  ImageFailure,
  ImageIdentifier,
  ListImagesRequest,
  ListImagesResponse,
  TagStatus,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import { SCAN_DESCRIPTION } from './scans.ts';
import type { EcrState, ImageRecord, RepositoryRecord } from './state.ts';
import { findImage, findRepository, requireImage } from './state.ts';

function byTagStatus(images: ImageRecord[], tagStatus: TagStatus | undefined): ImageRecord[] {
  if (tagStatus === 'TAGGED') return images.filter((i) => i.tags.length > 0);
  if (tagStatus === 'UNTAGGED') return images.filter((i) => i.tags.length === 0);
  return images;
}

function imageDetail(repository: RepositoryRecord, image: ImageRecord, accountId: string): ImageDetail {
  const scanned = image.scanCompletedMs !== undefined;
  return {
    registryId: accountId,
    repositoryName: repository.name,
    imageDigest: image.digest,
    ...(image.tags.length ? { imageTags: [...image.tags] } : {}),
    imageSizeInBytes: image.sizeBytes,
    imagePushedAt: toDate(image.pushedMs)!,
    imageManifestMediaType: image.mediaType,
    artifactMediaType: image.artifactMediaType,
    ...(scanned
      ? {
          imageScanStatus: { status: 'COMPLETE', description: SCAN_DESCRIPTION },
          imageScanFindingsSummary: {
            imageScanCompletedAt: toDate(image.scanCompletedMs)!,
            vulnerabilitySourceUpdatedAt: toDate(image.scanCompletedMs)!,
            findingSeverityCounts: {},
          },
        }
      : {}),
  };
}

export const describeImages: Handler<
  Checked<DescribeImagesRequest, 'repositoryName'>,
  DescribeImagesResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  let images: ImageRecord[];
  if (input.imageIds) {
    images = [...new Set(input.imageIds.map((id) => requireImage(repository, id, ctx.accountId)))];
  } else {
    images = byTagStatus(Object.values(repository.images), input.filter?.tagStatus);
  }
  const { page, nextToken } = paginate(images, input.maxResults, input.nextToken);
  return { imageDetails: page.map((image) => imageDetail(repository, image, ctx.accountId)), nextToken };
};

export const listImages: Handler<
  Checked<ListImagesRequest, 'repositoryName'>,
  ListImagesResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  // One identifier per tag; an untagged image is listed by its digest alone.
  const ids = byTagStatus(Object.values(repository.images), input.filter?.tagStatus).flatMap(
    (image): ImageIdentifier[] =>
      image.tags.length
        ? image.tags.map((imageTag) => ({ imageDigest: image.digest, imageTag }))
        : [{ imageDigest: image.digest }],
  );
  const { page, nextToken } = paginate(ids, input.maxResults, input.nextToken);
  return { imageIds: page, nextToken };
};

/** A requested id, resolved to the image it names or to ECR's failure for it. */
function resolve(
  repository: RepositoryRecord,
  id: ImageIdentifier,
): { image: ImageRecord } | { failure: ImageFailure } {
  if (!id.imageDigest && !id.imageTag) {
    return {
      failure: {
        imageId: id,
        failureCode: 'MissingDigestAndTag',
        failureReason: 'Missing image digest and tag',
      },
    };
  }
  const image = findImage(repository, id);
  if (image) return { image };
  if (id.imageDigest && id.imageTag && repository.images[id.imageDigest]) {
    return {
      failure: {
        imageId: id,
        failureCode: 'ImageTagDoesNotMatchDigest',
        failureReason: 'Invalid tag for image digest',
      },
    };
  }
  return {
    failure: { imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
  };
}

export const batchGetImage: Handler<
  Checked<BatchGetImageRequest, 'repositoryName' | 'imageIds'>,
  BatchGetImageResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const response: Required<Pick<BatchGetImageResponse, 'images' | 'failures'>> = { images: [], failures: [] };
  for (const id of input.imageIds) {
    const found = resolve(repository, id);
    if ('failure' in found) {
      response.failures.push(found.failure);
      continue;
    }
    response.images.push({
      registryId: ctx.accountId,
      repositoryName: repository.name,
      imageId: { imageDigest: found.image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
      imageManifest: found.image.manifest,
      imageManifestMediaType: found.image.mediaType,
    });
  }
  return response;
};

/**
 * By digest, the image goes with all its tags; by tag, only that tag goes, and the image with it
 * when it was the image's last tag.
 */
export const batchDeleteImage: Handler<
  Checked<BatchDeleteImageRequest, 'repositoryName' | 'imageIds'>,
  BatchDeleteImageResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const response: Required<Pick<BatchDeleteImageResponse, 'imageIds' | 'failures'>> = {
    imageIds: [],
    failures: [],
  };
  for (const id of input.imageIds) {
    const found = resolve(repository, id);
    if ('failure' in found) {
      response.failures.push(found.failure);
      continue;
    }
    const { image } = found;
    const removed = id.imageDigest ? image.tags : [id.imageTag!];
    image.tags = image.tags.filter((tag) => !removed.includes(tag));
    if (id.imageDigest || image.tags.length === 0) delete repository.images[image.digest];
    response.imageIds.push(
      ...(removed.length
        ? removed.map((imageTag) => ({ imageDigest: image.digest, imageTag }))
        : [{ imageDigest: image.digest }]),
    );
  }
  return response;
};
