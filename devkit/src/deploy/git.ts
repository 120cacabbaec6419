import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeployError } from './progress.ts';

const exec = promisify(execFile);

/** The image tag for the checkout at `dir`: the short commit, with `-dirty` when files changed since. */
export async function gitImageTag(dir: string): Promise<string> {
  try {
    const { stdout: commit } = await exec('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir });
    const { stdout: changes } = await exec('git', ['status', '--porcelain'], { cwd: dir });
    return `${commit.trim()}${changes.trim() ? '-dirty' : ''}`;
  } catch (error) {
    throw new DeployError(
      `cannot tag the image with the git commit in ${dir}: ${(error as Error).message.split('\n')[0]} (deploy from a git checkout with at least one commit)`,
      'build',
    );
  }
}
