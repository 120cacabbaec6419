// The CLI under a Node too old for its TypeScript sources: one line naming the version it needs and
// how to get it, exit 1 — not Node's ERR_UNKNOWN_FILE_EXTENSION stack trace.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './run-cli.ts';

/** A Node older than 22.18 on this machine (Debian's is 20), found on PATH or at /usr/bin/node. */
function oldNode(): string | undefined {
  const candidates = [
    ...(process.env.PATH ?? '').split(':').map((dir) => join(dir, 'node')),
    '/usr/bin/node',
  ];
  return candidates.find((path) => {
    if (!existsSync(path)) return false;
    const [major = 0, minor = 0] = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' })
      .trim()
      .split('.')
      .map(Number);
    return major < 22 || (major === 22 && minor < 18);
  });
}

const old = oldNode();

describe('devkit under an old Node', () => {
  // Skipped only where no old Node exists (GitHub's runner after setup-node may have none).
  it.skipIf(!old)('prints one line with the Node version it needs and how to get it, and exits 1', () => {
    const run = spawnSync(old!, [join(REPO_ROOT, 'devkit/bin/devkit.js'), 'status'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^devkit: needs Node\.js >= 22\.18 \(found v\d+\.\d+\.\d+\): install Node 24 LTS/,
    );
    expect(lines[0]).toContain('npm run devkit --');
    expect(run.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
  });

  it('runs under the Node running this test (>= 22.18)', () => {
    const run = spawnSync(process.execPath, [join(REPO_ROOT, 'devkit/bin/devkit.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run.status).toBe(0);
  });
});
