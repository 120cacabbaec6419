/**
 * How every pipeline step reports what it does, so the CLI renders steps one way and tests capture
 * them: a step starts, emits lines worth keeping, a live status (where a long step is now), its
 * tool's own output, plans and rollout snapshots, and ends done or failed.
 */
export type StepName =
  'provision' | 'build' | 'push' | 'register' | 'rollout' | 'verify' | 'rollback' | 'remove';

export type Action = 'create' | 'update' | 'unchanged' | 'delete';

/** One resource in a provisioning plan. */
export interface PlannedChange {
  type: string;
  name: string;
  action: Action;
  /** What drifted (for update), or what will be made; empty when unchanged. */
  details: string[];
}

/** The state of a rollout at one poll: what the CLI shows as a live line. */
export interface RolloutSnapshot {
  deploymentId: string;
  taskDefinition: string;
  rolloutState: string;
  desired: number;
  pending: number;
  running: number;
  healthy: number;
}

export type ProgressEvent =
  | { kind: 'start'; step: StepName; title: string }
  /** A line worth keeping: what changed, what the service said. */
  | { kind: 'output'; step: StepName; text: string }
  /** Where a long step is now (build step N/M, bytes pushed); replaces the previous status. */
  | { kind: 'status'; step: StepName; text: string }
  /** A tool's own output (the image build's): shown when asked for, the tail kept for failures. */
  | { kind: 'log'; step: StepName; text: string }
  | { kind: 'plan'; step: StepName; changes: PlannedChange[] }
  | { kind: 'rollout'; step: StepName; snapshot: RolloutSnapshot }
  | { kind: 'done'; step: StepName; summary: string }
  | { kind: 'failed'; step: StepName; error: string };

export interface Progress {
  report(event: ProgressEvent): void;
}

/** A Progress that draws; `close()` finishes the drawing: call it before printing anything else. */
export interface ProgressRenderer extends Progress {
  close(): Promise<void>;
}

/** What a running step uses to report; bound to its step name. */
export interface StepReport {
  output(text: string): void;
  status(text: string): void;
  log(text: string): void;
  plan(changes: PlannedChange[]): void;
  rollout(snapshot: RolloutSnapshot): void;
}

/**
 * A failure a human can act on; `step` says where the pipeline stopped, `details` are lines that
 * explain it (e.g. the failing build step's own output), shown under the one-line message.
 */
export class DeployError extends Error {
  readonly step: StepName | undefined;
  readonly details: string[];

  constructor(message: string, step?: StepName, details: string[] = []) {
    super(message);
    this.name = 'DeployError';
    this.step = step;
    this.details = details;
  }
}

/** Runs one step between a `start` and a `done` (or `failed`) event. */
export async function runStep<T>(
  progress: Progress,
  step: StepName,
  title: string,
  work: (report: StepReport) => Promise<T>,
  summarize: (result: T) => string,
): Promise<T> {
  progress.report({ kind: 'start', step, title });
  const report: StepReport = {
    output: (text) => progress.report({ kind: 'output', step, text }),
    status: (text) => progress.report({ kind: 'status', step, text }),
    log: (text) => progress.report({ kind: 'log', step, text }),
    plan: (changes) => progress.report({ kind: 'plan', step, changes }),
    rollout: (snapshot) => progress.report({ kind: 'rollout', step, snapshot }),
  };
  try {
    const result = await work(report);
    progress.report({ kind: 'done', step, summary: summarize(result) });
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    progress.report({ kind: 'failed', step, error: message });
    throw error instanceof DeployError ? error : new DeployError(`${step}: ${message}`, step);
  }
}

/** A Progress that drops everything, for callers that only want the result. */
export const silentProgress: Progress = { report: () => undefined };
