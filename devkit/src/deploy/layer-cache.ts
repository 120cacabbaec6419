/**
 * The engine's compressed layers, kept once per machine for pushes to local registries.
 *
 * `docker push` compresses every layer a registry lacks, again for each registry: the engine keeps no
 * compressed copy. A fresh local cloud (a new state directory, another checkout, a test, CI) thus
 * cost ~6 s and ~6 CPU-s of the engine's for the API's 137 MB of base layers. The engine's gzip is
 * deterministic (a layer always pushes as the same digest, the one its push metadata remembers), so
 * after one push its big layers are kept here, by their uncompressed digest (diff id). Before the
 * next push to a local registry the deploy uploads the kept ones the repository lacks; `docker push`
 * then asks for exactly those digests, finds them ("Layer already exists") and sends only the rest.
 *
 * Only registries on a loopback address (the local cloud's): a remote one's uploads cost what they
 * cost. `DEVKIT_LAYER_CACHE` names another directory, or `off`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';

/** Layers smaller than this change with the code (the app's own) and are cheap to compress. */
const MIN_LAYER_BYTES = 8 * 1024 * 1024;
/** Beyond this, the least recently used layers go. */
const MAX_CACHE_BYTES = 2 * 1024 ** 3;
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** What `docker login` takes for a registry: its host (and port), ECR's user and token. */
export interface RegistryCredentials {
  username: string;
  password: string;
  serveraddress: string;
}

interface KeptLayer {
  digest: string;
  size: number;
}

class UploadRefused extends Error {
  readonly status: number;
  constructor(digest: string, status: number) {
    super(`upload of ${digest} refused: HTTP ${status}`);
    this.status = status;
  }
}

/** The registry's HTTP API for one repository, with the credentials `docker push` gets. */
class Repository {
  readonly base: string;
  private readonly authorization: string;

