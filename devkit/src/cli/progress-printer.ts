/** Renders the pipeline's progress events as terminal lines, one event per line. */
import type { PlannedChange, Progress, ProgressEvent, RolloutSnapshot } from '../deploy/progress.ts';

const PLAN_MARK: Record<PlannedChange['action'], string> = {
  create: '+',
  update: '~',
  unchanged: '=',
  delete: '-',
};

export function planLines(changes: PlannedChange[]): string[] {
  const width = Math.max(0, ...changes.map((c) => c.type.length));
  return changes.map(
    (c) =>
      `  ${PLAN_MARK[c.action]} ${c.action.padEnd(9)} ${c.type.padEnd(width)}  ${c.name}${c.details.length ? `  (${c.details.join('; ')})` : ''}`,
  );
}

export function snapshotLine(s: RolloutSnapshot): string {
  return `  ${s.deploymentId} ${s.taskDefinition} ${s.rolloutState}: desired ${s.desired}, pending ${s.pending}, running ${s.running}, healthy ${s.healthy}`;
}

export function eventLines(event: ProgressEvent): string[] {
  switch (event.kind) {
    case 'start':
      return [`▶ ${event.step}: ${event.title}`];
    case 'output':
      return [`  ${event.text}`];
    case 'plan':
      return planLines(event.changes);
    case 'rollout':
      return [snapshotLine(event.snapshot)];
    case 'done':
      return [`✔ ${event.step}: ${event.summary}`];
    case 'failed':
      return [`✘ ${event.step}: ${event.error}`];
  }
}

/**
 * Progress on stdout, each finished step with its duration; with `quietBuild`, the image build's
 * own output is left out.
 */
export function terminalProgress(options: { quietBuild?: boolean } = {}): Progress {
  const started = new Map<string, number>();
  return {
    report(event) {
      if (options.quietBuild && event.kind === 'output' && event.step === 'build') return;
      if (event.kind === 'start') started.set(event.step, performance.now());
      const lines = eventLines(event);
      const since = started.get(event.step);
      if ((event.kind === 'done' || event.kind === 'failed') && since !== undefined) {
        lines[0] = `${lines[0]} (${((performance.now() - since) / 1000).toFixed(1)} s)`;
      }
      for (const line of lines) console.log(line);
    },
  };
}
