/**
 * A build context as Docker sends it: the files its .dockerignore admits, by Docker's rules. dockerode
 * applies .dockerignore to the context's top-level entries only and then packs each admitted folder
 * whole (its filter never sees the paths inside), so the repository-root context sent the devkit's
 * sources and tests (700 files, 4 MB, gzipped on every build) that the engine then threw away.
 * Naming each admitted file sends only those.
 */
import type { Dirent } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { join, matchesGlob, posix } from 'node:path';

export interface DockerIgnore {
  /** Whether Docker leaves this context-relative path out (a folder's pattern covers what is inside). */
  ignored(path: string): boolean;
  /**
   * Whether a folder Docker leaves out must still be walked: a `!pattern` names something inside it
   * (Docker's own walk looks no further than that either).
   */
  walkInto(folder: string): boolean;
}

/**
 * The context's .dockerignore. Docker's patterns are Go globs; `a` also covers `a/**`; the last
 * pattern that matches decides, and a `!pattern` lets a path back in.
 */
export async function readDockerIgnore(context: string): Promise<DockerIgnore> {
  const text = await readFile(join(context, '.dockerignore'), 'utf8').catch(() => '');
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => ({
      keep: line.startsWith('!'),
      glob: line
        .replace(/^!/, '')
        .trim()
        .replace(/^\/+|\/+$/g, ''),
    }));
  const keeps = patterns.filter((p) => p.keep).map((p) => p.glob);
  return {
    ignored: (path) =>
      patterns.reduce(
        (ignored, { keep, glob }) =>
          matchesGlob(path, glob) || matchesGlob(path, `${glob}/**`) ? !keep : ignored,
        false,
      ),
    walkInto: (folder) => keeps.some((glob) => glob.startsWith(`${folder}/`)),
  };
}

/**
 * The context-relative paths Docker would send: every admitted file (and empty folder), plus the
 * Dockerfile and .dockerignore, which the engine reads even when they are ignored.
 */
export async function contextFiles(context: string, dockerfile: string): Promise<string[]> {
  const { ignored, walkInto } = await readDockerIgnore(context);
  const files = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const entries: Dirent[] = await readdir(join(context, folder), { withFileTypes: true });
    if (entries.length === 0 && folder && !ignored(folder)) files.add(folder);
    for (const entry of entries) {
      const path = folder ? `${folder}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!ignored(path) || walkInto(path)) await walk(path);
      } else if (!ignored(path)) {
        files.add(path);
      }
    }
  };
  await walk('');
  for (const always of [posix.normalize(dockerfile), '.dockerignore']) {
    if (
      await access(join(context, always)).then(
        () => true,
        () => false,
      )
    )
      files.add(always);
  }
  return [...files].sort();
}
