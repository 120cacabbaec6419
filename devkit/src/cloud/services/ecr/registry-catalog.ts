/**
 * ECR as the registry's catalog: the registry password (from GetAuthorizationToken) opens one
 * region's repositories; pushes become images in ECR's state, with ECR's rules applied — the
 * repository must exist, immutable tags stay put, scan on push, the lifecycle policy runs.
 */
import type { PushedManifest, RegistryCatalog, RegistryNamespace } from '../../registry/catalog.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { StateStore } from '../../state/store.ts';
import { claimedRegion, REGISTRY_USER, verifyPassword } from './authorization.ts';
import { applyLifecyclePolicy } from './lifecycle.ts';
import type { EcrState, ImageRecord, RepositoryRecord } from './state.ts';
import { findImage } from './state.ts';

export function ecrRegistryCatalog(store: StateStore): RegistryCatalog {
  return {
    challenge: (host) => `Basic realm="http://${host}/",service="ecr.amazonaws.com"`,
    authenticate(user, password) {
      if (user !== REGISTRY_USER) return undefined;
      const region = claimedRegion(password);
      const state = store.regions<EcrState>('ecr').find(([r]) => r === region)?.[1];
      if (region === undefined || !state || !verifyPassword(state.tokenSecret, password, Date.now())) {
        return undefined;
      }
      return regionNamespace(state, () => store.commit('ecr', region));
    },
  };
}

function regionNamespace(state: EcrState, changed: () => Promise<void>): RegistryNamespace {
  const repository = (name: string): RepositoryRecord => state.repositories[name]!;
  const byReference = (name: string, reference: string): ImageRecord | undefined =>
    findImage(
      repository(name),
      reference.includes(':') ? { imageDigest: reference } : { imageTag: reference },
    );

  return {
    hasRepository: (name) => Object.hasOwn(state.repositories, name),
    blobSize: (name, digest) => repository(name).blobs[digest],
    linkBlob(name, digest, size) {
      repository(name).blobs[digest] = size;
      return changed();
    },
    manifest(name, reference) {
      const image = byReference(name, reference);
      return image && { digest: image.digest, mediaType: image.mediaType, content: image.manifest };
    },
    async putManifest(name, tag, manifest) {
      recordImage(repository(name), tag, manifest, Date.now());
      await changed();
    },
    async deleteManifest(name, digest) {
      const repo = repository(name);
      if (!repo.images[digest]) return false;
      delete repo.images[digest];
      await changed();
      return true;
    },
    tags: (name) =>
      Object.values(repository(name).images)
        .flatMap((image) => image.tags)
        .sort(),
  };
}

function recordImage(
  repository: RepositoryRecord,
  tag: string | undefined,
  manifest: PushedManifest,
  nowMs: number,
): void {
  if (tag !== undefined) {
    const holder = Object.values(repository.images).find((image) => image.tags.includes(tag));
    if (holder && holder.digest !== manifest.digest) {
      if (repository.tagMutability === 'IMMUTABLE') {
        // Docker prints this as "tag invalid: The image tag ...", exactly as against ECR.
        throw new RegistryError(
          'TAG_INVALID',
          400,
          `The image tag '${tag}' already exists in the '${repository.name}' repository and cannot be overwritten because the repository is immutable.`,
        );
      }
      holder.tags = holder.tags.filter((t) => t !== tag);
    }
  }
  const image = (repository.images[manifest.digest] ??= {
    digest: manifest.digest,
    manifest: manifest.content,
    mediaType: manifest.mediaType,
    ...(manifest.configMediaType ? { artifactMediaType: manifest.configMediaType } : {}),
    // An index is as large as the images it lists.
    sizeBytes:
      sum(manifest.layerSizes) +
      sum(manifest.children.map((child) => repository.images[child.digest]?.sizeBytes ?? 0)),
    tags: [],
    pushedMs: nowMs,
    ...(repository.scanOnPush ? { scanCompletedMs: nowMs } : {}),
  });
  if (tag !== undefined && !image.tags.includes(tag)) image.tags.push(tag);
  applyLifecyclePolicy(repository, nowMs);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
