/**
 * Progress as plain lines, for CI logs, piped output and the rehearsal's log: nothing is redrawn.
 * A step that finishes with nothing to say is one line (`✔ provision: 34 resources unchanged
 * (0.2 s)`); its `▶` line comes only once it has something to show. Live statuses (build step N/M,
 * bytes pushed, rollout counts) are lines with the step's elapsed time, at most one per
 * `statusEveryMs`: the latest one is printed when the interval ends, the ones in between are not.
 */
import type { ProgressEvent, ProgressRenderer, StepName } from './progress.ts';
import { doneLine, duration, failedLine, planLines, snapshotText, startLine } from './progress-lines.ts';

export interface PlainProgressOptions {
  write: (line: string) => void;
  /** Print the tools' own output (the image build's, line by line). */
  verbose?: boolean;
  statusEveryMs?: number;
}

interface RunningStep {
  step: StepName;
  title: string;
  startedAt: number;
  announced: boolean;
  lastStatusAt: number;
  pendingStatus: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

export function plainProgress(options: PlainProgressOptions): ProgressRenderer {
  const every = options.statusEveryMs ?? 1_000;
  const indent = (line: string) => `  ${line}`;
  let current: RunningStep | undefined;

  const announce = (run: RunningStep) => {
    if (run.announced) return;
    run.announced = true;
    options.write(startLine(run.step, run.title));
  };
  const lines = (run: RunningStep, texts: string[]) => {
    if (texts.length === 0) return;
    announce(run);
    for (const text of texts) options.write(indent(text));
  };
  const printStatus = (run: RunningStep, text: string) => {
    run.lastStatusAt = performance.now();
    run.pendingStatus = undefined;
    lines(run, [`${duration(run.lastStatusAt - run.startedAt)}  ${text}`]);
  };
  const status = (run: RunningStep, text: string) => {
    const wait = run.lastStatusAt + every - performance.now();
    if (run.lastStatusAt === 0 || wait <= 0) return printStatus(run, text);
    run.pendingStatus = text;
    run.timer ??= setTimeout(() => {
      run.timer = undefined;
      if (current === run && run.pendingStatus !== undefined) printStatus(run, run.pendingStatus);
    }, wait).unref();
  };
  const end = (run: RunningStep) => {
    clearTimeout(run.timer);
    run.timer = undefined;
    run.pendingStatus = undefined;
    if (current === run) current = undefined;
  };

  return {
    report(event: ProgressEvent) {
      if (event.kind === 'start') {
        if (current) end(current);
        current = {
          step: event.step,
          title: event.title,
          startedAt: performance.now(),
          announced: false,
          lastStatusAt: 0,
          pendingStatus: undefined,
          timer: undefined,
        };
        return;
      }
      const run = current?.step === event.step ? current : undefined;
      if (!run) return;
      const elapsed = () => performance.now() - run.startedAt;
      switch (event.kind) {
        case 'output':
          return lines(run, [event.text]);
        case 'log':
          return options.verbose ? lines(run, [event.text]) : undefined;
        case 'plan':
          return lines(run, planLines(event.changes));
        case 'status':
          return status(run, event.text);
        case 'rollout':
          return status(run, snapshotText(event.snapshot));
        case 'done':
          end(run);
          return options.write(doneLine(run.step, event.summary, elapsed()));
        case 'failed':
          end(run);
          return options.write(failedLine(run.step, event.error, elapsed()));
      }
    },
    // Drops a status still waiting for its interval.
    close() {
      if (current) end(current);
      return Promise.resolve();
    },
  };
}
