import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

export function register(program: Command): void {
  addStackOptions(
    program
      .command('status')
      .description("the stage's service: deployments, tasks and their health, recent events"),
  ).action(
    withErrors(async (options: StackTargetOptions) => {
      const { openStack } = await import('../stack-target.ts');
      const { stackStatus } = await import('../../deploy/status.ts');
      const { destroyClients } = await import('../../deploy/clients.ts');
      const { statusLines } = await import('../status-table.ts');
      const { stack, clients } = await openStack(options);
      try {
        for (const line of statusLines(await stackStatus(clients, stack))) console.log(line);
      } finally {
        destroyClients(clients);
      }
    }),
  );
}
