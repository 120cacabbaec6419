/**
 * `devkit rightsize` through the real CLI against `devkit up --detach` (the local cloud with Container
 * Insights enhanced, the replay server, the dev stage): the tasks at rest first, then two small steps (1 and 2 in flight, 10 s each) with
 * Gemini answering after a fixed 500 ms; per-task CPU and memory read back through CloudWatch; a
 * valid Fargate size recommended; the table, chart and three report files written; the replay
 * server's faults put back. Bounded: about 30 requests. Its argument checks need no cloud.
 */
import Docker from 'dockerode';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geminiContainerName, geminiHostUrl } from '../../src/gemini/container.ts';
import { isFargateSize } from '../../src/rightsize/fargate-sizes.ts';
import type { RightsizeReport } from '../../src/rightsize/report.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { freePort } from '../cloud/harness.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { envWithoutAws, runCli } from './run-cli.ts';

// Both suites run side by side: the argument checks (each its own CLI, all at once, with room for a
// loaded machine) while `devkit up` deploys the stage for the run below.
describe.concurrent('devkit rightsize: its bounds, before any load', { timeout: 180_000 }, () => {
  it.each([
    [['--steps', '1,2,x'], "--steps must be an integer from 1 to 1024 (got 'x')"],
    [['--steps', Array.from({ length: 13 }, () => '1').join(',')], '--steps takes at most 12 steps (got 13)'],
    [['--steps', '1,2,3,4', '--step-duration', '300'], '4 steps of 300 s exceed the 15 minute bound'],
    [['--gemini-latency', 'soon'], "--gemini-latency: 'soon' is not a duration like 200ms or 1.5s"],
    [['--headroom', '95'], "--headroom must be a number from 0 to 90 (got '95')"],
    [['--min-tasks', '3', '--max-tasks', '2'], "--max-tasks must be an integer from 3 to 100 (got '2')"],
  ])('%j: one clear line, exit 1', async (args, message) => {
    const run = await runCli(['rightsize', ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`error: ${message}`);
    expect(run.stdout).toBe('');
  });
});

describe.skipIf(!dockerAvailable)('devkit rightsize against a deployed stage', { concurrent: true }, () => {
  const docker = new Docker();
  let port: number;
  let lbPort: number;
  let stateDir: string;
  let reportDir: string;
  const env = () => envWithoutAws();
  const where = () => ['--port', String(port), '--state-dir', stateDir];

  beforeAll(async () => {
    port = await freePort();
    lbPort = await freePort();
    stateDir = await mkdtemp(join(tmpdir(), 'devkit-rightsize-'));
    reportDir = join(stateDir, 'reports');
    const up = await runCli(['up', '--detach', ...where(), '--lb-port', String(lbPort)], {
      env: env(),
      timeoutMs: 500_000,
    });
    if (up.code !== 0) throw new Error(`up failed:\n${up.stdout}\n${up.stderr}`);
  }, 520_000);
  afterAll(async () => {
    await runCli(['down', ...where()], { env: env() });
    await removeRegistryImages(docker, port);
    await rm(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('steps the load, reads the tasks’ CPU and memory, recommends a valid size, writes the report', async () => {
    const run = await runCli(
      [
        'rightsize',
        '--state-dir',
        stateDir,
        '--steps',
        '1,2',
        '--step-duration',
        '10',
        '--gemini-latency',
        '500ms',
        '--load',
        '2',
        '--report-dir',
        reportDir,
      ],
      // About 45 s of steps and waits; generous, as at load 100 it took over 3 minutes.
      { env: env(), timeoutMs: 400_000 },
    );
    expect(run.stderr).toContain(`cloud: local at http://127.0.0.1:${port}`);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('gemini-mock: answering with latency=500ms (was: none)');
    expect(run.stdout).toMatch(/^in flight\s+tasks\s+requests/m);
    expect(run.stdout).toContain('← requests in flight');
    expect(run.stdout).toMatch(/^recommended: \d+ × .* — limited by (cpu|memory)/m);

    const report = JSON.parse(await readFile(join(reportDir, 'rightsize.json'), 'utf8')) as RightsizeReport;
    expect(report.service.size).toEqual({ cpu: 1024, memory: 3072 });
    expect(report.steps.map((s) => s.concurrency)).toEqual([1, 2]);
    for (const step of report.steps) {
      expect(step.tasks).toBe(1);
      expect(step.requests).toBeGreaterThan(0);
      expect(step.errors).toBe(0);
      // Every answer waited for Gemini's 500 ms (a floor, not a timing assertion).
      expect(step.latencyMs!.p50).toBeGreaterThanOrEqual(500);
      // The dev stage's cluster is enhanced: each task's own series.
      expect(step.metricSource).toBe('ECS/ContainerInsights per task');
      expect(Object.keys(step.taskPeaks ?? {})).toHaveLength(1);
      expect(step.cpuPeak).toBeGreaterThan(0);
      expect(step.memoryPeak).toBeGreaterThan(0);
      expect(step.memoryPeak).toBeLessThan(3072);
      expect(step.oomKills).toBe(0);
    }
    // The tasks at rest before the first step: the floor the recommendation counts.
    expect(report.baseline?.memory).toBeGreaterThan(0);
    if (!report.outcome.ok) throw new Error(report.outcome.reason);
    expect(isFargateSize(report.outcome.recommendation.size)).toBe(true);
    expect(report.outcome.recommendation.baseline).toEqual({
      cpu: report.baseline!.cpu,
      memory: report.baseline!.memory,
    });
    expect(report.outcome.recommendation.reasons.join(' ')).toContain('Floor: at rest a task used');
    expect(await readFile(join(reportDir, 'rightsize.md'), 'utf8')).toContain('## Recommendation');
    expect(await readFile(join(reportDir, 'rightsize.svg'), 'utf8')).toMatch(/^<svg/);

    // The replay server answers as before the run.
    const gemini = await geminiHostUrl(docker, geminiContainerName(port));
    const faults = (await (await fetch(`${gemini}/_devkit/faults`)).json()) as { fault: string };
    expect(faults.fault).toBe('');
  }, 450_000);
});
