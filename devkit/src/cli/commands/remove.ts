import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

export function register(program: Command): void {
  addStackOptions(
    program
      .command('remove')
      .description('delete every resource of the stage (service, cluster, network, roles, logs, repository)'),
  )
    .option('--dry-run', 'print what would be deleted and delete nothing')
    .action(
      withErrors(async (options: StackTargetOptions & { dryRun?: boolean }) => {
        const { openStack } = await import('../stack-target.ts');
        const { removeStack } = await import('../../deploy/remove.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        const { terminalProgress } = await import('../progress-printer.ts');
        const { stack, clients } = await openStack(options);
        try {
          const progress = terminalProgress();
          await removeStack(clients, stack, progress, { dryRun: options.dryRun ?? false }).finally(() =>
            progress.close(),
          );
        } finally {
          destroyClients(clients);
        }
      }),
    );
}
