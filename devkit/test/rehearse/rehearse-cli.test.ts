// `devkit rehearse` through the real CLI, on its failure paths (the full rehearsal takes minutes and
// runs as `npm run rehearse` in CI): a bad option is one line; an unreadable stack file or a taken
// port fails the run with the reason, still writes the report, and exits 1.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { RehearsalReport } from '../../src/rehearse/report.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';

const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
const CLI = join(REPO_ROOT, 'devkit/bin/devkit.js');
const dirs: string[] = [];
const servers: Server[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const server of servers) server.close();
});

function rehearse(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, 'rehearse', ...args], { cwd: REPO_ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

/** A port something listens on, for as long as the tests run. */
function takenPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () =>
      resolve((server.address() as { port: number }).port),
    );
    servers.push(server);
  });
}

describe('devkit rehearse', () => {
  it('refuses a port that is not a number, in one line', async () => {
    const { code, stderr } = await rehearse(['--port', 'http']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("error: --port must be a port number (got 'http')");
  });

  it('fails on a stack file it cannot read, still writing the report that says why', async () => {
    const reportDir = mkdtempSync(join(tmpdir(), 'devkit-rehearse-cli-'));
    dirs.push(reportDir);
    const missing = join(reportDir, 'no-such-stack.yml');
    const { code } = await rehearse(['--stack', missing, '--report-dir', reportDir]);
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(join(reportDir, 'rehearsal.json'), 'utf8')) as RehearsalReport;
    expect(report.passed).toBe(false);
    expect(report.steps).toEqual([
      expect.objectContaining({
        name: 'stack',
        status: 'failed',
        failures: [expect.stringContaining('not found (pass --stack FILE)')],
      }),
    ]);
  });

  it.skipIf(!dockerAvailable)(
    'fails on a taken port with the reason, still writes the report, and exits 1',
    async () => {
      const reportDir = mkdtempSync(join(tmpdir(), 'devkit-rehearse-cli-'));
      dirs.push(reportDir);
      const port = await takenPort();
      const { code, stdout, stderr } = await rehearse(['--port', String(port), '--report-dir', reportDir]);
      expect(code).toBe(1);
      const report = JSON.parse(readFileSync(join(reportDir, 'rehearsal.json'), 'utf8')) as RehearsalReport;
      expect(report.passed).toBe(false);
      expect(report.steps.map((s) => `${s.name} ${s.status}`)).toEqual([
        'start failed',
        'deploy-role-use passed',
        'leak-scan passed',
        'teardown passed',
      ]);
      expect(report.steps[0]?.failures).toEqual([
        expect.stringMatching(
          new RegExp(
            `^port ${port} is taken by pid ${process.pid}.*: stop it, or pass --port with a free port$`,
          ),
        ),
      ]);
      expect(readFileSync(join(reportDir, 'rehearsal.md'), 'utf8')).toContain('# Rehearsal FAILED');
      expect(stdout).toContain('rehearsal wall time: ');
      expect(stderr.trim().split('\n').at(-1)).toBe(
        `error: rehearsal FAILED: 1 failed expectations (see ${join(reportDir, 'rehearsal.md')})`,
      );
    },
  );
});
