/**
 * Recording a pushed image with ECR's rules, whichever way it came (the registry's manifest PUT or
 * the PutImage API): immutable tags stay put, a tag moves to the new image, scan on push (the
 * repository's or the registry's scanning rules), the lifecycle policy runs.
 */
import type { PushedManifest } from '../../registry/catalog.ts';
import { ImageTagAlreadyExistsException } from './errors.ts';
import { applyLifecyclePolicy } from './lifecycle.ts';
import { scansOnPush } from './registry-scanning.ts';
import type { EcrState, ImageRecord, RepositoryRecord } from './state.ts';

export function recordImage(
  state: EcrState,
  repository: RepositoryRecord,
  tag: string | undefined,
  manifest: PushedManifest,
  nowMs: number,
): ImageRecord {
  if (tag !== undefined) {
    const holder = Object.values(repository.images).find((image) => image.tags.includes(tag));
    if (holder && holder.digest !== manifest.digest) {
      if (repository.tagMutability === 'IMMUTABLE') {
        throw new ImageTagAlreadyExistsException(
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
    ...(scansOnPush(state, repository) ? { scanCompletedMs: nowMs } : {}),
  });
  if (tag !== undefined && !image.tags.includes(tag)) image.tags.push(tag);
  applyLifecyclePolicy(repository, nowMs);
  return image;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
