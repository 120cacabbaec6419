/** ECR's recorded state (per region) and the lookups its handlers and its registry share. */
import { randomBytes } from 'node:crypto';
import type {
  EncryptionConfiguration,
  EncryptionConfigurationForRepositoryCreationTemplate,
  RCTAppliedFor,
  RegistryScanningConfiguration,
  ReplicationConfiguration,
  UpstreamRegistry,
} from '@aws-sdk/client-ecr';
import { arn, nameMap } from '../common.ts';
import { ImageNotFoundException, RepositoryNotFoundException } from './errors.ts';

export interface ImageRecord {
  digest: string;
  /** The manifest exactly as pushed (what BatchGetImage and the registry hand back). */
  manifest: string;
  mediaType: string;
  artifactMediaType?: string;
  /** Sum of the layers' (compressed) sizes, as ECR reports imageSizeInBytes. */
  sizeBytes: number;
  tags: string[];
  pushedMs: number;
  /** When the (empty) scan completed; absent when the image was never scanned. */
  scanCompletedMs?: number;
}

export interface RepositoryRecord {
  name: string;
  arn: string;
  createdMs: number;
  tagMutability: 'MUTABLE' | 'IMMUTABLE';
  scanOnPush: boolean;
  /** Keyed by manifest digest, in push order. */
  images: Record<string, ImageRecord>;
  /** Blobs pushed to or mounted into this repository (digest → size); the bytes are shared on disk. */
  blobs: Record<string, number>;
  lifecyclePolicy?: { text: string; lastEvaluatedMs?: number };
  /** SetRepositoryPolicy's text, as given. */
  policyText?: string;
  /** In the order they were added (absent in state saved before repositories kept tags). */
  tags?: RepositoryTag[];
  /** As CreateRepository or a creation template gave it; absent, AES256 (ECR's default). */
  encryption?: EncryptionConfiguration;
  /** The last StartLifecyclePolicyPreview's outcome, evaluated when it was started. */
  lifecyclePreview?: LifecyclePreviewRecord;
}

export interface LifecyclePreviewRecord {
  text: string;
  /** The images the policy would expire, as they were when the preview ran. */
  expiring: Array<{ digest: string; tags: string[]; pushedMs: number; rulePriority: number }>;
}

export interface PullThroughCacheRuleRecord {
  ecrRepositoryPrefix: string;
  upstreamRegistry: UpstreamRegistry;
  upstreamRegistryUrl: string;
  upstreamRepositoryPrefix?: string;
  credentialArn?: string;
  customRoleArn?: string;
  createdMs: number;
  updatedMs: number;
}

export interface CreationTemplateRecord {
  prefix: string;
  description?: string;
  encryptionConfiguration: EncryptionConfigurationForRepositoryCreationTemplate;
  resourceTags: RepositoryTag[];
  imageTagMutability: 'MUTABLE' | 'IMMUTABLE';
  repositoryPolicy?: string;
  lifecyclePolicy?: string;
  appliedFor: RCTAppliedFor[];
  customRoleArn?: string;
  createdMs: number;
  updatedMs: number;
}

export interface RepositoryTag {
  Key: string;
  Value: string;
}

export interface EcrState {
  /** Signs this region's registry passwords, so tokens survive restarts and cannot be forged. */
  tokenSecret: string;
  repositories: Record<string, RepositoryRecord>;
  /** PutRegistryPolicy's text, as given. */
  registryPolicy?: string;
  /** Recorded as given; nothing is replicated (one local registry). */
  replicationConfiguration?: ReplicationConfiguration;
  /** PutRegistryScanningConfiguration's; absent, AWS's default (BASIC, no rules). */
  registryScanning?: RegistryScanningConfiguration;
  /** PutAccountSetting's values by setting name; a setting never put has AWS's default. */
  accountSettings?: Record<string, string>;
  /** By ECR repository prefix (absent in state saved before they were served, as the next two). */
  pullThroughCacheRules?: Record<string, PullThroughCacheRuleRecord>;
  /** Repository creation templates by prefix (`ROOT` or a namespace). */
  creationTemplates?: Record<string, CreationTemplateRecord>;
}

export const initialEcrState = (): EcrState => ({
  tokenSecret: randomBytes(32).toString('base64url'),
  repositories: nameMap(),
});

export function repositoryArn(region: string, accountId: string, name: string): string {
  return arn('ecr', region, accountId, `repository/${name}`);
}

export function repositoryNotFoundMessage(name: string, accountId: string): string {
  return `The repository with name '${name}' does not exist in the registry with id '${accountId}'`;
}

export function findRepository(state: EcrState, name: string, accountId: string): RepositoryRecord {
  const repository = state.repositories[name];
  if (!repository) throw new RepositoryNotFoundException(repositoryNotFoundMessage(name, accountId));
  return repository;
}

/** The image a tag or digest names, if any. */
export function findImage(
  repository: RepositoryRecord,
  id: { imageDigest?: string | undefined; imageTag?: string | undefined },
): ImageRecord | undefined {
  const image = id.imageDigest
    ? repository.images[id.imageDigest]
    : Object.values(repository.images).find((i) => id.imageTag !== undefined && i.tags.includes(id.imageTag));
  if (image && id.imageTag !== undefined && !image.tags.includes(id.imageTag)) return undefined;
  return image;
}

/** `{imageDigest:'…', imageTag:'…'}`: how ECR's messages name an image id. */
export function describeImageId(id: {
  imageDigest?: string | undefined;
  imageTag?: string | undefined;
}): string {
  return `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;
}

/** The image `id` names, or ECR's ImageNotFoundException. */
export function requireImage(
  repository: RepositoryRecord,
  id: { imageDigest?: string | undefined; imageTag?: string | undefined },
  accountId: string,
): ImageRecord {
  const image = findImage(repository, id);
  if (!image) {
    throw new ImageNotFoundException(
      `The image with imageId ${describeImageId(id)} does not exist within the repository with name '${repository.name}' in the registry with id '${accountId}'`,
    );
  }
  return image;
}
