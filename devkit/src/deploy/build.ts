import { readdirSync } from 'node:fs';
import type Docker from 'dockerode';
import type { Stack } from '../stack/load.ts';
import type { DockerMessage } from './docker-stream.ts';
import { followDockerStream } from './docker-stream.ts';
import type { Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';

export interface BuiltImage {
  id: string;
  /** Local references, e.g. `127.0.0.1:4566/iscoolgpt-dev:1a2b3c4` and `...:latest`. */
  repository: string;
  tags: string[];
}

const BUILD_STEP = /^Step \d+\/\d+ : .*/;

/**
 * Builds the stack's image with the engine's builder, streaming its output, and tags it
 * `<repository>:<tag>` and `<repository>:latest`. Build args come from the stack file (which reads the
 * offline base-image stand-ins from the environment), plus GIT_COMMIT: the tag. A failing step fails with that step named.
 */
export function buildImage(
  docker: Docker,
  stack: Stack,
  target: { repository: string; tag: string },
  progress: Progress,
): Promise<BuiltImage> {
  const { image } = stack.config;
  return runStep(
    progress,
    'build',
    `build ${image.context} (${image.dockerfile}) as ${target.repository}:${target.tag}`,
    async (report) => {
      let currentStep = '';
      const onMessage = (message: DockerMessage) => {
        for (const line of (message.stream ?? '').split('\n')) {
          if (!line.trim()) continue;
          if (BUILD_STEP.test(line)) currentStep = line.trim();
          report.output(line);
        }
      };
      let messages: DockerMessage[];
      try {
        const stream = await docker.buildImage(
          { context: stack.buildContext, src: readdirSync(stack.buildContext) },
          {
            t: `${target.repository}:${target.tag}`,
            dockerfile: image.dockerfile,
            // The image's build metadata (/v1/info reports it); the stack file may override it.
            buildargs: { GIT_COMMIT: target.tag, ...image.buildArgs },
            labels: { 'devkit.stack': stack.config.name, 'devkit.stage': stack.stage },
          },
        );
        messages = await followDockerStream(docker, stream, onMessage);
      } catch (error) {
        const where = currentStep ? ` at ${currentStep}` : '';
        throw new DeployError(`image build failed${where}: ${(error as Error).message.trim()}`, 'build');
      }
      // A multi-stage build reports an image id per stage: the last one is the image built.
      const id = messages.findLast((m) => m.aux?.ID)?.aux?.ID;
      if (!id) throw new DeployError('image build finished without an image id', 'build');
      await docker.getImage(id).tag({ repo: target.repository, tag: 'latest' });
      return { id, repository: target.repository, tags: [target.tag, 'latest'] };
    },
    (built) => `${built.id.slice(0, 19)} tagged ${built.tags.join(', ')}`,
  );
}
