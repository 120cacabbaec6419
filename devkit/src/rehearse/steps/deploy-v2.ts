/** Deploy v2: a rolling update under steady load, with not one failed request. */
import { deployRelease } from '../deploy-release.ts';
import type { LoadStats } from '../../load/load.ts';
import { versionsSeen } from '../../load/load.ts';
import { expectNoFailures, loadNote, startSteadyLoad } from '../steady-load.ts';
import type { RehearsalStep } from '../step.ts';
import { untilAnswered } from '../until.ts';

export const deployV2: RehearsalStep = {
  name: 'deploy-v2',
  title: 'Roll out v2 under steady load',
  async run(ctx, run) {
    const { v1, v2 } = ctx.releases;
    const load = startSteadyLoad(ctx, 'v2');
    let stats: LoadStats | undefined;
    try {
      await untilAnswered(load, v1.version, 10_000);
      ctx.deployed.v2 = await deployRelease(ctx, v2, run, { verify: false });
      // Old tasks drain after the rollout completes: keep the load on until v2 alone answers.
      await untilAnswered(load, v2.version, 15_000);
    } finally {
      stats = await load.stop();
      run.requests(stats);
      ctx.chatIds['deploy-v2'] = stats.succeededIds['/v1/chat'] ?? [];
    }
    const deployed = ctx.deployed.v2;
    run.note(
      `${deployed?.taskDefinitionArn?.split('/').pop() ?? '?'} COMPLETED with image ${deployed?.image ?? '?'}`,
    );
    expectNoFailures(run, stats);
    const seen = versionsSeen(stats);
    run.expect(
      seen[0] === v1.version &&
        stats.versions.at(-1)?.version === v2.version &&
        seen.every((v) => v === v1.version || v === v2.version),
      `the answering version went ${seen.join(' → ') || 'nowhere'} instead of ${v1.version} → ${v2.version}`,
    );
    run.note(loadNote(stats));
  },
};
