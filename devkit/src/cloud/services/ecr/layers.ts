/**
 * ECR's layer API (what tools that push and pull without Docker use: crane, skopeo, SDK scripts),
 * over the very blob store and repository links the registry route uses, so a layer uploaded one
 * way is found the other.
 */
import { Readable } from 'node:stream';
import type {
  BatchCheckLayerAvailabilityRequest,
  BatchCheckLayerAvailabilityResponse,
  CompleteLayerUploadRequest,
  CompleteLayerUploadResponse,
  GetDownloadUrlForLayerRequest,
  GetDownloadUrlForLayerResponse,
  InitiateLayerUploadRequest,
  InitiateLayerUploadResponse,
  Layer,
  LayerFailure,
  UploadLayerPartRequest,
  UploadLayerPartResponse,
} from '@aws-sdk/client-ecr';
import { DOWNLOAD_TOKEN } from '../../registry/catalog.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { registryPassword } from './authorization.ts';
import {
  EmptyUploadException,
  InvalidLayerException,
  InvalidLayerPartException,
  LayerAlreadyExistsException,
  LayersNotFoundException,
  UploadNotFoundException,
} from './errors.ts';
import type { EcrState, RepositoryRecord } from './state.ts';
import { findRepository } from './state.ts';

/** The part size ECR recommends (its documented InitiateLayerUpload answer). */
const PART_SIZE = 10 * 1024 * 1024;
/** AWS's presigned layer URLs last an hour. */
const DOWNLOAD_URL_LIFETIME_MS = 60 * 60 * 1000;
const SHA256 = /^sha256:[a-f0-9]{64}$/;
const DEFAULT_LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

type Ctx = RequestContext<EcrState>;

/** A layer this repository holds (pushed or mounted), whole on disk: its size, else undefined. */
async function layerSize(
  ctx: Ctx,
  repository: RepositoryRecord,
  digest: string,
): Promise<number | undefined> {
  const size = repository.blobs[digest];
  if (size === undefined || !SHA256.test(digest)) return undefined;
  return (await ctx.blobs.size(digest)) === size ? size : undefined;
}

/** The media type a manifest of the repository gives the blob (ECR reports what was pushed). */
function mediaTypeOf(repository: RepositoryRecord, digest: string): string {
  for (const image of Object.values(repository.images)) {
    const manifest = JSON.parse(image.manifest) as {
      config?: { digest?: unknown; mediaType?: unknown };
      layers?: Array<{ digest?: unknown; mediaType?: unknown }>;
    };
    const found = [manifest.config, ...(manifest.layers ?? [])].find((d) => d?.digest === digest);
    if (typeof found?.mediaType === 'string') return found.mediaType;
  }
  return DEFAULT_LAYER_MEDIA_TYPE;
}

export const batchCheckLayerAvailability: Handler<
  Checked<BatchCheckLayerAvailabilityRequest, 'repositoryName' | 'layerDigests'>,
  BatchCheckLayerAvailabilityResponse,
  EcrState
> = async (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const layers: Layer[] = [];
  const failures: LayerFailure[] = [];
  for (const layerDigest of input.layerDigests) {
    if (!SHA256.test(layerDigest)) {
      failures.push({
        layerDigest,
        failureCode: 'InvalidLayerDigest',
        failureReason: 'Invalid layer digest',
      });
      continue;
    }
    const size = await layerSize(ctx, repository, layerDigest);
    layers.push(
      size === undefined
        ? { layerDigest, layerAvailability: 'UNAVAILABLE' }
        : {
            layerDigest,
            layerAvailability: 'AVAILABLE',
            layerSize: size,
            mediaType: mediaTypeOf(repository, layerDigest),
          },
    );
  }
  return { layers, failures };
};

/** A URL that reads the layer without credentials for an hour, as ECR's presigned S3 URLs do. */
export const getDownloadUrlForLayer: Handler<
  Checked<GetDownloadUrlForLayerRequest, 'repositoryName' | 'layerDigest'>,
  GetDownloadUrlForLayerResponse,
  EcrState
