/**
 * The rollout timeline as chart data: one row per deployment and per task on a shared time axis,
 * spans for their lives, marks for task starts, health and stops, and the service events that
 * matter to a rollout (circuit-breaker trips, rollbacks, failures, steady states). The browser
 * draws it with echarts (assets/console.js); an open span (`end: null`) runs to the viewer's now.
 */
import type { ServiceView } from './read-model.ts';

export type SpanKind = 'deployment' | 'pending' | 'running';
export type MarkKind = 'started' | 'healthy' | 'unhealthy' | 'stopped';
export type EventKind = 'circuit-breaker' | 'rollback' | 'failed' | 'steady';

export interface TimelineData {
  /** Row labels, top to bottom. */
  rows: string[];
  /** `state` picks the colour: a rollout state for deployments, a health status for running tasks. */
  spans: Array<{
    row: number;
    kind: SpanKind;
    start: number;
    end: number | null;
    state: string;
    detail: string;
  }>;
  marks: Array<{ row: number; kind: MarkKind; t: number; detail: string }>;
  events: Array<{ kind: EventKind; t: number; message: string }>;
}

/** Service event wording (DESIGN.md's, AWS's) → what it means on the timeline. */
const EVENT_KINDS: Array<[RegExp, EventKind]> = [
  [/circuit breaker/i, 'circuit-breaker'],
  [/rolling back to deployment/, 'rollback'],
  [/deployment failed|failed (container|ELB) health checks/, 'failed'],
  [/has reached a steady state/, 'steady'],
];

export function timelineOf(services: readonly ServiceView[]): TimelineData {
  const data: TimelineData = { rows: [], spans: [], marks: [], events: [] };
  for (const service of services) {
    // Oldest deployment on top, then its tasks oldest first: the rollout reads downwards.
    const deployments = [...service.deployments, ...service.pastDeployments];
    for (const d of deployments.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))) {
      if (d.createdAt === undefined) continue;
      const row = data.rows.push(`${service.name} ${d.id} (${d.revision})`) - 1;
      const ended = d.status === 'INACTIVE' ? (d.updatedAt ?? null) : null;
      const detail = `${service.name} ${d.id}: ${d.status} ${d.rolloutState} ${d.rolloutStateReason}`;
      data.spans.push({
        row,
        kind: 'deployment',
        start: d.createdAt,
        end: ended,
        state: d.rolloutState,
        detail,
      });
    }
    for (const task of [...service.tasks].reverse()) {
      if (task.createdAt === undefined) continue;
      const row = data.rows.push(`${service.name} task ${task.id.slice(0, 8)}`) - 1;
      const stopped = task.stoppedAt ?? task.stoppingAt ?? null;
      const about = `task ${task.id} (${task.revision}, ${task.deploymentId})`;
      data.spans.push({
        row,
        kind: 'pending',
        start: task.createdAt,
        end: task.startedAt ?? stopped,
        state: 'PENDING',
        detail: `${about}: pending`,
      });
      if (task.startedAt !== undefined) {
        data.spans.push({
          row,
          kind: 'running',
          start: task.startedAt,
          end: stopped,
          state: task.health,
          detail: `${about}: ${task.lastStatus}, ${task.health}`,
        });
        data.marks.push({ row, kind: 'started', t: task.startedAt, detail: `${about} started` });
      }
      if (task.healthyAt !== undefined) {
        data.marks.push({ row, kind: 'healthy', t: task.healthyAt, detail: `${about} healthy` });
      }
      if (task.health === 'UNHEALTHY' && stopped !== null) {
        data.marks.push({ row, kind: 'unhealthy', t: stopped, detail: `${about} unhealthy` });
      }
      if (task.stoppedAt !== undefined) {
        const why = [task.stopCode, task.stoppedReason].filter(Boolean).join(': ');
        data.marks.push({
          row,
          kind: 'stopped',
          t: task.stoppedAt,
          detail: `${about} stopped${why ? ` (${why})` : ''}`,
        });
      }
    }
    for (const event of service.events) {
      const kind = EVENT_KINDS.find(([pattern]) => pattern.test(event.message))?.[1];
      if (kind) data.events.push({ kind, t: event.createdAt, message: event.message });
    }
  }
  return data;
}
