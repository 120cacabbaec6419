/**
 * Durable, owner-only files: state holds secret values, so directories are 0700 and files 0600;
 * a file replaced by rename or created anew is only durable once its directory is fsynced too.
 */
import { chmod, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Suffix of a file being written; one left behind was cut short by a crash. */
const TEMP_SUFFIX = '.tmp';

/** Creates `dir` (and missing parents) owner-only and durably, and tightens it when it already existed. */
export async function ownerOnlyDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE);
  // A new directory survives a crash once its parent's entry is synced, and so on up to the first one made.
  if (created !== undefined) {
    for (let d = dir; d !== dirname(created); d = dirname(d)) await syncDir(dirname(d));
  }
}

/** Makes the entries of `dir` (files created, renamed or removed in it) durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` with `content` so that a crash leaves the old file or the new one, never a mix. */
export async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}${TEMP_SUFFIX}`;
  const file = await open(temp, 'w', FILE_MODE);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
}

/** Removes what crashed writers left in `dir`; returns how many. */
export async function removeTempFiles(dir: string): Promise<number> {
  const stale = (await readdir(dir)).filter((name) => name.endsWith(TEMP_SUFFIX));
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
  return stale.length;
}
