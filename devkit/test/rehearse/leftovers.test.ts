// The teardown check finds what a run left on the engine (a container and a network carrying its
// cloud's label, a named container, an image under its repository) and nothing once they are gone.
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../src/cloud/runtime/labels.ts';
import { leftovers } from '../../src/rehearse/leftovers.ts';
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
});
