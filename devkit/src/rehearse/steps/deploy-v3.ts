/**
 * Deploy a broken v3 under steady load: the circuit breaker rolls back to v2, v2 keeps answering
 * with not one failed request, and the deploy fails as `devkit deploy` reports a rollback.
 */
import { RolloutFailedError } from '../../deploy/rollout.ts';
import { throughLoadBalancer } from '../context.ts';
import { deployRelease } from '../deploy-release.ts';
import type { LoadStats } from '../../load/load.ts';
import { versionsSeen } from '../../load/load.ts';
import { expectNoFailures, loadNote, startSteadyLoad } from '../steady-load.ts';
import type { RehearsalStep } from '../step.ts';
import { until, untilAnswered } from '../until.ts';

export const deployV3: RehearsalStep = {
  name: 'deploy-v3',
  title: 'Deploy a broken v3 under load: the circuit breaker rolls back to v2',
  async run(ctx, run) {
    const { stack, events } = ctx;
    const { v2, v3 } = ctx.releases;
    const clients = ctx.started.clients!;
    run.note(v3.breakage ?? '');
    // The breakage is real: the serving release answers the probe's path with 404.
    const probe = await fetch(throughLoadBalancer(ctx, v3.probePath ?? '/'));
    run.expect(
      probe.status === 404,
      `GET ${v3.probePath} answers ${probe.status} on v2, so v3's probe would not fail`,
    );
    const load = startSteadyLoad(ctx, 'v3');
    let stats: LoadStats | undefined;
    let outcome: unknown;
    try {
      await untilAnswered(load, v2.version, 10_000);
      outcome = await deployRelease(ctx, v3, run, {
        verify: false,
        afterPush: () => ctx.imageScan.begin(),
      }).catch((e: unknown) => e);
      // The deploy fails as soon as the rollback starts: keep the load on until the rollback
      // deployment completed and a few more answers came.
      await until(60_000, async () => (await events.primary(clients, stack))?.rolloutState === 'COMPLETED');
      const after = load.snapshot().succeeded;
      await until(10_000, async () => load.snapshot().succeeded >= after + 10);
    } finally {
      stats = await load.stop();
      run.requests(stats);
      ctx.chatIds['deploy-v3'] = stats.succeededIds['/v1/chat'] ?? [];
    }
    // What `devkit deploy` exits with: a RolloutFailedError is its "deploy FAILED" exit.
    if (outcome instanceof RolloutFailedError) {
      run.expect(
        /rolled back/.test(outcome.message),
        `the deploy failed, but not by a rollback: ${outcome.message}`,
      );
      run.note(`devkit deploy exited as FAILED: ${outcome.message}`);
    } else {
      run.expect(
        false,
        `the deploy of the broken v3 did not fail as a rolled-back rollout: ${outcome instanceof Error ? outcome.message : 'it COMPLETED'}`,
      );
    }
    const v2TaskDefinition = ctx.deployed.v2?.taskDefinitionArn;
    const primary = await events.primary(clients, stack);
    run.expect(
      primary?.taskDefinition === v2TaskDefinition && primary?.rolloutState === 'COMPLETED',
      `after the rollback the PRIMARY deployment runs ${primary?.taskDefinition ?? 'nothing'} (${primary?.rolloutState ?? '?'}), not v2's ${v2TaskDefinition ?? '?'}`,
    );
    if (primary)
      run.note(
        `PRIMARY again: ${primary.id} with ${primary.taskDefinition?.split('/').pop() ?? '?'} (${primary.rolloutState})`,
      );
    // The rollback must come from the breakage v3 carries: its tasks failed their container health
    // checks (the last may be stopped by the rollback instead). A v3 whose containers could not even
    // be created would roll back just the same.
    const earlier = new Set([ctx.deployed.v1?.taskDefinitionArn, v2TaskDefinition]);
    const v3Stops = await events.stoppedReasons(clients, stack, (arn) => !earlier.has(arn));
    run.expect(
      v3Stops.includes('Task failed container health checks'),
      `v3's tasks did not stop for failed container health checks: ${v3Stops.join('; ') || 'none stopped'}`,
    );
    const info = (await (await fetch(throughLoadBalancer(ctx, '/v1/info'))).json()) as { version?: string };
    run.expect(
      info.version === v2.version,
      `after the rollback /v1/info reports ${info.version}, not ${v2.version}`,
    );
    expectNoFailures(run, stats);
    const seen = versionsSeen(stats);
    // Behind an ALB a v3 task takes traffic once the target group's own check passes (its path is
    // served): its failing container check stops it later. No request may fail, and v2 answers last.
    run.expect(
      seen[0] === v2.version &&
        stats.versions.at(-1)?.version === v2.version &&
        seen.every((v) => v === v2.version || v === v3.version),
      `while v3 was deployed and rolled back, versions went ${seen.join(' → ')} instead of ${v2.version} first and last`,
    );
    run.note(loadNote(stats));
  },
};
