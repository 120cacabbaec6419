/**
 * Builds the replay server's image (./Dockerfile) with dockerode, sending only the files it copies
 * as the build context, so a checkout's node_modules never travel to the engine.
 */
import type Docker from 'dockerode';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONTEXT_FILES = ['devkit/src/gemini', 'devkit/package.json', 'devkit/cassettes'];

export interface MockImageOptions {
  tag: string;
  /** Base image with node at /usr/local/bin/node: node:24-slim or its stand-in (deploy/base-images.ts). */
  runtimeImage: string;
}

export async function buildGeminiMockImage(docker: Docker, options: MockImageOptions): Promise<void> {
  const stream = await docker.buildImage({ context: REPO_ROOT, src: CONTEXT_FILES }, {
    t: options.tag,
    dockerfile: 'devkit/src/gemini/Dockerfile',
    buildargs: { RUNTIME_IMAGE: options.runtimeImage },
    // BuildKit: the classic builder commits a layer per instruction (2-7 s against 0.2-0.5 s).
    version: '2',
  } as Docker.ImageBuildOptions);
  // The build's outcome is in its progress messages: an error there means no image.
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, messages: Array<{ error?: string }>) => {
      const failed = error?.message ?? messages.find((message) => message.error)?.error;
      if (failed) reject(new Error(`building ${options.tag} failed: ${failed}`));
      else resolve();
    });
  });
}
