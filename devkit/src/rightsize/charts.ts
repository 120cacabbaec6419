/**
 * The right-sizing run at a glance: a compact terminal chart (asciichart) and an SVG file (echarts,
 * rendered server-side), both plotting per step the latency percentiles against the budget and the
 * busiest task's CPU and memory as shares of its size.
 */
import asciichart from 'asciichart';
import * as echarts from 'echarts';
import type { FargateSize } from './fargate-sizes.ts';
import type { StepMeasure } from './recommend.ts';

export interface ChartInput {
  steps: readonly StepMeasure[];
  size: FargateSize;
  p95BudgetMs: number;
  title: string;
}

/** Columns per step: asciichart draws one column per value. */
const COLUMNS_PER_STEP = 6;

const share = (value: number | undefined, of: number) => (value === undefined ? 0 : (100 * value) / of);
const seconds = (ms: number | undefined) => (ms === undefined ? 0 : ms / 1000);
const widen = (values: number[]) => values.flatMap((v) => Array<number>(COLUMNS_PER_STEP).fill(v));

/** Two small charts (latency, then resources) and the steps under them; `color` for a terminal. */
export function terminalChart(input: ChartInput, color: boolean): string[] {
  if (input.steps.length === 0) return [];
  const p50 = widen(input.steps.map((s) => seconds(s.latencyMs?.p50)));
  const p95 = widen(input.steps.map((s) => seconds(s.latencyMs?.p95)));
  const budget = p95.map(() => input.p95BudgetMs / 1000);
  const cpu = widen(input.steps.map((s) => share(s.cpuPeak, input.size.cpu)));
  const memory = widen(input.steps.map((s) => share(s.memoryPeak, input.size.memory)));
  const axis =
    ' '.repeat(11) + input.steps.map((s) => String(s.concurrency).padEnd(COLUMNS_PER_STEP)).join('');
  const plot = (series: number[][], format: (x: number) => string, min = 0) =>
    asciichart.plot(series, {
      height: 8,
      min,
      format,
      ...(color ? { colors: [asciichart.blue, asciichart.red, asciichart.green] } : {}),
    });
  return [
    `latency, s (${color ? 'blue' : 'lowest'} p50, ${color ? 'red' : 'then'} p95, ${color ? 'green' : 'flat:'} the p95 budget ${input.p95BudgetMs / 1000} s)`,
    ...plot([p50, p95, budget], (x) => x.toFixed(1).padStart(8)).split('\n'),
    axis,
    `busiest task, % of ${input.size.cpu} CPU units${color ? ' (blue)' : ''} and of ${input.size.memory} MiB${color ? ' (red)' : ''}; 100 % flat`,
    ...plot([cpu, memory, cpu.map(() => 100)], (x) => `${x.toFixed(0)} %`.padStart(8)).split('\n'),
    `${axis}  ← requests in flight`,
  ];
}

/** An SVG document of the same two views, one chart with two y axes. */
export function svgChart(input: ChartInput): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 900, height: 480 });
  try {
    const steps = input.steps.map((s) => String(s.concurrency));
    const line = (name: string, data: number[], yAxisIndex: number, dashed = false) => ({
      name,
      type: 'line' as const,
      yAxisIndex,
      data,
      ...(dashed ? { lineStyle: { type: 'dashed' as const } } : {}),
    });
    chart.setOption({
      animation: false,
      title: { text: input.title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { top: 28 },
      grid: { top: 70, left: 60, right: 70, bottom: 50 },
      xAxis: { type: 'category', name: 'in flight', nameLocation: 'middle', nameGap: 30, data: steps },
      yAxis: [
        { type: 'value', name: 'latency (s)' },
        {
          type: 'value',
          name: '% of task size',
          max: (v: { max: number }) => Math.max(100, Math.ceil(v.max / 10) * 10),
        },
      ],
      series: [
        line(
          'p50',
          input.steps.map((s) => seconds(s.latencyMs?.p50)),
          0,
        ),
        line(
          'p95',
          input.steps.map((s) => seconds(s.latencyMs?.p95)),
          0,
        ),
        line(
          'p99',
          input.steps.map((s) => seconds(s.latencyMs?.p99)),
          0,
        ),
        line(
          'p95 budget',
          input.steps.map(() => input.p95BudgetMs / 1000),
          0,
          true,
        ),
        line(
          'CPU %',
          input.steps.map((s) => share(s.cpuPeak, input.size.cpu)),
          1,
        ),
        line(
          'memory %',
          input.steps.map((s) => share(s.memoryPeak, input.size.memory)),
          1,
        ),
        {
          name: 'errors %',
          type: 'bar' as const,
          yAxisIndex: 1,
          data: input.steps.map((s) => (s.requests ? (100 * s.errors) / s.requests : 0)),
        },
      ],
    });
    return chart.renderToSVGString();
  } finally {
    // An echarts instance keeps timers: without dispose the process does not exit.
    chart.dispose();
  }
}
