/**
 * ECR as the registry's catalog: the registry password (from GetAuthorizationToken) opens one
 * region's repositories; pushes become images in ECR's state, with ECR's rules applied — the
 * repository must exist (or a CREATE_ON_PUSH template creates it, which asks ecr:CreateRepository
 * of the pusher), immutable tags stay put, scan on push, the lifecycle policy runs, layers mount
 * across repositories only with the BLOB_MOUNTING account setting ENABLED. Each
 * request of a password issued to a session or IAM user is authorized as that principal, with the
 * ECR action AWS maps it to, through the same AccessControl (and catalogue entry) as the API calls.
 */
import { randomUUID } from 'node:crypto';
import { resolveCaller, type Caller } from '../../access/caller.ts';
import type { AccessControl } from '../../access/enforcement.ts';
import { sessionByAccessKey, userByName, userSessionByAccessKey } from '../../access/identities.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { RegistryCatalog, RegistryNamespace, RegistryOperation } from '../../registry/catalog.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { StateStore } from '../../state/store.ts';
import { accountSetting } from './account-settings.ts';
import { claimedRegion, REGISTRY_USER, verifyPassword, type TokenPrincipal } from './authorization.ts';
import { createOnPush } from './creation-templates.ts';
import { ImageTagAlreadyExistsException } from './errors.ts';
import { ecrAuthorization } from './permissions.ts';
import { recordImage } from './push.ts';
import type { EcrState, ImageRecord, RepositoryRecord } from './state.ts';
import { findImage } from './state.ts';

export function ecrRegistryCatalog(
  store: StateStore,
  options: { access: AccessControl; accountId: string },
): RegistryCatalog {
  return {
    challenge: (host) => `Basic realm="http://${host}/",service="ecr.amazonaws.com"`,
    authenticateDownload(token) {
      return this.authenticate(REGISTRY_USER, token);
    },
    authenticate(user, password) {
      if (user !== REGISTRY_USER) return undefined;
      const region = claimedRegion(password);
      const state = store.regions<EcrState>('ecr').find(([r]) => r === region)?.[1];
      const claims =
        region === undefined || !state ? undefined : verifyPassword(state.tokenSecret, password, Date.now());
      if (!claims) return undefined;
      // A principal gone since (its session expired, its user deleted) no longer authenticates.
      const caller = claims.principal && tokenCaller(store, options.accountId, claims.principal);
      if (claims.principal && !caller) return undefined;
      return regionNamespace(
        state!,
        { region: region!, accountId: options.accountId },
        () => store.commit('ecr', region!),
        (operation, name) => {
          if (!caller) return;
          try {
            options.access.authorize({
              requestId: randomUUID(),
              operation,
              input: { repositoryName: name },
              caller,
              region: region!,
              sourceIp: undefined,
              catalogue: ecrAuthorization,
              state,
              protocol: 'json',
            });
          } catch (error) {
            // Docker prints it as `denied: User: ... is not authorized to perform: ...`, as against ECR.
            if (error instanceof ServiceError) throw new RegistryError('DENIED', 403, error.message);
            throw error;
          }
        },
      );
    },
  };
}

/** The caller a password's principal names now, as the gateway resolves its key; undefined if it no longer can. */
function tokenCaller(store: StateStore, accountId: string, principal: TokenPrincipal): Caller | undefined {
  if ('userName' in principal) {
    const user = userByName(store, principal.userName);
    return user && { kind: 'user', arn: user.arn, accountId, user };
  }
  const key = principal.accessKeyId;
  const sessionToken = (sessionByAccessKey(store, key) ?? userSessionByAccessKey(store, key))?.sessionToken;
  if (sessionToken === undefined) return undefined;
  try {
    return resolveCaller(store, accountId, { accessKeyId: key, sessionToken }, Date.now(), 'json');
  } catch {
    return undefined;
  }
}

function regionNamespace(
  state: EcrState,
  at: { region: string; accountId: string },
  changed: () => Promise<void>,
  authorize: (operation: RegistryOperation | 'CreateRepository', name: string) => void,
): RegistryNamespace {
  const repository = (name: string): RepositoryRecord => state.repositories[name]!;
  const byReference = (name: string, reference: string): ImageRecord | undefined =>
    findImage(
      repository(name),
      reference.includes(':') ? { imageDigest: reference } : { imageTag: reference },
    );

  return {
    authorize,
    hasRepository: (name) => Object.hasOwn(state.repositories, name),
    mountsBlobs: () => accountSetting(state, 'BLOB_MOUNTING') === 'ENABLED',
    async createOnPush(name) {
      if (!createOnPush(state, at, name, () => authorize('CreateRepository', name))) return false;
      await changed();
      return true;
    },
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
        recordImage(state, repository(name), tag, manifest, Date.now());
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
