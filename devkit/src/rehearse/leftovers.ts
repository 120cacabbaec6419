/**
 * What a run left on the Docker engine that it made: the local cloud's containers and networks (by
 * the cloud's identity label), named containers, and image references. Base images and the
 * builder's cache are not the run's to remove.
 */
import type Docker from 'dockerode';
import { LABELS } from '../cloud/runtime/labels.ts';

export interface RunArtifacts {
  /** The local cloud's identity (its containers and networks carry it). */
  cloudId: string | undefined;
  containers: string[];
  images: string[];
  /** Repositories only the run used: any image still listed under them (by tag or digest) is left over. */
  repositories: string[];
  /** Ids of images already under those repositories when the run began: an earlier run's, not this one's. */
  earlier?: string[];
}

export interface ListedImage {
  id: string;
  name: string;
}

/** Images listed under the repositories (by tag, or by digest once the tags are gone). */
export async function imagesUnder(docker: Docker, repositories: string[]): Promise<ListedImage[]> {
  const found: ListedImage[] = [];
  for (const image of await docker.listImages({ all: true })) {
    const names = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])];
    const name = names.find((n) => repositories.includes(repositoryOfName(n)));
    if (name) found.push({ id: image.Id, name });
  }
  return found;
}

export async function leftovers(docker: Docker, made: RunArtifacts): Promise<string[]> {
  const left: string[] = [];
  if (made.cloudId) {
    const filters = { label: [`${LABELS.cloud}=${made.cloudId}`] };
    for (const c of await docker.listContainers({ all: true, filters })) {
      left.push(`container ${c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)} (${c.State})`);
    }
    for (const n of await docker.listNetworks({ filters })) left.push(`network ${n.Name}`);
  }
  for (const name of made.containers) {
    const exists = await docker
      .getContainer(name)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (exists) left.push(`container ${name}`);
  }
  for (const image of await docker.listImages({ all: true })) {
    const names = [...(image.RepoTags ?? []), ...(image.RepoDigests ?? [])];
    // A cached build can give this run's image an earlier run's id: its own tags count regardless.
    const own = names.find((name) => made.images.includes(name));
    if (own) left.push(`image ${own}`);
    else if (!made.earlier?.includes(image.Id)) {
      // An image pulled by digest stays listed under its repository's RepoDigests once its tags are gone.
      const under = names.find((name) => made.repositories.includes(repositoryOfName(name)));
      if (under) left.push(`image ${under}`);
    }
  }
  return left;
}

/** `repo:tag` or `repo@sha256:…` → `repo` (a registry's host:port stays). */
function repositoryOfName(name: string): string {
  return name.replace(/(:[^:/]+|@sha256:\w+)$/, '');
}
