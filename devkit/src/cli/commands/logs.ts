import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

interface LogsCommandOptions extends StackTargetOptions {
  follow?: boolean;
  since: string;
  filter?: string;
}

export function register(program: Command): void {
  addStackOptions(
    program.command('logs').description("the stage's log events from CloudWatch Logs, oldest first"),
  )
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option('--since <duration>', 'how far back to start: 30s, 10m, 2h, 1d', '10m')
    .option('--filter <pattern>', 'a CloudWatch Logs filter pattern, e.g. "ERROR" or "{ $.level = 50 }"')
    .action(
      withErrors(async (options: LogsCommandOptions) => {
        const { parseSince } = await import('../../deploy/logs.ts');
        const { openStack } = await import('../stack-target.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        const { printLogs } = await import('../print-logs.ts');
        const sinceMs = parseSince(options.since);
        const { stack, clients } = await openStack(options);
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        try {
          await printLogs(clients, stack, {
            sinceMs,
            follow: options.follow ?? false,
            signal: abort.signal,
            ...(options.filter ? { filterPattern: options.filter } : {}),
          });
        } finally {
          destroyClients(clients);
        }
      }),
    );
}
