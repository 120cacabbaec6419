// The teardown check finds what a run left on the engine (a container and a network carrying its
// cloud's label, a named container, an image under its repository) and nothing once they are gone.
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/cloud/runtime/labels.ts';
import { imagesUnder, leftovers } from '../../src/rehearse/leftovers.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { TEST_BASE_IMAGES } from '../deploy/base-images.ts';

const NODE_IMAGE = TEST_BASE_IMAGES.runtime;

describe.skipIf(!dockerAvailable)('the teardown check', () => {
  it('names every container, network and image of the run that is left, and nothing once removed', async () => {
    const docker = new Docker();
    const cloudId = randomUUID();
    const suffix = cloudId.slice(0, 8);
    const repository = `127.0.0.1:1/leftover-test-${suffix}`;
    const labels = { [LABELS.managed]: 'true', [LABELS.cloud]: cloudId };
    const network = await docker.createNetwork({ Name: `devkit-leftover-${suffix}`, Labels: labels });
    const task = await docker.createContainer({
      name: `devkit-leftover-task-${suffix}`,
      Image: NODE_IMAGE,
      Labels: labels,
    });
    const named = await docker.createContainer({
      name: `devkit-leftover-named-${suffix}`,
      Image: NODE_IMAGE,
    });
    await docker.getImage(NODE_IMAGE).tag({ repo: repository, tag: 'v1' });
    const made = {
      cloudId,
      containers: [`devkit-leftover-named-${suffix}`],
      images: [`${repository}:v1`],
      repositories: [repository],
    };
    try {
      expect((await leftovers(docker, made)).sort()).toEqual(
        [
          `container devkit-leftover-task-${suffix} (created)`,
          `network devkit-leftover-${suffix}`,
          `container devkit-leftover-named-${suffix}`,
          `image ${repository}:v1`,
        ].sort(),
      );
    } finally {
      await task.remove({ force: true });
      await named.remove({ force: true });
      await network.remove();
      await docker.getImage(`${repository}:v1`).remove();
    }
    expect(await leftovers(docker, made)).toEqual([]);
    // The base image the tag pointed at is not the run's: it stays, and is not reported.
    expect(await docker.getImage(NODE_IMAGE).inspect()).toBeTruthy();
  });

  it("leaves an earlier run's image under the repository out, yet still names this run's own tag on the same image", async () => {
    const docker = new Docker();
    const repository = `127.0.0.1:1/leftover-test-${randomUUID().slice(0, 8)}`;
    await docker.getImage(NODE_IMAGE).tag({ repo: repository, tag: 'rehearsal-v1-earlier' });
    try {
      const earlier = await imagesUnder(docker, [repository]);
      expect(earlier.map((image) => image.name)).toEqual([`${repository}:rehearsal-v1-earlier`]);
      const made = {
        cloudId: undefined,
        containers: [],
        images: [`${repository}:rehearsal-v1-now`],
        repositories: [repository],
        earlier: earlier.map((image) => image.id),
      };
      expect(await leftovers(docker, made)).toEqual([]);
      // Without the snapshot the earlier image counts: the check is not blind to the repository.
      expect(await leftovers(docker, { ...made, earlier: [] })).toEqual([
        `image ${repository}:rehearsal-v1-earlier`,
      ]);
      // A cached build gives this run's tag the same image id: it is still this run's, and named.
      await docker.getImage(NODE_IMAGE).tag({ repo: repository, tag: 'rehearsal-v1-now' });
      expect(await leftovers(docker, made)).toEqual([`image ${repository}:rehearsal-v1-now`]);
    } finally {
      for (const tag of ['rehearsal-v1-earlier', 'rehearsal-v1-now'])
        await docker
          .getImage(`${repository}:${tag}`)
          .remove()
          .catch(() => undefined);
    }
  });
});
