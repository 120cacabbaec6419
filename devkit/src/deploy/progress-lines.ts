/**
 * The pipeline's progress as plain text: the one formatting every renderer uses (the CLI's live and
 * line renderers, the rehearsal's log), so a step reads the same wherever it is shown.
 */
import type { PlannedChange, RolloutSnapshot, StepName } from './progress.ts';

const PLAN_MARK: Record<PlannedChange['action'], string> = {
  create: '+',
  update: '~',
  unchanged: '=',
  delete: '-',
};

/** One line per resource that changes; the unchanged ones, often most of them, as one line. */
export function planLines(changes: PlannedChange[]): string[] {
  const changing = changes.filter((c) => c.action !== 'unchanged');
  const unchanged = changes.length - changing.length;
  const width = Math.max(0, ...changing.map((c) => c.type.length));
  const lines = changing.map(
    (c) =>
      `${PLAN_MARK[c.action]} ${c.action.padEnd(9)} ${c.type.padEnd(width)}  ${c.name}${c.details.length ? `  (${c.details.join('; ')})` : ''}`,
  );
  if (changing.length > 0 && unchanged > 0) lines.push(`= ${unchanged} unchanged`);
  return lines;
}

export function snapshotText(s: RolloutSnapshot): string {
  return `${s.deploymentId} ${s.taskDefinition} ${s.rolloutState}: desired ${s.desired}, pending ${s.pending}, running ${s.running}, healthy ${s.healthy}`;
}

/** `0.2 s`, `12.3 s`, `2 min 05 s`. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** `812 kB`, `45.6 MB`. */
export function byteSize(bytes: number): string {
  if (bytes < 1e6) return `${Math.round(bytes / 1e3)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export const startLine = (step: StepName, title: string) => `▶ ${step}: ${title}`;
export const doneLine = (step: StepName, summary: string, ms: number) =>
  `✔ ${step}: ${summary} (${duration(ms)})`;
export const failedLine = (step: StepName, error: string, ms: number) =>
  `✘ ${step}: ${error.split('\n')[0] ?? error} (${duration(ms)})`;
