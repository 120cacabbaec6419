// vitest.sequencer.ts and scripts/test-durations.ts: in a clean clone the longest test files start
// first, by the durations a full run recorded; vitest's own record of its last run wins; files with
// no time at all start first, larger first, as vitest runs unknown files.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import LongestFirstSequencer from '../../../vitest.sequencer.ts';
import { REPO_ROOT } from '../cli/run-cli.ts';

describe('test files in a clean clone: longest first', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devkit-test-order-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A spec of `project` for a file of the repository (which need not exist: only its path counts). */
  const spec = (path: string, project = 'devkit') =>
    ({
      moduleId: join(REPO_ROOT, path),
      project: { name: project, config: { sequence: { groupOrder: 0 } } },
    }) as unknown as TestSpecification;

  it('orders by test-durations.json without a record of vitest’s own, and by that record where there is one', async () => {
    const recorded = JSON.parse(await readFile(join(REPO_ROOT, 'test-durations.json'), 'utf8')) as Record<
      string,
      number
    >;
    const [longest, next] = Object.entries(recorded)
      .filter(([path]) => path.startsWith('devkit/'))
      .sort(([, a], [, b]) => b - a)
      .map(([path]) => path);
    const quick = 'devkit/test/stack/load.test.ts';
    const unknownSmall = join(dir, 'small.test.ts');
    const unknownLarge = join(dir, 'large.test.ts');
    await writeFile(unknownSmall, 'x');
    await writeFile(unknownLarge, 'x'.repeat(100));
    const own = new Map<string, { duration: number; failed: boolean }>();
    const ctx = {
      config: { root: REPO_ROOT },
      cache: { getTestSpecificationResult: (s: TestSpecification) => own.get(s.moduleId) },
    } as unknown as Vitest;
    const sequencer = new LongestFirstSequencer(ctx);
    const files = [
      spec(quick),
      spec('service/test/config.test.ts', 'service'),
      spec(next!),
      { ...spec(''), moduleId: unknownSmall } as TestSpecification,
      spec(longest!),
      { ...spec(''), moduleId: unknownLarge } as TestSpecification,
    ];
    const order = async () =>
      (await sequencer.sort(files)).map((s) =>
        s.moduleId.startsWith(REPO_ROOT) ? s.moduleId.slice(REPO_ROOT.length) : s.moduleId,
      );
    expect(await order()).toEqual([
      unknownLarge,
      unknownSmall,
      longest,
      next,
      quick,
      'service/test/config.test.ts',
    ]);
    // vitest's own record: the quick file took longest last time, and `next` failed.
    own.set(join(REPO_ROOT, quick), { duration: 1_000_000, failed: false });
    own.set(join(REPO_ROOT, next!), { duration: 1, failed: true });
    expect((await order()).slice(2, 5)).toEqual([next, quick, longest]);
  });

  it('test-durations.ts writes seconds per file, relative to the run’s checkout', async () => {
    const checkout = '/somewhere/clone';
    const report = join(dir, 'vitest.json');
    await writeFile(
      report,
      JSON.stringify({
        testResults: [
          { name: `${checkout}/service/test/a.test.ts`, startTime: 1000, endTime: 3449 },
          { name: `${checkout}/devkit/test/cli/b.test.ts`, startTime: 5000, endTime: 65_050 },
        ],
      }),
    );
    const out = join(dir, 'durations.json');
    await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts/test-durations.ts'), report, out]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({
      'devkit/test/cli/b.test.ts': 60.1,
      'service/test/a.test.ts': 2.4,
    });
  });
});
