import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

export function register(program: Command): void {
  addStackOptions(
    program
      .command('status')
      .description("the stage's URL, image and service: deployments, tasks and their health, recent events"),
  )
    .option('--json', 'print one JSON document (its shape is in the README) instead of tables')
    .action(
      withErrors(async (options: StackTargetOptions & { json?: boolean }) => {
        const { openStack } = await import('../stack-target.ts');
        const { stackStatus } = await import('../../deploy/status.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        const { statusLines } = await import('../status-table.ts');
        const { statusJson } = await import('../status-json.ts');
        const { cloudSettings } = await import('../cloud-choice.ts');
        const { stack, choice, clients } = await openStack(options);
        try {
          const [status, cloud] = await Promise.all([stackStatus(clients, stack), cloudSettings(choice)]);
          if (options.json) {
            const where = { stack: stack.config.name, stage: stack.stage, choice, ...cloud };
            console.log(JSON.stringify(statusJson(status, where), null, 2));
          } else for (const line of statusLines(status, cloud.timings, cloud.iamEnforced)) console.log(line);
        } finally {
          destroyClients(clients);
        }
      }),
    );
}
