import { stripVTControlCharacters } from 'node:util';
import type Docker from 'dockerode';
import type { Stack } from '../stack/load.ts';
import { withBaseImages } from './base-images.ts';
import { contextFiles } from './build-context.ts';
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

const BUILD_STEP = /^Step (\d+\/\d+) : (.*)/;
/** The builder's own bookkeeping lines, not a step's output. */
const BUILDER_LINE = /^ ---> |^Removing intermediate container /;
/** How much of a failing step's own output the error carries (a compiler's or npm's message). */
export const FAILED_STEP_LINES = 40;

/**
 * The build stream as lines: messages split lines anywhere (a step's header and its newline come
 * apart), and a RUN step's stderr comes wrapped in colour codes. Remembers the current step and the
 * tail of its own output, which is what a failure must show.
 */
class BuildLog {
  step = '';
  stepOutput: string[] = [];
  private partial = '';
  private readonly onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.onLine = onLine;
  }

  write(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const line = stripVTControlCharacters(raw).trimEnd();
    if (!line.trim()) return;
    if (BUILD_STEP.test(line)) {
      this.step = line.trim();
      this.stepOutput = [];
    } else if (!BUILDER_LINE.test(line)) {
      this.stepOutput.push(line);
      if (this.stepOutput.length > FAILED_STEP_LINES) this.stepOutput.shift();
    }
    this.onLine(line);
  }
}

/**
 * Builds the stack's image with the engine's builder, reporting each Dockerfile step as the status
 * and the builder's output as the step's log, and tags it `<repository>:<tag>` and
 * `<repository>:latest`. Build args come from the stack file, plus GIT_COMMIT: the tag; base images
 * the engine cannot pull are replaced (base-images.ts). A failing step fails
 * with that step named and the last lines of its own output (the compiler's or npm's message).
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
      const log = new BuildLog((line) => {
        const step = BUILD_STEP.exec(line);
        if (step) report.status(`step ${step[1]}: ${step[2]}`);
        report.log(line);
      });
      let messages: DockerMessage[];
      try {
        const stream = await docker.buildImage(
          { context: stack.buildContext, src: await contextFiles(stack.buildContext, image.dockerfile) },
          {
            t: `${target.repository}:${target.tag}`,
            dockerfile: image.dockerfile,
            // The image's build metadata (/v1/info reports it); the stack file may override it.
            // A node:24-slim base this engine cannot pull becomes the local stand-in.
            buildargs: await withBaseImages(
              docker,
              { GIT_COMMIT: target.tag, ...image.buildArgs },
              report.output,
            ),
            labels: { 'devkit.stack': stack.config.name, 'devkit.stage': stack.stage },
            // The classic builder leaves a failed step's container behind unless told otherwise.
            forcerm: true,
          },
        );
        messages = await followDockerStream(docker, stream, (message) => log.write(message.stream ?? ''));
      } catch (error) {
        log.end();
        const where = log.step ? ` at ${log.step}` : '';
        throw new DeployError(
          `image build failed${where}: ${(error as Error).message.trim()}`,
          'build',
          log.stepOutput,
        );
      }
      log.end();
      // A multi-stage build reports an image id per stage: the last one is the image built.
      const id = messages.findLast((m) => m.aux?.ID)?.aux?.ID;
      if (!id) throw new DeployError('image build finished without an image id', 'build');
      await docker.getImage(id).tag({ repo: target.repository, tag: 'latest' });
      return { id, repository: target.repository, tags: [target.tag, 'latest'] };
    },
    (built) => `${built.id.slice(0, 19)} tagged ${built.tags.join(', ')}`,
  );
}
