/**
 * ECR as the registry's catalog: the registry password (from GetAuthorizationToken) opens one
 * region's repositories; pushes become images in ECR's state, with ECR's rules applied — the
 * repository must exist, immutable tags stay put, scan on push, the lifecycle policy runs.
 */
import type { RegistryCatalog, RegistryNamespace } from '../../registry/catalog.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { StateStore } from '../../state/store.ts';
import { claimedRegion, REGISTRY_USER, verifyPassword } from './authorization.ts';
import { ImageTagAlreadyExistsException } from './errors.ts';
import { recordImage } from './push.ts';
import type { EcrState, ImageRecord, RepositoryRecord } from './state.ts';
import { findImage } from './state.ts';

export function ecrRegistryCatalog(store: StateStore): RegistryCatalog {
  return {
    challenge: (host) => `Basic realm="http://${host}/",service="ecr.amazonaws.com"`,
    authenticateDownload(token) {
      return this.authenticate(REGISTRY_USER, token);
    },
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
      try {
        recordImage(repository(name), tag, manifest, Date.now());
      } catch (error) {
        // Docker prints this as "tag invalid: The image tag ...", exactly as against ECR.
        if (error instanceof ImageTagAlreadyExistsException) {
          throw new RegistryError('TAG_INVALID', 400, error.message);
        }
        throw error;
      }
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
