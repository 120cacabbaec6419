/**
 * Content-addressed blob storage on disk, shared by every repository (a layer pushed to two
 * repositories is stored once), and the upload sessions that fill it. Uploads stream to a temp
 * file while their sha256 is computed, then move into place by rename, so a blob is either whole
 * or absent.
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
}

export class BlobStore {
  private readonly root: string;
  private readonly ownsRoot: boolean;
  private readonly uploads = new Map<string, Upload>();

  private constructor(root: string, ownsRoot: boolean) {
    this.root = root;
    this.ownsRoot = ownsRoot;
  }

  /** Blobs under `<dataDir>/registry/`; without a data directory, in a temp dir removed on close. */
  static async open(dataDir: string | undefined): Promise<BlobStore> {
    const root =
      dataDir === undefined ? await mkdtemp(join(tmpdir(), 'devkit-registry-')) : join(dataDir, 'registry');
    // Upload sessions do not survive a restart; their leftovers are garbage.
    await rm(join(root, 'uploads'), { recursive: true, force: true });
    await ownerOnlyDir(join(root, 'uploads'));
    await ownerOnlyDir(root);
    return new BlobStore(root, dataDir === undefined);
  }

  async close(): Promise<void> {
    if (this.ownsRoot) await rm(this.root, { recursive: true, force: true });
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
    this.uploads.set(id, { path: join(this.root, 'uploads', id), hash: createHash('sha256'), size: 0 });
    return id;
  }

  /** Bytes received so far, or undefined for an unknown (finished, cancelled, lost) upload. */
  uploadedSize(id: string): number | undefined {
    return this.uploads.get(id)?.size;
  }

  /** Appends a chunk, hashing as it streams; returns the upload's new size. */
  async append(id: string, chunk: Readable): Promise<number> {
    const upload = this.upload(id);
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
      await this.cancel(id);
      throw error;
    }
    return upload.size;
  }

  /** Completes an upload whose content must hash to `digest`; returns the blob's size. */
  async finish(id: string, digest: string): Promise<number> {
    const upload = this.upload(id);
    const target = this.path(digest);
    this.uploads.delete(id);
    const actual = `sha256:${upload.hash.digest('hex')}`;
    if (actual !== digest) {
      await rm(upload.path, { force: true });
      throw digestInvalid('provided digest did not match uploaded content', { digest, actual });
    }
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
    return upload.size;
  }

  async cancel(id: string): Promise<void> {
    const upload = this.uploads.get(id);
    this.uploads.delete(id);
    if (upload) await rm(upload.path, { force: true });
  }

  private upload(id: string): Upload {
    const upload = this.uploads.get(id);
    if (!upload) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 404, 'blob upload unknown to registry', { id });
    }
    return upload;
  }
}
