// .ci/run, run for real in a scratch copy of the repository layout with an `npm` stand-in on PATH
// and a stand-in .ci/fresh-clone (the real suite, rehearsal and fresh clone take minutes): the
// rehearsal and the fresh-clone checks run after the tests whatever they gave, the output always
// ends with one `N passed, N failed` line counting vitest's tests, the rehearsal and the fresh-clone
// checks, with each failure named just above it, and any failure fails the run. Also: every npm
// script CI calls exists.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const exec = promisify(execFile);
const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * The stand-in npm: `npm test …` writes vitest's JSON report with the given counts and exits with
 * its status; `npm run rehearse` prints a line and exits with its status. Each call is logged. The
 * stand-in .ci/fresh-clone prints its summary line with the given counts and exits with its status.
 */
function scratch(
  tests: { passed: number; failed: number; exit: number },
  rehearsalExit: number,
  fresh = { passed: 4, failed: 0, exit: 0 },
) {
  const root = mkdtempSync(join(tmpdir(), 'devkit-ci-run-'));
  dirs.push(root);
  mkdirSync(join(root, '.ci'));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(REPO_ROOT, '.ci/run'), join(root, '.ci/run'));
  chmodSync(join(root, '.ci/run'), 0o755);
  const failures = Array.from({ length: tests.failed }, (_, n) => ({
    status: 'failed',
    fullName: `suite > case ${n + 1}`,
    failureMessages: [`\nAssertionError: expected ${n} to be ${n + 1}\n    at stack`],
  }));
  const report = JSON.stringify({
    numPassedTests: tests.passed,
    numFailedTests: tests.failed,
    testResults: [
      {
        name: join(root, 'devkit/test/x.test.ts'),
        status: tests.failed ? 'failed' : 'passed',
        assertionResults: failures,
      },
      {
        name: join(root, 'devkit/test/broken.test.ts'),
        status: tests.exit && !tests.failed ? 'failed' : 'passed',
        message: 'Error: no such module\nstack',
        assertionResults: [],
      },
      // A failed beforeAll: vitest's report has no message, and its tests are skipped.
      {
        name: join(root, 'devkit/test/hook.test.ts'),
        status: tests.exit && !tests.failed ? 'failed' : 'passed',
        message: '',
        assertionResults: [{ status: 'skipped', fullName: 'suite > case', failureMessages: [] }],
      },
    ],
  });
  writeFileSync(
    join(root, 'bin/npm'),
    `#!/usr/bin/env bash
echo "npm $*" >> "${root}/calls.log"
if [ "$1" = test ]; then
  echo '${report}' > reports/vitest.json
  echo "vitest output"
  exit ${tests.exit}
fi
if [ "$1 $2" = "run rehearse" ]; then
  echo "rehearsal output"
  exit ${rehearsalExit}
fi
exit 99
`,
  );
  chmodSync(join(root, 'bin/npm'), 0o755);
  writeFileSync(
    join(root, '.ci/fresh-clone'),
    `#!/usr/bin/env bash
echo "fresh-clone" >> "${root}/calls.log"
echo "fresh clone: ok   npm run setup"
echo "fresh clone: ${fresh.passed} passed, ${fresh.failed} failed"
exit ${fresh.exit}
`,
  );
  chmodSync(join(root, '.ci/fresh-clone'), 0o755);
  return root;
}

async function ciRun(root: string): Promise<{ code: number; lines: string[]; calls: string[] }> {
  const env = { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}` };
  const result = await exec(join(root, '.ci/run'), { env }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  const calls = readFileSync(join(root, 'calls.log'), 'utf8').trim().split('\n');
  return { code: result.code, lines: result.stdout.trim().split('\n'), calls };
}

describe('.ci/run', () => {
  it('runs the tests, the rehearsal, the fresh clone, and ends with one summary line of both', async () => {
    const run = await ciRun(scratch({ passed: 12, failed: 0, exit: 0 }, 0));
    expect(run.code).toBe(0);
    expect(run.calls).toEqual([
      'npm test -- --reporter=default --reporter=json --outputFile.json=reports/vitest.json',
      'npm run rehearse',
      'fresh-clone',
    ]);
    expect(run.lines.indexOf('rehearsal output')).toBeGreaterThan(run.lines.indexOf('vitest output'));
    expect(run.lines).toContain('fresh clone: 4 passed, 0 failed');
    expect(run.lines.at(-1)).toBe('17 passed, 0 failed');
    expect(run.lines.some((line) => line.startsWith('FAILED'))).toBe(false);
  });

  it('fails when a fresh-clone check fails, counting it in the summary line', async () => {
    const run = await ciRun(
      scratch({ passed: 12, failed: 0, exit: 0 }, 0, { passed: 3, failed: 1, exit: 1 }),
    );
    expect(run.code).toBe(1);
    expect(run.lines.at(-1)).toBe('16 passed, 1 failed');
  });

  it('counts a fresh clone that ends without its summary as one failure', async () => {
    const root = scratch({ passed: 12, failed: 0, exit: 0 }, 0);
    writeFileSync(join(root, '.ci/fresh-clone'), '#!/usr/bin/env bash\necho "clone failed"\nexit 0\n');
    const run = await ciRun(root);
    expect(run.code).toBe(1);
    expect(run.lines.at(-1)).toBe('13 passed, 1 failed');
  });

  it('fails when the rehearsal fails, still ending with the summary line', async () => {
    const run = await ciRun(scratch({ passed: 12, failed: 0, exit: 0 }, 1));
    expect(run.code).not.toBe(0);
    expect(run.lines).toContain('rehearsal FAILED (exit 1): see reports/rehearsal.md');
    expect(run.lines.slice(-2)).toEqual([
      'FAILED rehearsal (exit 1): see reports/rehearsal.md',
      '16 passed, 1 failed',
    ]);
  });

  it('runs the rehearsal even when tests failed, and fails', async () => {
    const run = await ciRun(scratch({ passed: 10, failed: 2, exit: 1 }, 0));
    expect(run.code).toBe(1);
    expect(run.calls).toContain('npm run rehearse');
    expect(run.lines.slice(-3)).toEqual([
      'FAILED devkit/test/x.test.ts > suite > case 1: AssertionError: expected 0 to be 1',
      'FAILED devkit/test/x.test.ts > suite > case 2: AssertionError: expected 1 to be 2',
      '15 passed, 2 failed',
    ]);
  });

  it('names and counts a test file that failed without a failed test (its import or a hook)', async () => {
    const run = await ciRun(scratch({ passed: 10, failed: 0, exit: 1 }, 0));
    expect(run.code).toBe(1);
    expect(run.lines.slice(-3)).toEqual([
      'FAILED devkit/test/broken.test.ts: Error: no such module',
      'FAILED devkit/test/hook.test.ts: failed outside its tests (its import or a hook): the error is in the output above',
      '15 passed, 2 failed',
    ]);
  });

  it('every npm script CI runs exists in package.json', () => {
    const scripts = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const ci = parse(readFileSync(join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
      jobs: Record<string, { steps: Array<{ run?: string }> }>;
    };
    const runs = Object.values(ci.jobs).flatMap((job) => job.steps.flatMap((s) => (s.run ? [s.run] : [])));
    const ciRunText = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
    const named = [...[...runs, ciRunText].join('\n').matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named).toContain('rehearse');
    for (const name of named) expect(scripts[name], `npm run ${name}`).toBeDefined();
    expect(scripts.rehearse).toBe('scripts/run.sh --docker devkit rehearse');
  });
});
