// The report's three files from one run's figures: the JSON keeps them, the Markdown tables them with
// the recommendation and the terminal chart, the SVG is a real echarts document of the steps.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalChart } from '../../src/rightsize/charts.ts';
import { percentiles } from '../../src/rightsize/drive.ts';
import { recommend } from '../../src/rightsize/recommend.ts';
import type { RightsizeReport, StepRecord } from '../../src/rightsize/report.ts';
import { chartInput, stepRows, writeReport } from '../../src/rightsize/report.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function step(concurrency: number, p95: number, cpu: number, memory: number, errors = 0): StepRecord {
  return {
    concurrency,
    tasks: 1,
    requests: 100,
    errors,
    throughput: concurrency / 3,
    latencyMs: { p50: p95 / 2, p90: p95, p95, p99: p95 * 1.2, max: p95 * 1.5 },
    cpuPeak: cpu,
    memoryPeak: memory,
    oomKills: 0,
    tasksFailed: 0,
    start: '2026-12-05T00:00:00.000Z',
    end: '2026-12-05T00:00:20.000Z',
    verdict: p95 > 8_000 || errors > 1 ? (errors > 1 ? 'errors' : 'latency') : 'held',
    failedByStatus: errors ? { '503': errors } : {},
    stoppedReasons: [],
    metricSource: 'ECS/ContainerInsights',
  };
}

function sampleReport(): RightsizeReport {
  const steps = [step(4, 3_100, 40, 120), step(16, 3_400, 90, 150), step(64, 12_000, 250, 200, 30)];
  const size = { cpu: 256, memory: 512 };
  const budget = { p95Ms: 8_000, errorRate: 0.01, headroom: 0.3 };
  const goal = { concurrency: 32, minTasks: 1, maxTasks: 10 };
  return {
    startedAt: '2026-12-05T00:00:00.000Z',
    wallTimeMs: 70_000,
    service: {
      cluster: 'iscoolgpt-dev',
      service: 'iscoolgpt-dev',
      url: 'http://127.0.0.1:8171',
      taskDefinition: 'iscoolgpt-dev:3',
      size,
    },
    geminiLatency: 'latency=normal(3s,1s)',
    budget,
    goal,
    stepDurationMs: 20_000,
    metricsPeriodSeconds: 5,
    baseline: { cpu: 6, memory: 52, start: '2026-12-04T23:59:45.000Z', end: '2026-12-05T00:00:00.000Z' },
    steps,
    stoppedEarly: undefined,
    outcome: recommend(steps, size, budget, goal, { cpu: 6, memory: 52 }),
    notes: ['503 answers are the service shedding load.'],
    loadAverage: [1.5, 1.2, 1],
  };
}

describe('the right-sizing report', () => {
  it('writes the JSON, a Markdown table with the recommendation and chart, and an SVG chart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rightsize-report-'));
    dirs.push(dir);
    const report = sampleReport();
    const paths = await writeReport(report, dir);
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    const markdown = await readFile(paths.markdown, 'utf8');
    expect(markdown).toContain('recommended: 2 × 0.25 vCPU / 512 MiB');
    expect(markdown).toContain('| 64 | 1 | 100 |');
    expect(markdown).toContain('30.0 % (30×503)');
    expect(markdown).toContain('![load steps](rightsize.svg)');
    expect(markdown).toContain(
      '- Idle baseline per task: 6 CPU units, 52 MiB; metrics: ECS/ContainerInsights',
    );
    expect(markdown).toContain('Floor: at rest a task used 6 CPU units and 52 MiB');
    expect(markdown).toContain('← requests in flight');
    const svg = await readFile(paths.svg, 'utf8');
    expect(svg).toMatch(/^<svg[^>]*width="900"/);
    for (const label of ['p95 budget', 'CPU %', 'memory %', 'in flight']) expect(svg).toContain(label);
  });

  it('tables each step with its per-task peaks as shares of the size', () => {
    const rows = stepRows(sampleReport());
    expect(rows[0]).toEqual([
      '4',
      '1',
      '100',
      '1.3',
      '1.55',
      '3.10',
      '3.72',
      '0.0 %',
      '40 (15.6 %)',
      '120 MiB (23.4 %)',
      '0/0',
      'held',
    ]);
  });

  it('draws the terminal chart without colour codes when asked, one axis label per step', () => {
    const lines = terminalChart(chartInput(sampleReport()), false);
    expect(lines.join('\n')).not.toContain('\x1b[');
    expect(lines.at(-1)).toMatch(/^\s+4\s+16\s+64\s+← requests in flight$/);
    expect(lines.length).toBeGreaterThan(18);
  });

  it('reads nearest-rank percentiles', () => {
    expect(percentiles([])).toBeUndefined();
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(samples)).toEqual({ p50: 50, p90: 90, p95: 95, p99: 99, max: 100 });
  });
});
