/**
 * One rehearsal step: timed, with its notes, failed expectations, requests and the service events
 * ECS recorded while it ran. A step that throws is failed with the error as its reason; a failed
 * expectation fails the step but lets it finish, so the report says everything that went wrong.
 */
import type { RehearsalContext } from './context.ts';
import type { LoadStats } from '../load/load.ts';
import type { RehearsalReport, StepRecord } from './report.ts';

/** One step of the rehearsal: a module of steps/, run over the shared context. */
export interface RehearsalStep {
  name: string;
  title: string;
  run(ctx: RehearsalContext, step: StepRun): Promise<void>;
}

export class StepRun {
  readonly record: StepRecord;
  private readonly log: (line: string) => void;

  constructor(record: StepRecord, log: (line: string) => void) {
    this.record = record;
    this.log = log;
  }

  note(text: string): void {
    this.record.notes.push(text);
    this.log(`  ${text}`);
  }

  /** Records a failed expectation unless `ok`; returns `ok`. */
  expect(ok: boolean, failure: string): boolean {
    if (!ok) {
      this.record.failures.push(failure);
      this.log(`  ✘ ${failure}`);
    }
    return ok;
  }

  requests(stats: LoadStats): void {
    this.record.requests = {
      sent: stats.sent,
      failed: stats.failed,
      skipped: stats.skipped,
      versions: stats.versions,
    };
  }

  events(messages: string[]): void {
    this.record.events.push(...messages);
  }
}

/** Runs `work` as a step of `report`; resolves true when the step passed. */
export async function rehearsalStep(
  report: RehearsalReport,
  name: string,
  title: string,
  log: (line: string) => void,
  work: (step: StepRun) => Promise<void>,
): Promise<boolean> {
  const record: StepRecord = {
    name,
    title,
    status: 'passed',
    durationMs: 0,
    events: [],
    notes: [],
    failures: [],
  };
  report.steps.push(record);
  const step = new StepRun(record, log);
  log(`\n== ${title}`);
  const started = Date.now();
  try {
    await work(step);
  } catch (error) {
    step.expect(false, (error as Error).message.split('\n')[0] ?? String(error));
  }
  record.durationMs = Date.now() - started;
  record.status = record.failures.length === 0 ? 'passed' : 'failed';
  // Named: steps that run at the same time interleave their lines.
  log(`== ${name} ${record.status} in ${(record.durationMs / 1000).toFixed(1)} s`);
  return record.status === 'passed';
}