> = async (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  if ((await layerSize(ctx, repository, input.layerDigest)) === undefined) {
    throw new LayersNotFoundException(
      `The image layer '${input.layerDigest}' does not exist in the repository with name '${repository.name}' in the registry with id '${ctx.accountId}'`,
    );
  }
  const token = registryPassword(ctx.state, ctx.region, Date.now() + DOWNLOAD_URL_LIFETIME_MS);
  // The token's signing secret must outlive a restart, as GetAuthorizationToken's does.
  ctx.store.markDirty('ecr');
  const url = new URL(`http://${ctx.host}/v2/${repository.name}/blobs/${input.layerDigest}`);
  url.searchParams.set(DOWNLOAD_TOKEN, token);
  return { downloadUrl: url.toString(), layerDigest: input.layerDigest };
};

export const initiateLayerUpload: Handler<
  Checked<InitiateLayerUploadRequest, 'repositoryName'>,
  InitiateLayerUploadResponse,
  EcrState
> = (input, ctx) => {
  findRepository(ctx.state, input.repositoryName, ctx.accountId);
  return { uploadId: ctx.blobs.startUpload(), partSize: PART_SIZE };
};

function uploadNotFound(ctx: Ctx, repository: RepositoryRecord, uploadId: string): UploadNotFoundException {
  return new UploadNotFoundException(
    `Upload with id '${uploadId}' is not found in the repository with name '${repository.name}' in the registry with id '${ctx.accountId}'`,
  );
}

/** Parts arrive in order, each starting right after the last byte received. */
export const uploadLayerPart: Handler<
  Checked<
    UploadLayerPartRequest,
    'repositoryName' | 'uploadId' | 'partFirstByte' | 'partLastByte' | 'layerPartBlob'
  >,
  UploadLayerPartResponse,
  EcrState
> = async (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const received = ctx.blobs.uploadedSize(input.uploadId);
  if (received === undefined) throw uploadNotFound(ctx, repository, input.uploadId);
  const bytes = input.layerPartBlob.length;
  if (input.partFirstByte !== received || input.partLastByte !== input.partFirstByte + bytes - 1) {
    throw new InvalidLayerPartException(
      `The layer part (bytes ${input.partFirstByte}-${input.partLastByte}, ${bytes} bytes sent) does not follow the last byte received (${received - 1}) of the upload with id '${input.uploadId}'`,
    );
  }
  let size: number;
  try {
    size = await ctx.blobs.append(input.uploadId, Readable.from([Buffer.from(input.layerPartBlob)]));
  } catch (error) {
    throw uploadError(error, () => uploadNotFound(ctx, repository, input.uploadId));
  }
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    uploadId: input.uploadId,
    lastByteReceived: size - 1,
  };
};

export const completeLayerUpload: Handler<
  Checked<CompleteLayerUploadRequest, 'repositoryName' | 'uploadId' | 'layerDigests'>,
  CompleteLayerUploadResponse,
  EcrState
> = async (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const received = ctx.blobs.uploadedSize(input.uploadId);
  if (received === undefined) throw uploadNotFound(ctx, repository, input.uploadId);
  if (received === 0) {
    throw new EmptyUploadException(
      `The upload with id '${input.uploadId}' does not contain any layer parts.`,
    );
  }
  const [layerDigest = ''] = input.layerDigests;
  if (!SHA256.test(layerDigest)) {
    throw new InvalidLayerException(`Invalid layer digest '${layerDigest}'`);
  }
  if ((await layerSize(ctx, repository, layerDigest)) !== undefined) {
    await ctx.blobs.cancel(input.uploadId);
    throw new LayerAlreadyExistsException(
      `The layer '${layerDigest}' already exists in the repository with name '${repository.name}' in the registry with id '${ctx.accountId}'`,
    );
  }
  let size: number;
  try {
    size = await ctx.blobs.finish(input.uploadId, layerDigest);
  } catch (error) {
    throw uploadError(error, () => uploadNotFound(ctx, repository, input.uploadId));
  }
  repository.blobs[layerDigest] = size;
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    uploadId: input.uploadId,
    layerDigest,
  };
};

/** The blob store's distribution errors, as ECR names them. */
function uploadError(error: unknown, notFound: () => UploadNotFoundException): unknown {
  if (!(error instanceof RegistryError)) return error;
  switch (error.code) {
    case 'BLOB_UPLOAD_UNKNOWN':
      return notFound();
    case 'DIGEST_INVALID':
      return new InvalidLayerException(`The calculated digest of the layer does not match: ${error.message}`);
    case 'RANGE_INVALID':
      return new InvalidLayerPartException('Another part of this upload is being received.');
    default:
      return error;
  }
}
