/**
 * What Fargate's agent needs of the execution role to pull a task's images from ECR, checked
 * before the engine pulls (IAM enforced): `ecr:GetAuthorizationToken` for the registry login, then
 * `ecr:BatchGetImage` (the manifest) and `ecr:GetDownloadUrlForLayer` (the layers) on each
 * repository, its repository policy included. Refusals read as Fargate reports them.
 */
import { randomUUID } from 'node:crypto';
import { ecr, type EcrState, type RepositoryRecord } from '../services/ecr/index.ts';
import type { ServiceError } from '../protocol/errors.ts';
import type { StateStore } from '../state/store.ts';
import type { RoleSession } from './execution-role.ts';
import { CannotPullContainerError } from './task-containers.ts';
import { TaskStartError } from './task-spec.ts';

/** Those of `images` (`<host>/<repository>[:tag|@digest]`) that the local registry serves. */
export function localImages(images: string[], registryHosts: readonly string[]): string[] {
  return images.filter((image) => registryHosts.includes(image.slice(0, image.indexOf('/'))));
}

/** The registry login, retrieved with the task's secrets before anything is pulled. */
export function checkRegistryAuth(session: RoleSession, local: string[]): void {
  if (local.length === 0) return;
  try {
    session.authorize('ecr:GetAuthorizationToken', '*');
  } catch (error) {
    const { code, message } = error as ServiceError;
    throw new TaskStartError(
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
        `unable to retrieve ecr registry auth: service call has been retried 3 time(s): ${code}: ${message} ` +
        `status code: 400, request id: ${randomUUID()}`,
    );
  }
}

/** The pull of each local image: its manifest, then its layers. */
export function checkImagePulls(
  store: StateStore,
  region: string,
  session: RoleSession,
  local: string[],
): void {
  const state = store.slice<EcrState>('ecr', region, () => ecr.initialState(region));
  const account = session.principalArn.split(':')[4] ?? '';
  for (const image of local) {
    const host = image.slice(0, image.indexOf('/'));
    const { repository, reference } = splitImage(image.slice(host.length + 1));
    const record = Object.hasOwn(state.repositories, repository) ? state.repositories[repository] : undefined;
    const arn = record?.arn ?? `arn:aws:ecr:${region}:${account}:repository/${repository}`;
    const allowed = (action: string) => {
      try {
        session.authorize(action, arn, record?.policyText);
        return true;
      } catch {
        return false;
      }
    };
    // The registry answers a refused manifest or layer with 403, and that is all the agent reports.
    if (!allowed('ecr:BatchGetImage')) {
      throw new CannotPullContainerError(
        `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: ` +
          `pulling from host ${host} failed with status code [manifests ${reference}]: 403 Forbidden`,
      );
    }
    if (!allowed('ecr:GetDownloadUrlForLayer')) {
      throw new CannotPullContainerError(
        `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to copy: httpReadSeeker: ` +
          `failed open: unexpected status code https://${host}/v2/${repository}/blobs/${layerOf(record, reference)}: 403 Forbidden`,
      );
    }
  }
}

function splitImage(path: string): { repository: string; reference: string } {
  const at = path.indexOf('@');
  if (at >= 0) return { repository: path.slice(0, at), reference: path.slice(at + 1) };
  const colon = path.lastIndexOf(':');
  return colon > path.lastIndexOf('/')
    ? { repository: path.slice(0, colon), reference: path.slice(colon + 1) }
    : { repository: path, reference: 'latest' };
}

/** The image's config blob digest, the first blob the engine fetches (the manifest digest if unreadable). */
function layerOf(record: RepositoryRecord | undefined, reference: string): string {
  const image = record
    ? Object.values(record.images).find((i) => i.digest === reference || i.tags.includes(reference))
    : undefined;
  try {
    const manifest = JSON.parse(image?.manifest ?? '{}') as { config?: { digest?: string } };
    return manifest.config?.digest ?? image?.digest ?? reference;
  } catch {
    return image?.digest ?? reference;
  }
}
