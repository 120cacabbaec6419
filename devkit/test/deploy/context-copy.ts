/**
 * A copy of the service's build context and a stack file that builds from it, for tests and
 * benchmarks that change the service's code without touching the checkout.
 */
import { execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** What service/Dockerfile copies from the repository root, the Dockerfile and .dockerignore. */
const CONTEXT = [
  'package.json',
  'package-lock.json',
  '.dockerignore',
  'service/Dockerfile',
  'service/package.json',
  'service/scripts',
  'service/src',
  'devkit/package.json',
];

/** A change that reaches the bundle (a comment would not: esbuild drops it, the image stays the same). */
export const CHANGED_FILE = 'service/src/build-info.ts';
const CHANGED_FROM = 'buildTime: env.BUILD_TIME || null';

/**
 * Copies the context into `dir`/context, committed in a git repository of its own (a deploy tags
 * the image with the commit); returns it and the stack file (`dir`/stack.yml) building it.
 */
export async function copyServiceContext(dir: string): Promise<{ context: string; stack: string }> {
  const context = join(dir, 'context');
  for (const path of CONTEXT) await cp(join(REPO, path), join(context, path), { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: context, stdio: 'ignore' });
  git('init', '--quiet');
  git('add', '--all');
  git('-c', 'user.name=devkit', '-c', 'user.email=devkit@localhost', 'commit', '--quiet', '-m', 'copy');
  const stack = join(dir, 'stack.yml');
  await writeFile(
    stack,
    (await readFile(join(REPO, 'stack.yml'), 'utf8')).replace('  context: .', `  context: ${context}`),
  );
  return { context, stack };
}

/**
 * Rewrites CHANGED_FILE in the copy so /v1/info's buildTime (when the image sets no BUILD_TIME)
 * reads `marker`: a one-line change whose effect is visible through the service URL.
 */
export async function changeBuildTime(context: string, marker: string): Promise<void> {
  const file = join(context, CHANGED_FILE);
  const source = await readFile(file, 'utf8');
  const line = /buildTime: env\.BUILD_TIME \|\| .*,?$/m;
  if (!line.test(source)) throw new Error(`${CHANGED_FILE} no longer has: ${CHANGED_FROM}`);
  await writeFile(file, source.replace(line, `buildTime: env.BUILD_TIME || ${JSON.stringify(marker)},`));
}
