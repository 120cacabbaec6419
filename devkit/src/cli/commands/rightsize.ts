import type { Command } from 'commander';
import { CliError, withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

interface RightsizeCliOptions extends StackTargetOptions {
  geminiLatency: string;
  geminiUrl?: string;
  steps: string;
  stepDuration: string;
  baseline?: string;
  load: string;
  p95: string;
  errors: string;
  headroom: string;
  minTasks: string;
  maxTasks: string;
  timeout: string;
  metricsPeriod?: string;
  settle?: string;
  reportDir: string;
}

/** Bounds that keep a run to a few minutes of load on this machine. */
const MAX_STEPS = 12;
const MAX_IN_FLIGHT = 1_024;
const MAX_STEP_SECONDS = 300;
const MAX_RUN_SECONDS = 15 * 60;

function number(text: string, flag: string, min: number, max: number, integer = true): number {
  const value = Number(text);
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min ||
    value > max
  ) {
    throw new CliError(
      `${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max} (got '${text}')`,
    );
  }
  return value;
}

function stepList(text: string): number[] {
  const steps = text.split(',').map((item) => number(item, '--steps', 1, MAX_IN_FLIGHT));
  if (steps.length > MAX_STEPS)
    throw new CliError(`--steps takes at most ${MAX_STEPS} steps (got ${steps.length})`);
  return steps;
}

export function register(program: Command): void {
  addStackOptions(
    program
      .command('rightsize')
      .description(
        "the smallest Fargate size and task count that hold a load: steps the requests in flight through the stage's URL (Gemini replayed at a set latency), reads CPU and memory from CloudWatch, writes a report and a chart",
      ),
  )
    .option(
      '--gemini-latency <delay>',
      "the replay server's answer time: 3s, uniform(2s,5s) or normal(3s,1s)",
      'normal(3s,1s)',
    )
    .option(
      '--gemini-url <url>',
      "the replay server's address on this host (default: the `devkit up` session's)",
    )
    .option('--steps <list>', 'requests in flight, one step each', '2,4,8,16,32,64')
    .option('--step-duration <seconds>', 'how long each step lasts', '20')
    .option(
      '--baseline <seconds>',
      'how long the tasks are measured at rest first (their floor; default: three metrics periods)',
    )
    .option('--load <n>', 'the target: requests in flight the service must hold', '32')
    .option('--p95 <seconds>', 'latency budget: the highest acceptable p95', '8')
    .option('--errors <percent>', 'error budget: the highest acceptable share of failed requests', '1')
    .option('--headroom <percent>', 'share of the size kept free at the target load', '30')
    .option('--min-tasks <n>', 'fewest tasks to recommend (2+ for availability across zones)', '1')
    .option('--max-tasks <n>', 'most tasks to recommend', '10')
    .option('--timeout <seconds>', 'per request', '60')
    .option('--metrics-period <seconds>', 'CloudWatch period to read (default: 5 locally, 60 on AWS)')
    .option('--settle <seconds>', 'wait after the last step for its metrics (default: two periods)')
    .option('--report-dir <dir>', 'where rightsize.json, rightsize.md and rightsize.svg go', 'reports')
    .action(
      withErrors(async (options: RightsizeCliOptions) => {
        const { parseFaults, FaultSpecError } = await import('../../gemini/faults.ts');
        const geminiLatency = `latency=${options.geminiLatency}`;
        try {
          parseFaults(geminiLatency);
        } catch (error) {
          if (error instanceof FaultSpecError) throw new CliError(`--gemini-latency: ${error.message}`);
          throw error;
        }
        const steps = stepList(options.steps);
        const stepSeconds = number(options.stepDuration, '--step-duration', 5, MAX_STEP_SECONDS);
        if (steps.length * stepSeconds > MAX_RUN_SECONDS) {
          throw new CliError(
            `${steps.length} steps of ${stepSeconds} s exceed the ${MAX_RUN_SECONDS / 60} minute bound`,
          );
        }
        const budget = {
          p95Ms: number(options.p95, '--p95', 0.01, 600, false) * 1000,
          errorRate: number(options.errors, '--errors', 0, 100, false) / 100,
          headroom: number(options.headroom, '--headroom', 0, 90, false) / 100,
        };
        const minTasks = number(options.minTasks, '--min-tasks', 1, 100);
        const goal = {
          concurrency: number(options.load, '--load', 1, MAX_IN_FLIGHT * 100),
          minTasks,
          maxTasks: number(options.maxTasks, '--max-tasks', minTasks, 100),
        };
        const timeoutMs = number(options.timeout, '--timeout', 1, 600) * 1000;

        const { openStack } = await import('../stack-target.ts');
        const { stackStatus } = await import('../../deploy/status.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        const { resourceNames } = await import('../../deploy/names.ts');
        const { rightsize } = await import('../../rightsize/rightsize.ts');
        const { writeReport, outcomeLines, stepRows, STEP_HEADERS, chartInput } =
          await import('../../rightsize/report.ts');
        const { terminalChart } = await import('../../rightsize/charts.ts');
        const { table } = await import('../table.ts');
        const { stack, choice, clients } = await openStack(options);
        const periodSeconds = options.metricsPeriod
          ? number(options.metricsPeriod, '--metrics-period', 1, 3600)
          : choice.target === 'aws'
            ? 60
            : 5;
        try {
          const { url } = await stackStatus(clients, stack, 0);
          if (!url)
            throw new CliError(
              `the ${stack.stage} stage has no load balancer to drive load through: \`devkit deploy\` provisions it`,
            );
          const geminiUrl = options.geminiUrl ?? (await sessionGeminiUrl(choice.session?.geminiContainer));
          const names = resourceNames(stack);
          const report = await rightsize({
            clients,
            ref: { cluster: names.cluster, service: names.service },
            serviceUrl: url,
            geminiUrl,
            geminiLatency,
            steps,
            stepMs: stepSeconds * 1000,
            baselineMs:
              (options.baseline ? number(options.baseline, '--baseline', 0, 600) : 3 * periodSeconds) * 1000,
            timeoutMs,
            metricsPeriodSeconds: periodSeconds,
            settleMs:
              (options.settle ? number(options.settle, '--settle', 0, 600) : 2 * periodSeconds) * 1000,
            budget,
            goal,
            log: (line) => console.log(line),
          });
          const paths = await writeReport(report, options.reportDir);
          console.log('');
          for (const line of table(STEP_HEADERS, stepRows(report))) console.log(line);
          console.log('');
          for (const line of terminalChart(chartInput(report), Boolean(process.stdout.isTTY)))
            console.log(line);
          console.log('');
          for (const line of outcomeLines(report)) console.log(line);
          for (const note of report.notes) console.log(`note: ${note}`);
          console.log(`\nreport: ${paths.markdown}, ${paths.json}; chart: ${paths.svg}`);
          if (!report.outcome.ok) throw new CliError(`no recommendation: ${report.outcome.reason}`);
        } finally {
          destroyClients(clients);
        }
      }),
    );
}

/** The replay server of the running `devkit up` session, on its published port. */
async function sessionGeminiUrl(container: string | undefined): Promise<string | undefined> {
  if (!container) return undefined;
  const { default: Docker } = await import('dockerode');
  const { geminiHostUrl } = await import('../../gemini/container.ts');
  return geminiHostUrl(new Docker(), container);
}
