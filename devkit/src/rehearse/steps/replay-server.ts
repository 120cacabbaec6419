/** The Gemini replay server, as a container on the cloud's task network (tasks reach it by name). */
import { ensureGeminiImage, geminiContainerName, startGeminiContainer } from '../../gemini/container.ts';
import type { RehearsalStep } from '../step.ts';

export const replayServer: RehearsalStep = {
  name: 'replay-server',
  title: 'Start the Gemini replay server',
  async run(ctx, run) {
    const { docker, options, started } = ctx;
    started.geminiImage = await ensureGeminiImage(docker);
    started.geminiContainer = geminiContainerName(options.cloudPort);
    await startGeminiContainer(
      docker,
      started.geminiContainer,
      started.geminiImage.image,
      started.cloud?.runtime?.cloudId,
    );
    run.note(
      `Gemini replay server ${started.geminiContainer} (${started.geminiImage.image}${started.geminiImage.built ? ', built' : ''}) reachable by tasks as http://gemini-mock:8080`,
    );
  },
};
