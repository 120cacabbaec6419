/**
 * Writes test-durations.json, the seconds each test file took, from a full run's JSON report
 * (`.ci/run` writes reports/vitest.json): the order vitest.sequencer.ts starts files in when vitest
 * has no record of its own (a clean clone). Run it after adding or much changing a slow test file:
 * `node scripts/test-durations.ts [report [out]]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { DURATIONS_FILE } from '../vitest.sequencer.ts';

interface Report {
  testResults: Array<{ name: string; startTime: number; endTime: number }>;
}

const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/vitest.json', 'utf8')) as Report;
// The run's checkout (any clone): the directory its test files all lie under.
const root = report.testResults
  .map((file) => dirname(file.name))
  .reduce((common, dir) => {
    while (dir !== common && !dir.startsWith(common + sep)) common = dirname(common);
    return common;
  });
const durations = Object.fromEntries(
  report.testResults
    .map(
      (file) => [relative(root, file.name), Math.round((file.endTime - file.startTime) / 100) / 10] as const,
    )
    .sort(([a], [b]) => (a < b ? -1 : 1)),
);
const out = process.argv[3] ?? DURATIONS_FILE;
writeFileSync(out, `${JSON.stringify(durations, null, 2)}\n`);
console.log(`durations of ${Object.keys(durations).length} test files written`);
