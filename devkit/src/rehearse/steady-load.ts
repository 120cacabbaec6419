/** The steady load a rollout runs under, and what the rehearsal expects of it: not one failed request. */
import type { RehearsalContext } from './context.ts';
import { throughLoadBalancer } from './context.ts';
import type { LoadOptions, LoadStats, RunningLoad } from '../load/load.ts';
import { startLoad } from '../load/load.ts';
import type { StepRun } from './step.ts';

const LOAD: Omit<LoadOptions, 'baseUrl' | 'requestIdPrefix'> = {
  requests: [
    { method: 'GET', path: '/v1/info' },
    { method: 'POST', path: '/v1/chat', body: { question: 'What does a load balancer do?' } },
  ],
  ratePerSecond: 10,
  maxInFlight: 8,
  maxRequests: 2_000,
  maxDurationMs: 180_000,
  timeoutMs: 15_000,
};

/** Load on the service through its load balancer; request ids name the run and `label`. */
export function startSteadyLoad(ctx: RehearsalContext, label: string): RunningLoad {
  return startLoad({
    ...LOAD,
    baseUrl: throughLoadBalancer(ctx, '/').href,
    requestIdPrefix: `rehearsal-${ctx.runId}-${label}`,
  });
}

export function expectNoFailures(run: StepRun, stats: LoadStats): void {
  const reasons = [
    ...new Set(stats.failures.map((f) => `${f.status ?? 'no response'} ${f.reason.slice(0, 80)}`)),
  ];
  run.expect(
    stats.failed === 0,
    `${stats.failed} of ${stats.sent} requests failed: ${reasons.slice(0, 3).join('; ')}`,
  );
  run.expect(stats.sent > 0, 'the load generator sent no request');
}

export function loadNote(stats: LoadStats): string {
  return `${stats.sent} requests sent, ${stats.failed} failed; versions answering: ${stats.versions.map((r) => `${r.version}×${r.count}`).join(' → ')}`;
}
