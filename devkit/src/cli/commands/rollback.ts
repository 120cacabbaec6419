import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

export function register(program: Command): void {
  addStackOptions(
    program
      .command('rollback')
      .description(
        "point the stage's service at the previous task definition revision and follow that rollout",
      ),
  ).action(
    withErrors(async (options: StackTargetOptions) => {
      const { openStack } = await import('../stack-target.ts');
      const { rollback } = await import('../../deploy/rollback.ts');
      const { revisionName } = await import('../../deploy/register.ts');
      const { destroyClients } = await import('../../deploy/clients.ts');
      const { terminalProgress } = await import('../progress-printer.ts');
      const { explainInterrupt } = await import('../interrupt.ts');
      const { stack, clients } = await openStack(options);
      try {
        const progress = explainInterrupt(terminalProgress(), options);
        const result = await rollback(clients, stack, progress).finally(() => progress.close());
        console.log(`rolled back to ${revisionName(result.taskDefinition)}`);
      } finally {
        destroyClients(clients);
      }
    }),
  );
}
