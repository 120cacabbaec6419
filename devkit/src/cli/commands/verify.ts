import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

export function register(program: Command): void {
  addStackOptions(
    program
      .command('verify')
      .description(
        "the deploy's verify step alone: /health answers, one chat request is answered and its log line reaches CloudWatch Logs",
      ),
  ).action(
    withErrors(async (options: StackTargetOptions) => {
      const { openStack } = await import('../stack-target.ts');
      const { verifyDeployment } = await import('../../deploy/verify.ts');
      const { destroyClients } = await import('../../deploy/clients.ts');
      const { terminalProgress } = await import('../progress-printer.ts');
      const { stack, clients } = await openStack(options);
      try {
        const progress = terminalProgress();
        await verifyDeployment(clients, stack, progress).finally(() => progress.close());
      } finally {
        destroyClients(clients);
      }
    }),
  );
}
