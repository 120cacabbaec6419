/**
 * The base images the project's Dockerfiles build from, passed as the build args they declare:
 * BUILD_IMAGE (node and npm) and RUNTIME_IMAGE (node alone). Both are the standard node:24-slim
 * wherever the engine has it or can pull it (any machine with a registry: a laptop, GitHub's runner,
 * AWS). On an engine that can do neither (offline CI) the devkit makes local stand-ins once from the
 * Node binary running it (base-image-stand-ins.ts) and builds from those. The devkit decides this
 * itself, at build time, so every entry point (npm scripts, `npx devkit`, tests) builds alike.
 */
import type Docker from 'dockerode';
import { makeStandIns, standInImages } from './base-image-stand-ins.ts';
import { followDockerStream } from './docker-stream.ts';

export const STANDARD_NODE_IMAGE = 'node:24-slim';
const PULL_QUIET_MS = 60_000;

export interface BaseImages {
  /** node and npm, for build stages. */
  build: string;
  /** node, for the image that runs. */
  runtime: string;
  /** Why the stand-ins are used (the pull error), when they are. */
  standInReason?: string;
}

/** The build args that name a base image, and the kind each needs. */
const BASE_IMAGE_ARGS = { BUILD_IMAGE: 'build', RUNTIME_IMAGE: 'runtime' } as const;

// Once per process: a rehearsal builds several images and should not try the registry each time.
let resolved: Promise<BaseImages> | undefined;

/** The base images this engine builds from; makes the stand-ins when it has to. */
export function baseImages(
  docker: Docker,
  note: (line: string) => void = () => undefined,
): Promise<BaseImages> {
  if (!resolved) {
    resolved = resolveBaseImages(docker, note);
    resolved.catch(() => (resolved = undefined));
  }
  return resolved;
}

/**
 * `args` with each BUILD_IMAGE / RUNTIME_IMAGE that names the standard image replaced by what this
 * engine builds from (the same image when it has a registry). Other values are the user's choice
 * and are kept.
 */
export async function withBaseImages(
  docker: Docker,
  args: Record<string, string>,
  note?: (line: string) => void,
): Promise<Record<string, string>> {
  const named = Object.entries(BASE_IMAGE_ARGS).filter(([arg]) => args[arg] === STANDARD_NODE_IMAGE);
  if (named.length === 0) return args;
  const images = await baseImages(docker, note);
  return { ...args, ...Object.fromEntries(named.map(([arg, kind]) => [arg, images[kind]])) };
}

async function resolveBaseImages(docker: Docker, note: (line: string) => void): Promise<BaseImages> {
  if (await present(docker, STANDARD_NODE_IMAGE))
    return { build: STANDARD_NODE_IMAGE, runtime: STANDARD_NODE_IMAGE };
  const pullError = await pull(docker, STANDARD_NODE_IMAGE);
  if (!pullError) return { build: STANDARD_NODE_IMAGE, runtime: STANDARD_NODE_IMAGE };
  const standIns = standInImages();
  const reason = `${STANDARD_NODE_IMAGE} cannot be pulled (${pullError})`;
  if (!(await present(docker, standIns.build)) || !(await present(docker, standIns.runtime))) {
    note(`${reason}: making local stand-ins from Node ${process.versions.node}`);
    await makeStandIns(docker, standIns, reason);
    note(`made ${standIns.build} and ${standIns.runtime}`);
  }
  return { ...standIns, standInReason: reason };
}

const present = (docker: Docker, image: string) =>
  docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);

/** Pulls `image`; the engine's error when it cannot (no registry, no network). */
async function pull(docker: Docker, image: string): Promise<string | undefined> {
  // A registry that stops answering (a firewall dropping packets) must not hold every build: give up
  // after a quiet minute, however long a pull that keeps moving takes.
  const quiet = new AbortController();
  const silence = `no answer from the registry for ${PULL_QUIET_MS / 1000} s`;
  let timer = setTimeout(() => quiet.abort(), PULL_QUIET_MS);
  try {
    const stream = await docker.pull(image, { abortSignal: quiet.signal });
    await followDockerStream(docker, stream, () => {
      clearTimeout(timer);
      timer = setTimeout(() => quiet.abort(), PULL_QUIET_MS);
    });
    return quiet.signal.aborted ? silence : undefined;
  } catch (error) {
    if (quiet.signal.aborted) return silence;
    // dockerode prefixes the engine's message with `(HTTP code 500) server error - `.
    return (error as Error).message
      .replace(/^\(HTTP code \d+\)[^-]*- /, '')
      .trim()
      .split('\n')[0];
  } finally {
    clearTimeout(timer);
  }
}
