import type Docker from 'dockerode';

/** Untags every local image pushed to the registry at `127.0.0.1:<port>`, so test runs leave no tags behind. */
export async function removeRegistryImages(docker: Docker, port: number): Promise<void> {
  const prefix = `127.0.0.1:${port}/`;
  for (const image of await docker.listImages()) {
    for (const tag of image.RepoTags ?? []) {
      if (tag.startsWith(prefix))
        await docker
          .getImage(tag)
          .remove()
          .catch(() => undefined);
    }
  }
}
