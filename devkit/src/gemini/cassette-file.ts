import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cassette, CassetteDefinition } from './cassette.ts';
import { parseCassette, serializeCassette } from './cassette.ts';
import { assertNoSecrets } from './scrub.ts';

export const CASSETTE_EXTENSION = '.json';

/** The project's cassettes (devkit/cassettes; the same place relative to this file in the image). */
export const PROJECT_CASSETTES = fileURLToPath(new URL('../../cassettes/', import.meta.url));

export function cassetteName(path: string): string {
  return basename(path, CASSETTE_EXTENSION);
}

export async function readCassetteFile(path: string): Promise<Cassette> {
  return parseCassette(cassetteName(path), await readFile(path, 'utf8'));
}

/** Every `*.json` cassette in `dir`, sorted by name (so "closest cassette" ties break the same way). */
export async function loadCassetteDir(dir: string): Promise<Cassette[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith(CASSETTE_EXTENSION)).sort();
  return Promise.all(files.map((file) => readCassetteFile(join(dir, file))));
}

/**
 * Writes a cassette atomically (temp file in the same directory, fsync, rename): a crash leaves the
 * previous cassette or the new one, never half of one. The serialized text is checked for every
 * secret first; a cassette that still holds one is not written at all.
 */
export async function writeCassetteFile(
  path: string,
  definitions: CassetteDefinition[],
  secrets: readonly string[],
): Promise<void> {
  const text = serializeCassette(definitions);
  assertNoSecrets(text, secrets, `cassette ${cassetteName(path)}`);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
