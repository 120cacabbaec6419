import { stripVTControlCharacters } from 'node:util';
import type Docker from 'dockerode';
import type { Stack } from '../stack/load.ts';
import { withBaseImages } from './base-images.ts';
import { contextFiles } from './build-context.ts';
import { decodeBuildStatus, type BuildStatus } from './buildkit-status.ts';
import { followDockerStream } from './docker-stream.ts';

import type { Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';

/** The stream messages of a BuildKit build: its progress, and the image it made. */
const BUILDKIT_TRACE = 'moby.buildkit.trace';
const BUILDKIT_IMAGE_ID = 'moby.image.id';

export interface BuiltImage {
  id: string;
  /** Local references, e.g. `127.0.0.1:4566/iscoolgpt-dev:1a2b3c4` and `...:latest`. */
  repository: string;
  tags: string[];
}

/** A Dockerfile step as BuildKit names it: `[build 6/8] RUN ...` (stage, step of the stage's steps). */
const BUILD_STEP = /^\[(?:\S+ )?(\d+\/\d+)\] (.*)/;
/** How much of a failing step's own output the error carries (a compiler's or npm's message). */
export const FAILED_STEP_LINES = 40;

/**
 * BuildKit's progress as lines: each step once as it starts (or is found cached), then its output.
 * Stages run side by side, so output is kept per step: a failure shows the failing step's own
 * tail, which is what it must show (the compiler's or npm's message). RUN output comes in pieces
 * that split lines anywhere, with colour codes.
 */
class BuildLog {
  /** The failing step's name, once BuildKit says which failed. */
  failedStep = '';
  private readonly steps = new Map<string, { name: string; partial: string; tail: string[] }>();
  private readonly onStep: (name: string, cached: boolean) => void;
  private readonly onLine: (line: string) => void;

  constructor(onStep: (name: string, cached: boolean) => void, onLine: (line: string) => void) {
    this.onStep = onStep;
    this.onLine = onLine;
  }

  take(status: BuildStatus): void {
    for (const vertex of status.vertexes) {
      if (vertex.started && !this.steps.has(vertex.digest)) {
        this.steps.set(vertex.digest, { name: vertex.name, partial: '', tail: [] });
        this.onStep(vertex.name, vertex.cached);
      }
      if (vertex.error) this.failedStep ||= vertex.name;
    }
    for (const { vertex, text } of status.logs) {
      const step = this.steps.get(vertex);
      if (!step) continue;
      const lines = (step.partial + text).split('\n');
      step.partial = lines.pop() ?? '';
      for (const line of lines) this.line(step, line);
    }
  }

  /** The failing step's last lines (its unfinished last line too). */
  failedOutput(): string[] {
    const step = [...this.steps.values()].find((s) => s.name === this.failedStep);
    if (!step) return [];
    if (step.partial) this.line(step, step.partial);
    step.partial = '';
    return step.tail;
  }

  private line(step: { tail: string[] }, raw: string): void {
    const line = stripVTControlCharacters(raw).trimEnd();
    if (!line.trim()) return;
    step.tail.push(line);
    if (step.tail.length > FAILED_STEP_LINES) step.tail.shift();
    this.onLine(line);
  }
}

/**
 * Builds the stack's image with BuildKit (the engine's builder since Docker 23; here asked for by
 * API version 2), reporting each Dockerfile step as the status and the steps and their output as
 * the step's log, and tags it `<repository>:<tag>` and `<repository>:latest`. BuildKit rather than
 * the classic builder: the classic one runs a container and commits a layer for every instruction
 * after a change (the LABEL and ENV that carry the commit too), BuildKit only runs the RUN steps and
 * exports once, and builds stages side by side — a one-line change built in half the time (13 s
 * against 26 s, medians of 4 at load 26-34). Build args come from the stack file, plus GIT_COMMIT:
 * the tag; base images the engine cannot pull are replaced (base-images.ts). A failing step fails
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
      const log = new BuildLog(
        (name, cached) => {
          const step = BUILD_STEP.exec(name);
          if (step) report.status(`step ${step[1]}: ${step[2]}`);
          report.log(cached ? `${name} (cached)` : name);
        },
        (line) => report.log(line),
      );
      let id: string | undefined;
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
            version: '2',
          } as Docker.ImageBuildOptions,
        );
        await followDockerStream(docker, stream, (message) => {
          if (message.id === BUILDKIT_TRACE && typeof message.aux === 'string')
            log.take(decodeBuildStatus(message.aux));
          else if (message.id === BUILDKIT_IMAGE_ID && typeof message.aux === 'object') id = message.aux.ID;
        });
      } catch (error) {
        const where = log.failedStep ? ` at ${log.failedStep}` : '';
        throw new DeployError(
          `image build failed${where}: ${(error as Error).message.trim()}`,
          'build',
          log.failedOutput(),
        );
      }
      if (!id) throw new DeployError('image build finished without an image id', 'build');
      await docker.getImage(id).tag({ repo: target.repository, tag: 'latest' });
      return { id, repository: target.repository, tags: [target.tag, 'latest'] };
    },
    (built) => `${built.id.slice(0, 19)} tagged ${built.tags.join(', ')}`,
  );
}
