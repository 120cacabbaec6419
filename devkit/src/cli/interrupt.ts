/**
 * Ctrl-C while a command follows a rollout: ECS goes on rolling out without a watcher, so say so
 * and which command follows it; before the rollout, say the service was not changed. Exit 130, as
 * shells expect of an interrupted command.
 */
import type { ProgressRenderer, StepName } from '../deploy/progress.ts';
import type { StackTargetOptions } from './stack-options.ts';

const ROLLING: StepName[] = ['rollout', 'rollback'];

/** The flags that name the same stage and cloud, so the suggested command acts where this one did. */
function sameStageFlags(options: StackTargetOptions): string {
  return [
    options.stack !== 'stack.yml' ? `--stack ${options.stack}` : '',
    options.stage !== 'dev' ? `--stage ${options.stage}` : '',
    options.target ? `--target ${options.target}` : '',
    options.endpoint ? `--endpoint ${options.endpoint}` : '',
    options.stateDir !== '.devkit' ? `--state-dir ${options.stateDir}` : '',
  ]
    .filter(Boolean)
    .map((flag) => ` ${flag}`)
    .join('');
}

/** Passes every event on to `progress`, remembering where the command is for the Ctrl-C line. */
export function explainInterrupt(progress: ProgressRenderer, options: StackTargetOptions): ProgressRenderer {
  let step: StepName | undefined;
  let rolling = false;
  let rollout: string | undefined;
  let rolledOut: string | undefined;
  process.once('SIGINT', () => {
    const flags = sameStageFlags(options);
    const during = step && !ROLLING.includes(step) ? ` during ${step}` : '';
    console.error(
      rolling
        ? `interrupted: the rollout${rollout ? ` of ${rollout}` : ''} goes on in the cloud; \`devkit wait${flags}\` follows it to the end, \`devkit status${flags}\` shows where it is`
        : rolledOut
          ? `interrupted${during}: the rollout had completed (${rolledOut}); \`devkit verify${flags}\` checks the service`
          : `interrupted${during}: the service was not changed`,
    );
    process.exit(130);
  });
  return {
    report(event) {
      if (event.kind === 'start') {
        step = event.step;
        rolling = ROLLING.includes(step);
      }
      if (event.kind === 'rollout')
        rollout = `${event.snapshot.deploymentId} (${event.snapshot.taskDefinition})`;
      if ((event.kind === 'done' || event.kind === 'failed') && ROLLING.includes(event.step)) {
        rolling = false;
        if (event.kind === 'done') rolledOut = event.summary;
      }
      progress.report(event);
    },
    close: () => progress.close(),
  };
}
