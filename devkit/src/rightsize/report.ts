/**
 * The right-sizing report: the service measured, the budget, each step's figures and verdict, the
 * recommendation and why. Written as JSON (for tools), Markdown (for people, with the terminal
 * chart) and an SVG chart, side by side.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { svgChart, terminalChart } from './charts.ts';
import type { FargateSize } from './fargate-sizes.ts';
import { describeSize } from './fargate-sizes.ts';
import type { MetricSource, Peaks } from './metrics.ts';
import type { Baseline, Budget, Goal, Outcome, StepMeasure, Verdict } from './recommend.ts';
import { errorRate } from './recommend.ts';

export interface StepRecord extends StepMeasure {
  start: string;
  end: string;
  verdict: Verdict;
  failedByStatus: Record<string, number>;
  /** Why ECS stopped the tasks that failed during the step. */
  stoppedReasons: string[];
  metricSource: MetricSource | undefined;
  /** Each task's own peaks, by task id (enhanced observability only). */
  taskPeaks?: Peaks['tasks'];
}

export interface RightsizeReport {
  startedAt: string;
  wallTimeMs: number;
  service: { cluster: string; service: string; url: string; taskDefinition: string; size: FargateSize };
  /** The replay server's fault spec during the run; undefined when it could not be set. */
  geminiLatency: string | undefined;
  budget: Budget;
  goal: Goal;
  stepDurationMs: number;
  metricsPeriodSeconds: number;
  /** The busiest task at rest, before the first step; undefined when no metric came for it. */
  baseline: (Baseline & { start: string; end: string }) | undefined;
  steps: StepRecord[];
  /** Why stepping stopped before the last planned step, if it did. */
  stoppedEarly: string | undefined;
  outcome: Outcome;
  notes: string[];
  /** 1, 5 and 15 minute load averages when the run ended (the machine is shared). */
  loadAverage: number[];
}

export const STEP_HEADERS = [
  'in flight',
  'tasks',
  'requests',
  'ok/s',
  'p50 s',
  'p95 s',
  'p99 s',
  'errors',
  'CPU peak/task',
  'memory peak/task',
  'OOM/failed tasks',
  'verdict',
];

const sec = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(2));
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

export function stepRows(report: RightsizeReport): string[][] {
  const { size } = report.service;
  return report.steps.map((step) => [
    String(step.concurrency),
    String(step.tasks),
    String(step.requests),
    step.throughput.toFixed(1),
    sec(step.latencyMs?.p50),
    sec(step.latencyMs?.p95),
    sec(step.latencyMs?.p99),
    `${pct(errorRate(step))}${
      step.errors
        ? ` (${Object.entries(step.failedByStatus)
            .map(([status, n]) => `${n}×${status}`)
            .join(' ')})`
        : ''
    }`,
    step.cpuPeak === undefined ? '-' : `${Math.round(step.cpuPeak)} (${pct(step.cpuPeak / size.cpu)})`,
    step.memoryPeak === undefined
      ? '-'
      : `${Math.round(step.memoryPeak)} MiB (${pct(step.memoryPeak / size.memory)})`,
    `${step.oomKills}/${step.tasksFailed}`,
    step.verdict,
  ]);
}

/** The recommendation (or why there is none) and its reasons, as lines. */
export function outcomeLines(report: RightsizeReport): string[] {
  const { outcome } = report;
  if (!outcome.ok) return [`no recommendation: ${outcome.reason}`];
  const r = outcome.recommendation;
  return [
    `recommended: ${r.tasks} × ${describeSize(r.size)} (cpu ${r.size.cpu}, memory ${r.size.memory}) — limited by ${r.limitingResource}; task count by ${r.taskCountBy}; about $${r.hourlyPrice.toFixed(4)}/hour`,
    ...r.reasons.map((reason) => `  - ${reason}`),
  ];
}

export function chartInput(report: RightsizeReport) {
  return {
    steps: report.steps,
    size: report.service.size,
    p95BudgetMs: report.budget.p95Ms,
    title: `${report.service.service} on ${describeSize(report.service.size)}: load steps`,
  };
}

function markdown(report: RightsizeReport, svgName: string): string {
  const { service, budget, goal } = report;
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `# Right-sizing: ${service.service}`,
    '',
    `- Measured: ${service.taskDefinition} on ${describeSize(service.size)}, at ${service.url}, ${report.startedAt}, ${(report.wallTimeMs / 1000).toFixed(0)} s`,
    `- Gemini replay latency: ${report.geminiLatency ?? 'not set (the replay server was not reachable)'}`,
    `- Target: ${goal.concurrency} requests in flight, ${goal.minTasks}–${goal.maxTasks} tasks; budget p95 ≤ ${budget.p95Ms} ms, errors ≤ ${pct(budget.errorRate)}, headroom ${pct(budget.headroom)}`,
    `- Steps of ${report.stepDurationMs / 1000} s; metrics period ${report.metricsPeriodSeconds} s; load average at the end ${report.loadAverage.map((l) => l.toFixed(2)).join(' ')}`,
    `- Idle baseline per task: ${report.baseline ? `${Math.round(report.baseline.cpu)} CPU units, ${Math.round(report.baseline.memory)} MiB` : 'not measured'}; metrics: ${[...new Set(report.steps.map((s) => s.metricSource ?? 'none'))].join(', ')}`,
    '',
    '## Recommendation',
    '',
    ...outcomeLines(report),
    '',
    '## Steps',
    '',
    row(STEP_HEADERS),
    row(STEP_HEADERS.map(() => '---')),
    ...stepRows(report).map(row),
    '',
    ...(report.stoppedEarly ? [`Stepping stopped early: ${report.stoppedEarly}`, ''] : []),
    ...report.steps
      .filter((step) => step.stoppedReasons.length)
      .map(
        (step) => `- At ${step.concurrency} in flight, ECS stopped tasks: ${step.stoppedReasons.join('; ')}`,
      ),
    '',
    ...taskPeakLines(report),
    ...(report.notes.length ? ['## Notes', '', ...report.notes.map((n) => `- ${n}`), ''] : []),
    '## Chart',
    '',
    `![load steps](${svgName})`,
    '',
    '```',
    ...terminalChart(chartInput(report), false),
    '```',
    '',
  ].join('\n');
}

/** Each task's peaks per step, when the metrics were per task: how evenly the load spread. */
function taskPeakLines(report: RightsizeReport): string[] {
  const steps = report.steps.filter((step) => step.taskPeaks && Object.keys(step.taskPeaks).length);
  if (steps.length === 0) return [];
  const cell = (p: { cpu: number | undefined; memory: number | undefined }) =>
    `${p.cpu === undefined ? '-' : Math.round(p.cpu)} / ${p.memory === undefined ? '-' : Math.round(p.memory)} MiB`;
  return [
    '## Per task (CPU units / memory peaks)',
    '',
    ...steps.map(
      (step) =>
        `- ${step.concurrency} in flight: ${Object.entries(step.taskPeaks!)
          .map(([id, p]) => `${id.slice(0, 8)} ${cell(p)}`)
          .join('; ')}`,
    ),
    '',
  ];
}

export async function writeReport(
  report: RightsizeReport,
  dir: string,
): Promise<{ json: string; markdown: string; svg: string }> {
  await mkdir(dir, { recursive: true });
  const paths = {
    json: join(dir, 'rightsize.json'),
    markdown: join(dir, 'rightsize.md'),
    svg: join(dir, 'rightsize.svg'),
  };
  await writeFile(paths.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(paths.svg, svgChart(chartInput(report)));
  await writeFile(paths.markdown, markdown(report, 'rightsize.svg'));
  return paths;
}
