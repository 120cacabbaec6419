/**
 * One release through the deploy pipeline, as `devkit deploy` runs it in deploy.yml (as the deploy
 * role), noting how long each step took.
 */
import type { DeployResult } from '../deploy/deploy.ts';
import { deploy } from '../deploy/deploy.ts';
import type { Progress } from '../deploy/progress.ts';
import type { RehearsalContext } from './context.ts';
import { repositoryOf } from './context.ts';
import type { Release } from './releases.ts';
import type { StepRun } from './step.ts';

const ROLLOUT = { timeoutMs: 150_000, pollMs: 250 };
const VERIFY = { timeoutMs: 60_000, pollMs: 250, question: 'In one sentence: what is a container?' };

export async function deployRelease(
  ctx: RehearsalContext,
  release: Release,
  run: StepRun,
  options: { verify: boolean; afterPush?: () => void },
): Promise<DeployResult> {
  const { started } = ctx;
  // The run's to remove, whether or not the rollout goes well.
  if (started.cloud) started.images.push(`${repositoryOf(started.cloud, release.stack)}:${release.imageTag}`);
  const began = new Map<string, number>();
  const took: string[] = [];
  const timed: Progress = {
    report(event) {
      if (event.kind === 'start') began.set(event.step, Date.now());
      if (event.kind === 'done' || event.kind === 'failed') {
        const ms = Date.now() - (began.get(event.step) ?? Date.now());
        took.push(`${event.step} ${(ms / 1000).toFixed(1)} s`);
      }
      ctx.progress.report(event);
      if (event.kind === 'done' && event.step === 'push') options.afterPush?.();
    },
  };
  try {
    return await deploy(started.deployClients!, release.stack, timed, {
      docker: ctx.docker,
      imageTag: release.imageTag,
      rollout: ROLLOUT,
      verify: options.verify ? VERIFY : false,
    });
  } finally {
    run.note(`${release.name} pipeline: ${took.join(', ')}`);
  }
}
