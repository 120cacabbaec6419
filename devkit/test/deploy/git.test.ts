import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitImageTag } from '../../src/deploy/git.ts';

describe('image tag from git', () => {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir })
      .toString()
      .trim();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the short commit, with -dirty once the tree changes', async () => {
    await expect(gitImageTag(dir)).rejects.toThrow(/^cannot tag the image with the git commit in /);
    git('init', '-q');
    writeFileSync(join(dir, 'a.txt'), 'a');
    git('add', 'a.txt');
    git('commit', '-qm', 'a');
    const commit = git('rev-parse', '--short', 'HEAD');
    expect(await gitImageTag(dir)).toBe(commit);
    writeFileSync(join(dir, 'a.txt'), 'b');
    expect(await gitImageTag(dir)).toBe(`${commit}-dirty`);
  });
});
