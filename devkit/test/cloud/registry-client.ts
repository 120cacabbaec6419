/**
 * A minimal OCI distribution client over fetch, for tests that need images with exact contents
 * (lifecycle, immutability, digest checks) without going through the docker CLI, and that push a
 * local image to many short-lived registries: `docker push` gzips every layer again for each new
 * registry (~7 CPU-s of the engine's for the runtime fixture), a saved image's layers are gzipped once.
 */
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { TestCloud } from './harness.ts';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** `Basic …` from GetAuthorizationToken, exactly what `docker login` would send. */
export async function registryAuthorization(t: TestCloud): Promise<string> {
  const ecr = new ECRClient(t.clientConfig);
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
  ecr.destroy();
  return `Basic ${authorizationData![0]!.authorizationToken!}`;
}

/** A local image as registry blobs: its config, and its layers gzipped (each file with its digest). */
export interface SavedImage {
  config: Buffer;
  layers: Array<{ file: string; digest: string; size: number }>;
}

/**
 * The engine's `image` as registry blobs, made once per machine and image id (under the temporary
 * directory; test workers making it at once each build their own copy, the first rename wins).
 */
export async function savedImage(docker: Docker, image: string): Promise<SavedImage> {
  const { Id } = await docker.getImage(image).inspect();
  const root = join(tmpdir(), 'devkit-saved-images');
  const dir = join(root, Id.replace('sha256:', ''));
  const index = join(dir, 'layers.json');
  if (!existsSync(index)) {
    await mkdir(root, { recursive: true });
    const work = await mkdtemp(`${dir}.part-`);
    try {
      await saveInto(docker, image, join(work, 'saved'));
      const [saved] = JSON.parse(await readFile(join(work, 'saved', 'manifest.json'), 'utf8')) as Array<{
        Config: string;
        Layers: string[];
      }>;
      await rename(join(work, 'saved', saved!.Config), join(work, 'config.json'));
      const layers: SavedImage['layers'] = [];
      for (const [n, layer] of saved!.Layers.entries()) {
        const file = join(work, `layer-${n}.tar.gz`);
        const hash = createHash('sha256');
        await pipeline(
          createReadStream(join(work, 'saved', layer)),
          createGzip(),
          async function* (chunks) {
            for await (const chunk of chunks as AsyncIterable<Buffer>) {
              hash.update(chunk);
              yield chunk;
            }
          },
          createWriteStream(file),
        );
        layers.push({
          file: `layer-${n}.tar.gz`,
          digest: `sha256:${hash.digest('hex')}`,
          size: (await stat(file)).size,
        });
      }
      await rm(join(work, 'saved'), { recursive: true });
      await writeFile(join(work, 'layers.json'), JSON.stringify(layers));
      await rename(work, dir).catch((error: unknown) => {
        if (!existsSync(index)) throw error;
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  const layers = JSON.parse(await readFile(index, 'utf8')) as SavedImage['layers'];
  return {
    config: await readFile(join(dir, 'config.json')),
    layers: layers.map((layer) => ({ ...layer, file: join(dir, layer.file) })),
  };
}

/** `docker save` unpacked into `dir`: manifest.json, the image config and the uncompressed layers. */
async function saveInto(docker: Docker, image: string, dir: string): Promise<void> {
  await mkdir(dir);
  const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => tar.once('close', resolve));
  await pipeline(await docker.getImage(image).get(), tar.stdin);
  const code = await exited;
  if (code !== 0) throw new Error(`unpacking the saved ${image} failed (tar exit ${code})`);
}

export class RegistryClient {
  private readonly t: TestCloud;
  private readonly authorization: string;

  constructor(t: TestCloud, authorization: string) {
    this.t = t;
    this.authorization = authorization;
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(new URL(path, this.t.cloud.url), {
      ...init,
      headers: { authorization: this.authorization, ...(init.headers as Record<string, string>) },
    });
  }

  /** A monolithic upload (`POST …/blobs/uploads/?digest=`). */
  async pushBlob(repository: string, content: Buffer, digest = sha256(content)): Promise<Response> {
    return this.fetch(`/v2/${repository}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: content,
      headers: { 'content-type': 'application/octet-stream' },
    });
  }

  /** Pushes a saved image as `repository:tag` (blobs the repository has are not sent again). */
  async pushSaved(repository: string, tag: string, image: SavedImage): Promise<void> {
    const blobs = [
      ...image.layers.map((layer) => ({ ...layer, read: () => readFile(layer.file) })),
      { digest: sha256(image.config), size: image.config.length, read: async () => image.config },
    ];
    for (const blob of blobs) {
      const head = await this.fetch(`/v2/${repository}/blobs/${blob.digest}`, { method: 'HEAD' });
      if (head.status === 200) continue;
      const pushed = await this.pushBlob(repository, await blob.read(), blob.digest);
      if (pushed.status !== 201) throw new Error(`blob push failed: ${pushed.status} ${await pushed.text()}`);
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: image.config.length,
        digest: sha256(image.config),
      },
      layers: image.layers.map(({ digest, size }) => ({
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size,
        digest,
      })),
    });
    const response = await this.fetch(`/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      body: manifest,
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    if (response.status !== 201)
      throw new Error(`manifest push failed: ${response.status} ${await response.text()}`);
  }

  /** Pushes a one-layer image of random bytes; returns its digest, manifest text and layer size. */
  async pushImage(
    repository: string,
    reference: string,
    layerBytes = 64,
  ): Promise<{ digest: string; manifest: string; layerSize: number; response: Response }> {
    const layer = randomBytes(layerBytes);
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }),
    );
    for (const blob of [layer, config]) {
      const pushed = await this.pushBlob(repository, blob);
      if (pushed.status !== 201) throw new Error(`blob push failed: ${pushed.status} ${await pushed.text()}`);
    }
    const manifest = JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          size: config.length,
          digest: sha256(config),
        },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            size: layer.length,
            digest: sha256(layer),
          },
        ],
      },
      null,
      3,
    );
    const response = await this.fetch(`/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      body: manifest,
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    return { digest: sha256(manifest), manifest, layerSize: layer.length, response };
  }
}
