/**
 * PutImage: a manifest pushed through ECR's API (after its layers went up with the layer API, or
 * to tag an image again), checked and recorded exactly as the registry's manifest PUT records it.
 */
import type { PutImageRequest, PutImageResponse } from '@aws-sdk/client-ecr';
import { parseManifest } from '../../registry/manifests.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import {
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  InvalidParameterException,
  LayersNotFoundException,
  ReferencedImagesNotFoundException,
} from './errors.ts';
import { recordImage } from './push.ts';
import type { EcrState } from './state.ts';
import { findRepository } from './state.ts';

export const putImage: Handler<
  Checked<PutImageRequest, 'repositoryName' | 'imageManifest'>,
  PutImageResponse,
  EcrState
> = async (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  let pushed: ReturnType<typeof parseManifest>;
  try {
    pushed = parseManifest(Buffer.from(input.imageManifest, 'utf8'), input.imageManifestMediaType);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    throw new InvalidParameterException(
      `Invalid parameter at 'imageManifest' failed to satisfy constraint: '${error.message}'`,
    );
  }
  if (input.imageDigest !== undefined && input.imageDigest !== pushed.digest) {
    throw new ImageDigestDoesNotMatchException(
      `Provided digest ${input.imageDigest} does not match the calculated digest ${pushed.digest} of the image manifest`,
    );
  }
  const missing: string[] = [];
  for (const blob of pushed.blobs) {
    const size = repository.blobs[blob.digest];
    if (size !== blob.size || (await ctx.blobs.size(blob.digest)) !== size) missing.push(blob.digest);
  }
  if (missing.length > 0) {
    throw new LayersNotFoundException(
      `Layers with digests '[${missing.join(', ')}]' required for pushing image into repository with name '${repository.name}' in the registry with id '${ctx.accountId}' do not exist`,
    );
  }
  const absent = pushed.children.filter((child) => !repository.images[child.digest]);
  if (absent.length > 0) {
    throw new ReferencedImagesNotFoundException(
      `Manifests with digests '[${absent.map((c) => c.digest).join(', ')}]' referenced by the manifest list do not exist in the repository with name '${repository.name}'`,
    );
  }
  const existing = repository.images[pushed.digest];
  const tag = input.imageTag;
  if (existing && (tag === undefined || existing.tags.includes(tag))) {
    throw new ImageAlreadyExistsException(
      `Image with digest '${pushed.digest}' and tag '${tag ?? 'null'}' already exists in the repository with name '${repository.name}' in the registry with id '${ctx.accountId}'`,
    );
  }
  const image = recordImage(ctx.state, repository, tag, pushed, Date.now());
  return {
    image: {
      registryId: ctx.accountId,
      repositoryName: repository.name,
      imageId: { imageDigest: image.digest, ...(tag !== undefined ? { imageTag: tag } : {}) },
      imageManifest: image.manifest,
      imageManifestMediaType: image.mediaType,
    },
  };
};
