/**
 * Content-addressed blob storage on disk, shared by every repository (a layer pushed to two
 * repositories is stored once), and the upload sessions that fill it. Uploads stream to a temp
 * file while their sha256 is computed, then move into place by rename, so a blob is either whole
 * or absent. A session takes one request at a time (a second one meanwhile is refused with
 * RANGE_INVALID, as its bytes could not follow the first's), and a session left idle is purged
 * with its partial file, as distribution purges abandoned uploads. Files are the owner's only.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FILE_MODE, ownerOnlyDir, syncDir } from '../state/files.ts';
import { digestInvalid, RegistryError } from './errors.ts';

const SHA256_DIGEST = /^sha256:([a-f0-9]{64})$/;

interface Upload {
  path: string;
  hash: Hash;
  size: number;
  /** A request is writing to (or completing) the session. */
  busy: boolean;
  /** When the session was created or last written to (the store's clock); reading its progress does not count. */
  touchedMs: number;
}

export interface BlobStoreOptions {
  /** How long an upload session may sit idle before it is purged (1 hour by default). */
  uploadIdleMs?: number;
  /** The clock idleness is measured with (tests inject their own). */
  now?: () => number;
}

/** Distribution purges abandoned uploads after days; a laptop's disk is better served by an hour. */
const DEFAULT_UPLOAD_IDLE_MS = 3_600_000;
const MAX_PURGE_INTERVAL_MS = 60_000;

export class BlobStore {
  private readonly root: string;
  private readonly ownsRoot: boolean;
  private readonly uploads = new Map<string, Upload>();
  private readonly uploadIdleMs: number;
  private readonly now: () => number;
  private readonly purgeTimer: NodeJS.Timeout;

  private constructor(root: string, ownsRoot: boolean, options: BlobStoreOptions) {
    this.root = root;
    this.ownsRoot = ownsRoot;
    this.uploadIdleMs = options.uploadIdleMs ?? DEFAULT_UPLOAD_IDLE_MS;
    this.now = options.now ?? Date.now;
    const interval = Math.min(MAX_PURGE_INTERVAL_MS, Math.max(1, Math.ceil(this.uploadIdleMs / 2)));
    this.purgeTimer = setInterval(() => void this.purgeIdleUploads(), interval).unref();
  }

  /** Blobs under `<dataDir>/registry/`; without a data directory, in a temp dir removed on close. */
  static async open(dataDir: string | undefined, options: BlobStoreOptions = {}): Promise<BlobStore> {
    const root =
      dataDir === undefined ? await mkdtemp(join(tmpdir(), 'devkit-registry-')) : join(dataDir, 'registry');
    // Upload sessions do not survive a restart; their leftovers are garbage.
    await rm(join(root, 'uploads'), { recursive: true, force: true });
    await ownerOnlyDir(join(root, 'uploads'));
    await ownerOnlyDir(root);
    return new BlobStore(root, dataDir === undefined, options);
  }

  /** Ends every upload session, removing its partial file (sessions do not outlive the registry). */
  async close(): Promise<void> {
    clearInterval(this.purgeTimer);
    await Promise.all([...this.uploads.keys()].map((id) => this.cancel(id)));
    if (this.ownsRoot) await rm(this.root, { recursive: true, force: true });
  }

  /** Removes sessions idle for longer than the limit, with their partial files; returns how many. */
  async purgeIdleUploads(): Promise<number> {
    const cutoff = this.now() - this.uploadIdleMs;
    const idle = [...this.uploads].filter(([, upload]) => !upload.busy && upload.touchedMs <= cutoff);
    await Promise.all(idle.map(([id]) => this.cancel(id)));
    return idle.length;
  }

  /** Where a blob lives; throws DIGEST_INVALID for anything but a well-formed sha256 digest. */
  path(digest: string): string {
    const hex = SHA256_DIGEST.exec(digest)?.[1];
    if (!hex) throw digestInvalid(`unsupported or malformed digest: ${digest}`, { digest });
    return join(this.root, 'blobs', 'sha256', hex.slice(0, 2), hex);
  }

  /** The size of a stored blob, or undefined when it is not on disk. */
  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch {
      return undefined;
    }
  }

  startUpload(): string {
    const id = randomUUID();
    this.uploads.set(id, {
      path: join(this.root, 'uploads', id),
      hash: createHash('sha256'),
      size: 0,
      busy: false,
      touchedMs: this.now(),
    });
    return id;
  }

  /** Bytes received so far, or undefined for an unknown (finished, cancelled, purged) upload. */
  uploadedSize(id: string): number | undefined {
    return this.uploads.get(id)?.size;
  }

  /** Appends a chunk, hashing as it streams; returns the upload's new size. */
  async append(id: string, chunk: Readable): Promise<number> {
    const upload = this.claim(id);
    try {
      await pipeline(
        chunk,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const data of source) {
            upload.hash.update(data);
            upload.size += data.length;
            yield data;
          }
        },
        createWriteStream(upload.path, { flags: 'a', mode: FILE_MODE }),
      );
    } catch (error) {
      // The hash has seen bytes the file may not hold: the session cannot be trusted any more.
      this.release(upload);
      await this.cancel(id);
      throw error;
    }
    this.release(upload);
    return upload.size;
  }

  /** Completes an upload whose content must hash to `digest`; returns the blob's size. */
  async finish(id: string, digest: string): Promise<number> {
    const upload = this.claim(id);
    const target = this.path(digest);
    this.uploads.delete(id);
    const actual = `sha256:${upload.hash.digest('hex')}`;
    if (actual !== digest) {
      await rm(upload.path, { force: true });
      throw digestInvalid('provided digest did not match uploaded content', { digest, actual });
    }
    try {
      if (upload.size === 0) await appendFile(upload.path, '', { mode: FILE_MODE }); // no chunk created it
      // On disk before it is named: a manifest acknowledged later may need it after a crash.
      const file = await open(upload.path, 'r');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
      await ownerOnlyDir(dirname(target));
      await rename(upload.path, target);
      await syncDir(dirname(target));
    } catch (error) {
      await rm(upload.path, { force: true });
      throw error;
    }
    return upload.size;
  }

  /** Ends a session and removes its partial file; a session a request is writing to is refused. */
  async cancel(id: string): Promise<void> {
    const upload = this.uploads.get(id);
    if (!upload) return;
    if (upload.busy) throw rangeInvalid(upload);
    this.uploads.delete(id);
    await rm(upload.path, { force: true });
  }

  /** The session for one request's exclusive use, until `release`. */
  private claim(id: string): Upload {
    const upload = this.uploads.get(id);
    if (!upload) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 404, 'blob upload unknown to registry', { id });
    }
    if (upload.busy) throw rangeInvalid(upload);
    upload.busy = true;
    upload.touchedMs = this.now();
    return upload;
  }

  private release(upload: Upload): void {
    upload.busy = false;
    upload.touchedMs = this.now();
  }
}

/**
 * Distribution's answer to bytes that cannot follow what the session holds: 416 RANGE_INVALID,
 * with the range received so far (as a Range header, where the route sends one).
 */
export function rangeInvalid(upload: { size: number }): RegistryError {
  return new RegistryError('RANGE_INVALID', 416, 'invalid content range', {
    range: `0-${Math.max(upload.size - 1, 0)}`,
  });
}
