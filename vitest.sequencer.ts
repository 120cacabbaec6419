import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds each test file took in a full run (`node scripts/test-durations.ts` writes it). */
export const DURATIONS_FILE = new URL('./test-durations.json', import.meta.url);

/**
 * The longest test files first, so the run does not end with one of them alone. vitest orders by
 * the durations of its own last run, kept under node_modules: a clean clone (CI) has none, and falls
 * back to file size, which starts the longest files — small end-to-end ones — last (a clean CI run
 * took 490 s where the same suite in duration order took 462 s). Without vitest's own record, a
 * file's time comes from test-durations.json. Otherwise vitest's order: projects one after the
 * other, files with no time at all first (larger first), then failed ones, then the longest.
 */
export default class LongestFirstSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const recorded = JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')) as Record<string, number>;
    const root = this.ctx.config.root;
    const key = new Map(
      files.map((spec) => {
        const own = this.ctx.cache.getTestSpecificationResult(spec);
        const seconds = own ? own.duration / 1000 : recorded[relative(root, spec.moduleId)];
        return [
          spec,
          {
            seconds,
            failed: own?.failed ?? false,
            size: seconds === undefined ? (statSync(spec.moduleId, { throwIfNoEntry: false })?.size ?? 0) : 0,
          },
        ];
      }),
    );
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return Promise.resolve(
      [...files].sort((a, b) => {
        const [ka, kb] = [key.get(a)!, key.get(b)!];
        return (
          a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
          byName(a.project.name, b.project.name) ||
          Number(ka.seconds !== undefined) - Number(kb.seconds !== undefined) ||
          kb.size - ka.size ||
          Number(kb.failed) - Number(ka.failed) ||
          (kb.seconds ?? 0) - (ka.seconds ?? 0)
        );
      }),
    );
  }
}
