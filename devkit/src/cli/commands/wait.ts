import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

export function register(program: Command): void {
  addStackOptions(
    program
      .command('wait')
      .description(
        "follow the stage's current rollout to the end: exit 0 when it COMPLETED, 1 when it FAILED or was rolled back",
      ),
  ).action(
    withErrors(async (options: StackTargetOptions) => {
      const { openStack } = await import('../stack-target.ts');
      const { followCurrentRollout } = await import('../../deploy/rollout.ts');
      const { destroyClients } = await import('../../deploy/clients.ts');
      const { terminalProgress } = await import('../progress-printer.ts');
      const { explainInterrupt } = await import('../interrupt.ts');
      const { stack, clients } = await openStack(options);
      try {
        const progress = explainInterrupt(terminalProgress(), options);
        await followCurrentRollout(clients, stack, progress).finally(() => progress.close());
      } finally {
        destroyClients(clients);
      }
    }),
  );
}
