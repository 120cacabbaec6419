/**
 * `devkit rehearse` through the real CLI on free ports, its wall time as the rehearsal reports it
 * (target ≤ 60 s, issue 16), with the local timing profile and, when BENCH_REHEARSE_AWS=1, with
 * AWS's own timings as well (much slower: the figure says what the local profile saves).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/cloud/harness.ts';
import { load } from './stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'devkit/bin/devkit.js');

async function rehearse(timings: 'local' | 'aws'): Promise<void> {
  const reports = await mkdtemp(join(tmpdir(), 'devkit-bench-rehearse-'));
  const args = ['rehearse', '--port', String(await freePort()), '--lb-port', String(await freePort())];
  try {
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [BIN, ...args, '--report-dir', reports, '--timings', timings],
        { cwd: REPO, maxBuffer: 64 * 1024 * 1024, timeout: 1_800_000 },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`rehearse failed: ${stderr.trim()}\n${stdout.slice(-2000)}`))
            : resolve(stdout),
      ),
    );
    const wall = /rehearsal wall time: ([\d.]+) s/.exec(output)?.[1];
    console.log(`rehearsal, ${timings} timings: wall time ${wall ?? '?'} s (target ≤ 60 s) [${load()}]`);
  } finally {
    await rm(reports, { recursive: true, force: true });
  }
}

export default async function rehearsal(): Promise<void> {
  console.log(`${availableParallelism()} cores, ${load()}`);
  await rehearse('local');
  if (process.env.BENCH_REHEARSE_AWS === '1') await rehearse('aws');
}
