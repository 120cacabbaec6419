/** Teardown: everything the run started is removed, and nothing of it is left on the engine. */
import type Docker from 'dockerode';
import { rm } from 'node:fs/promises';
import { destroyClients } from '../../deploy/clients.ts';
import { removeGeminiContainer } from '../../gemini/container.ts';
import type { Started } from '../context.ts';
import { repositoryOf } from '../context.ts';
import { leftovers } from '../leftovers.ts';
import type { RehearsalStep } from '../step.ts';

export const teardown: RehearsalStep = {
  name: 'teardown',
  title: 'Tear everything down',
  async run(ctx, run) {
    const { started, docker } = ctx;
    for (const line of await removeStarted(started, docker)) run.note(line);
    const left = await leftovers(docker, {
      cloudId: started.cloud?.runtime?.cloudId,
      images: [...started.images, ...(started.geminiImage?.built ? [started.geminiImage.image] : [])],
      containers: started.geminiContainer ? [started.geminiContainer] : [],
      repositories: started.cloud ? [repositoryOf(started.cloud, ctx.stack)] : [],
      earlier: started.earlierImages,
    });
    for (const thing of left) run.expect(false, `left behind: ${thing}`);
    if (left.length === 0)
      run.note('no container, network or image of this run is left (base images and the build cache stay)');
  },
};

async function removeStarted(started: Started, docker: Docker): Promise<string[]> {
  const done: string[] = [];
  if (started.clients) destroyClients(started.clients);
  if (started.deployClients) destroyClients(started.deployClients);
  if (started.cloud) {
    await started.cloud.close({ cleanup: true });
    done.push('local cloud closed; its task containers and networks removed');
  }
  if (started.geminiContainer && (await removeGeminiContainer(docker, started.geminiContainer))) {
    done.push(`replay server ${started.geminiContainer} removed`);
  }
  // Each release is tagged <repository>:<tag> and <repository>:latest.
  const images = started.images.flatMap((image) => [image, image.replace(/:[^:/]+$/, ':latest')]);
  if (started.geminiImage?.built) images.push(started.geminiImage.image);
  let removed = 0;
  for (const image of [...new Set(images)]) {
    const gone = await docker
      .getImage(image)
      .remove()
      .then(
        () => true,
        () => false,
      );
    if (gone) removed++;
  }
  done.push(`${removed} image tags removed`);
  if (started.dataDir) {
    await rm(started.dataDir, { recursive: true, force: true });
    done.push('cloud state removed');
  }
  return done;
}