  constructor(auth: RegistryCredentials, repository: string) {
    this.base = `http://${auth.serveraddress}/v2/${repository.slice(repository.indexOf('/') + 1)}`;
    this.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.base}${path}`;
    return fetch(url, { ...init, headers: { authorization: this.authorization, ...init.headers } });
  }

  async has(digest: string): Promise<boolean> {
    const response = await this.fetch(`/blobs/${digest}`, { method: 'HEAD' });
    return response.status === 200;
  }

  /** An upload session, then the whole blob in its completing PUT (the spec's monolithic upload). */
  async upload(digest: string, file: string): Promise<void> {
    const started = await this.fetch('/blobs/uploads/', { method: 'POST' });
    const location = started.headers.get('location');
    if (started.status !== 202 || !location) throw new Error(`upload refused: HTTP ${started.status}`);
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    const done = await this.fetch(url.href, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      // A file-backed Blob: sent from disk with its length, not read into memory.
      body: await openAsBlob(file),
    });
    if (done.status !== 201) throw new UploadRefused(digest, done.status);
  }
}

export class LayerCache {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The machine's cache for a push to `registry` (host:port), or none for a remote one or when off. */
  static forRegistry(registry: string, env: NodeJS.ProcessEnv = process.env): LayerCache | undefined {
    const setting = env.DEVKIT_LAYER_CACHE;
    if (setting === 'off') return undefined;
    const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
    if (!loopback) return undefined;
    const cacheHome = env.XDG_CACHE_HOME || join(homedir(), '.cache');
    return new LayerCache(setting || join(cacheHome, 'devkit', 'layers'));
  }

  private entry(diffId: string): string {
    return join(this.dir, diffId.replace('sha256:', ''));
  }

  private async kept(diffId: string): Promise<(KeptLayer & { file: string }) | undefined> {
    try {
      const layer = JSON.parse(await readFile(`${this.entry(diffId)}.json`, 'utf8')) as KeptLayer;
      const file = `${this.entry(diffId)}.tar.gz`;
      if ((await stat(file)).size !== layer.size) return undefined;
      return { ...layer, file };
    } catch {
      return undefined;
    }
  }

  /**
   * Uploads the kept layers of an image (by diff id) that `repository` lacks; returns how many
   * bytes. A layer that fails to upload is left to `docker push`.
   */
  async seed(auth: RegistryCredentials, repository: string, diffIds: string[]): Promise<number> {
    const registry = new Repository(auth, repository);
    let bytes = 0;
    for (const diffId of new Set(diffIds)) {
      const layer = await this.kept(diffId);
      if (!layer) continue;
      const now = new Date();
      await utimes(layer.file, now, now).catch(() => undefined);
      try {
        if (await registry.has(layer.digest)) continue;
        await registry.upload(layer.digest, layer.file);
        bytes += layer.size;
      } catch (error) {
        // The push sends it, as without a cache. Bytes the registry found not to match their digest
        // (a damaged file) go, to be kept again after this push.
        if (error instanceof UploadRefused && error.status === 400) await this.drop(diffId);
      }
    }
    return bytes;
  }

  /**
   * After a push: keeps the image's big layers not kept yet, read back from the registry (the
   * engine's own compressed bytes, checked against their digest). Never fails the push.
   */
  async keep(
    auth: RegistryCredentials,
    repository: string,
    manifestDigest: string,
    diffIds: string[],
  ): Promise<void> {
    try {
      const registry = new Repository(auth, repository);
      const response = await registry.fetch(`/manifests/${manifestDigest}`, {
        headers: { accept: `${DOCKER_MANIFEST}, ${OCI_MANIFEST}` },
      });
      if (response.status !== 200) return;
      const { layers = [] } = (await response.json()) as { layers?: Array<{ digest: string; size: number }> };
      if (layers.length !== diffIds.length) return;
      let added = false;
      for (const [index, layer] of layers.entries()) {
        const diffId = diffIds[index]!;
        if (layer.size < MIN_LAYER_BYTES || (await this.kept(diffId))) continue;
        await mkdir(this.dir, { recursive: true, mode: 0o700 });
        await this.fetchInto(registry, layer, diffId);
        added = true;
      }
      if (added) await this.evict();
    } catch {
      // A cache that cannot be written only means the next push compresses again.
    }
  }

  private async fetchInto(registry: Repository, layer: KeptLayer, diffId: string): Promise<void> {
    const response = await registry.fetch(`/blobs/${layer.digest}`);
    if (response.status !== 200 || !response.body) return;
    const temp = `${this.entry(diffId)}.${process.pid}.${Date.now()}`;
    const [part, jsonPart] = [`${temp}.part`, `${temp}.json.part`];
    const hash = createHash('sha256');
    try {
      await pipeline(
        Readable.fromWeb(response.body as ReadableStream<Uint8Array>),
        new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            callback(null, chunk);
          },
        }),
        createWriteStream(part),
      );
      if (`sha256:${hash.digest('hex')}` !== layer.digest) return;
      await rename(part, `${this.entry(diffId)}.tar.gz`);
      await writeFile(
        jsonPart,
        JSON.stringify({ digest: layer.digest, size: layer.size } satisfies KeptLayer),
      );
      await rename(jsonPart, `${this.entry(diffId)}.json`);
    } finally {
      await rm(part, { force: true });
      await rm(jsonPart, { force: true });
    }
  }

  private async drop(diffId: string): Promise<void> {
    await rm(`${this.entry(diffId)}.json`, { force: true });
    await rm(`${this.entry(diffId)}.tar.gz`, { force: true });
  }

  /**
   * Drops the least recently used layers (seeding touches them) beyond the cache's bound, and parts
   * a killed download left.
   */
  private async evict(): Promise<void> {
    const files = await Promise.all(
      (await readdir(this.dir)).map(async (name) => ({ name, ...(await stat(join(this.dir, name))) })),
    );
    for (const part of files.filter((f) => f.name.endsWith('.part') && f.mtimeMs < Date.now() - 3_600_000))
      await rm(join(this.dir, part.name), { force: true });
    const layers = files.filter((f) => f.name.endsWith('.tar.gz')).sort((a, b) => b.mtimeMs - a.mtimeMs);
    let total = 0;
    for (const layer of layers) {
      total += layer.size;
      if (total > MAX_CACHE_BYTES) await this.drop(layer.name.replace(/\.tar\.gz$/, ''));
    }
  }
}
