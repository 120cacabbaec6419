/**
 * Progress on a terminal, with listr2's default renderer: each step is one line redrawn in place
 * (spinner, title, live status, seconds so far), the lines worth keeping stay under it, and when it
 * ends the line says how and how long it took, worded as the plain renderer words it. Steps come as
 * events from a pipeline that does not know listr2, so each step is its own one-task Listr, run one
 * after the other.
 */
import { Listr } from 'listr2';
import type { ProgressEvent, ProgressRenderer, StepName } from '../deploy/progress.ts';
import { duration, planLines, snapshotText } from '../deploy/progress-lines.ts';

/** The parts of listr2's task wrapper a step writes to. */
interface TaskLine {
  title: string | null | unknown[];
  output: string | null | unknown[];
}

class LiveStep {
  readonly step: StepName;
  private readonly title: string;
  private readonly startedAt = performance.now();
  private status = '';
  /** Lines reported before listr2 handed over the task. */
  private readonly early: string[] = [];
  private task: TaskLine | undefined;
  private readonly ticker: NodeJS.Timeout;
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private readonly finished: Promise<void>;
  private ended: { ok: boolean; text: string } | undefined;

  constructor(step: StepName, title: string) {
    this.step = step;
    this.title = title;
    this.finished = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // The elapsed seconds in the title move even while nothing is reported.
    this.ticker = setInterval(() => this.refresh(), 1_000).unref();
  }

  run(): Promise<void> {
    const listr = new Listr(
      [
        {
          title: this.heading(),
          task: (_context, task) => {
            this.task = task;
            for (const line of this.early.splice(0)) task.output = line;
            this.refresh();
            return this.finished;
          },
          rendererOptions: { persistentOutput: true, outputBar: Infinity },
        },
      ],
      {
        renderer: 'default',
        // The title says how it failed; the CLI prints the error itself, once, on stderr.
        rendererOptions: { showErrorMessage: false },
        registerSignalListeners: false,
      },
    );
    // A failed step has already been reported: the pipeline throws its error to the caller.
    return listr.run().then(
      () => undefined,
      () => undefined,
    );
  }

  report(event: Exclude<ProgressEvent, { kind: 'start' }>): void {
    switch (event.kind) {
      case 'output':
        return this.line(event.text);
      case 'plan':
        return planLines(event.changes).forEach((line) => this.line(line));
      case 'status':
        return this.setStatus(event.text);
      case 'rollout':
        return this.setStatus(snapshotText(event.snapshot));
      case 'log':
        // The tools' own output is for the line renderer (--verbose): a redrawn frame cannot hold it.
        return;
      case 'done':
        return this.end({ ok: true, text: event.summary });
      case 'failed':
        return this.end({ ok: false, text: event.error.split('\n')[0] ?? event.error });
    }
  }

  private line(text: string): void {
    if (this.task) this.task.output = text;
    else this.early.push(text);
  }

  private setStatus(text: string): void {
    this.status = text;
    this.refresh();
  }

  private end(ended: { ok: boolean; text: string }): void {
    clearInterval(this.ticker);
    this.ended = ended;
    this.status = '';
    this.refresh();
    if (ended.ok) this.settle?.resolve();
    else this.settle?.reject(new Error(ended.text));
  }

  private heading(): string {
    const elapsed = duration(performance.now() - this.startedAt);
    if (this.ended) return `${this.step}: ${this.ended.text} (${elapsed})`;
    return `${this.step}: ${this.title}${this.status ? ` · ${this.status}` : ''} · ${elapsed}`;
  }

  private refresh(): void {
    if (this.task) this.task.title = this.heading();
  }
}

export function liveProgress(): ProgressRenderer {
  let current: LiveStep | undefined;
  let rendering = Promise.resolve();
  return {
    report(event) {
      if (event.kind === 'start') {
        const step = new LiveStep(event.step, event.title);
        current = step;
        rendering = rendering.then(() => step.run());
        return;
      }
      if (current?.step === event.step) current.report(event);
    },
    // The last step's frame is drawn for good, and what was printed meanwhile is let through.
    close: () => rendering,
  };
}
