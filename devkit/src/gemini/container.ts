/**
 * The Gemini replay server beside the local cloud: its image built when missing or stale (the tag is
 * a hash of what goes into it), run with the labels that make the runtime of the cloud it serves (and
 * no other) join it to that cloud's VPC networks as `gemini-mock`, and the managed label that marks it
 * as the devkit's. Its port is also published on 127.0.0.1 (a free port the engine picks), so host
 * tools can reach it: `devkit rightsize` sets Gemini's latency there while it drives load.
 */
import type Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { besideCloudLabels, LABELS } from '../cloud/runtime/labels.ts';
import { baseImages } from '../deploy/base-images.ts';
import { buildGeminiMockImage } from './mock-image.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** What the image is made of (as mock-image.ts sends it to the engine). */
const SOURCES = ['devkit/src/gemini', 'devkit/package.json', 'devkit/cassettes'];
export const GEMINI_ALIAS = 'gemini-mock';
export const GEMINI_PORT = 8080;
const REPOSITORY = 'iscoolgpt/gemini-mock';

async function filesUnder(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return [path];
  const nested = await Promise.all(entries.map((entry) => filesUnder(join(path, entry.name))));
  return nested.flat().sort();
}

/** A tag that changes whenever a source file or the base image changes. */
export async function geminiImageTag(runtimeImage: string): Promise<string> {
  const hash = createHash('sha256').update(runtimeImage);
  for (const source of SOURCES) {
    for (const file of await filesUnder(join(REPO_ROOT, source))) {
      hash
        .update(relative(REPO_ROOT, file))
        .update('\0')
        .update(await readFile(file))
        .update('\0');
    }
  }
  return `${REPOSITORY}:${hash.digest('hex').slice(0, 12)}`;
}

/**
 * Builds the replay image on this engine's runtime base image (base-images.ts, which says through
 * `note` when it makes stand-ins) unless this exact one exists; returns its tag and whether it was built.
 */
export async function ensureGeminiImage(
  docker: Docker,
  note?: (line: string) => void,
): Promise<{ image: string; built: boolean }> {
  const { runtime: runtimeImage } = await baseImages(docker, note);
  const image = await geminiImageTag(runtimeImage);
  const present = await docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) return { image, built: false };
  await buildGeminiMockImage(docker, { tag: image, runtimeImage });
  return { image, built: true };
}

/**
 * Starts the replay container under `name`, replacing a leftover one of that name. The tasks of the
 * cloud `cloudId` (its runtime's id, TaskRuntime.cloudId or `/_devkit/health`) reach it as `alias`;
 * no other cloud's tasks do. Without a cloud id (LocalStack) no local cloud joins it.
 */
export async function startGeminiContainer(
  docker: Docker,
  name: string,
  image: string,
  cloudId: string | undefined,
  alias: string = GEMINI_ALIAS,
): Promise<string> {
  await removeGeminiContainer(docker, name);
  const container = await docker.createContainer({
    name,
    Image: image,
    Env: [`GEMINI_MOCK_PORT=${GEMINI_PORT}`],
    Labels: { [LABELS.managed]: 'true', ...(cloudId ? besideCloudLabels(cloudId, alias) : {}) },
    ExposedPorts: { [`${GEMINI_PORT}/tcp`]: {} },
    HostConfig: {
      RestartPolicy: { Name: 'no' },
      PortBindings: { [`${GEMINI_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
    },
  });
  await container.start();
  return container.id;
}

/**
 * The replay server's address on this host (its published port); undefined when the container is
 * gone or was started without one (by an older devkit).
 */
export async function geminiHostUrl(docker: Docker, name: string): Promise<string | undefined> {
  const info = await docker
    .getContainer(name)
    .inspect()
    .catch(() => undefined);
  const port = info?.NetworkSettings.Ports?.[`${GEMINI_PORT}/tcp`]?.[0]?.HostPort;
  return info?.State.Running && port ? `http://127.0.0.1:${port}` : undefined;
}

/** Removes the container if it exists; true when there was one. */
export async function removeGeminiContainer(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getContainer(name).remove({ force: true });
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/** One name per cloud port, so a test's `up` on another port never touches the user's. */
export const geminiContainerName = (cloudPort: number) => `devkit-gemini-mock-${cloudPort}`;
