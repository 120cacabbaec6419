import type { Command } from 'commander';
import { CliError, withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

interface LogsCommandOptions extends StackTargetOptions {
  follow?: boolean;
  since?: string;
  tail?: string;
  filter?: string;
  query?: string;
  json?: boolean;
  verbose?: boolean;
}

export function register(program: Command): void {
  addStackOptions(
    program.command('logs').description("the stage's log events from CloudWatch Logs, oldest first"),
  )
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option(
      '--since <duration>',
      'how far back to start: 30s, 10m, 2h, 1d (default: 10m; with --tail, the whole log group)',
    )
    .option('--tail <n>', 'only the last n events (then, with -f, every new one)')
    .option('--filter <pattern>', 'a CloudWatch Logs filter pattern, e.g. "ERROR" or "{ $.level = 50 }"')
    .option(
      '--query <insights query>',
      'run a Logs Insights query over the log group (from --since ago) and print its results as a table',
    )
    .option('--json', 'the lines as the service wrote them (JSON), one per event, health checks included')
    .option('--verbose', "keep the health checks' access lines (GET /health every few seconds per task)")
    .action(
      withErrors(async (options: LogsCommandOptions) => {
        const { parseSince, parseTail } = await import('../../deploy/logs.ts');
        const { openStack } = await import('../stack-target.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        if (options.query !== undefined) {
          const conflicting = (['follow', 'tail', 'filter', 'verbose'] as const).find(
            (o) => options[o] !== undefined,
          );
          if (conflicting) throw new CliError(`--query cannot be combined with --${conflicting}`);
          if (options.query.trim() === '') throw new CliError('--query needs a Logs Insights query');
          const sinceMs = parseSince(options.since ?? '10m');
          const { printQuery } = await import('../print-query.ts');
          const { stack, clients } = await openStack(options);
          const abort = new AbortController();
          process.once('SIGINT', () => abort.abort());
          try {
            await printQuery(clients, stack, {
              queryString: options.query,
              sinceMs,
              json: options.json ?? false,
              signal: abort.signal,
            });
          } finally {
            destroyClients(clients);
          }
          return;
        }
        const { printLogs } = await import('../print-logs.ts');
        const tail = options.tail === undefined ? undefined : parseTail(options.tail);
        const since = options.since ?? (tail === undefined ? '10m' : undefined);
        const sinceMs = since === undefined ? undefined : parseSince(since);
        const { stack, clients } = await openStack(options);
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        try {
          await printLogs(clients, stack, {
            sinceMs,
            ...(tail === undefined ? {} : { tail }),
            follow: options.follow ?? false,
            signal: abort.signal,
            ...(options.filter ? { filterPattern: options.filter } : {}),
            json: options.json ?? false,
            healthChecks: options.verbose ?? false,
          });
        } finally {
          destroyClients(clients);
        }
      }),
    );
}
