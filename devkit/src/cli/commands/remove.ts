import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

interface RemoveCommandOptions extends StackTargetOptions {
  dryRun?: boolean;
  yes?: boolean;
}

export function register(program: Command): void {
  addStackOptions(
    program
      .command('remove')
      .description(
        'delete every resource of the stage (service, cluster, network, roles, logs, repository), after asking; the cloud keeps running',
      ),
  )
    .option('--dry-run', 'print what would be deleted and delete nothing')
    .option('-y, --yes', 'delete without asking (needed when stdin is not a terminal)')
    .action(
      withErrors(async (options: RemoveCommandOptions) => {
        const { openStack } = await import('../stack-target.ts');
        const { removalPlan, removeStack } = await import('../../deploy/remove.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        const { terminalProgress } = await import('../progress-printer.ts');
        const { planLines } = await import('../../deploy/progress-lines.ts');
        const { confirmOrRefuse } = await import('../confirm.ts');
        const { stack, clients } = await openStack(options);
        try {
          if (!options.dryRun && !options.yes) {
            const plan = await removalPlan(clients, stack);
            const what = `the ${stack.stage} stage of ${stack.config.name}`;
            if (plan.length > 0) {
              if (process.stdin.isTTY) for (const line of planLines(plan)) console.log(`  ${line}`);
              await confirmOrRefuse(
                `delete these ${plan.length} resources of ${what}?`,
                `pass --yes to delete ${what} (${plan.length} resources) without asking, or --dry-run to list them`,
              );
            }
          }
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
