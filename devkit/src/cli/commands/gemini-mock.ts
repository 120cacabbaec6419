import type { Command } from 'commander';
import { resolve } from 'node:path';
import { PROJECT_CASSETTES } from '../../gemini/cassette-file.ts';
import { describeReplay, startReplayFromSettings } from '../../gemini/replay-settings.ts';
import { DEFAULT_PORTS } from '../default-ports.ts';
import { CliError, withErrors } from '../fail.ts';
import { portTakenLine } from '../../host/preflight.ts';
import { onShutdown } from '../shutdown.ts';

export function register(program: Command): void {
  program
    .command('gemini-mock')
    .description(
      'run the Gemini replay server alone, in the foreground (serves cassettes; see devkit/cassettes)',
    )
    .option('--port <port>', 'port to listen on', String(DEFAULT_PORTS.geminiMock))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--cassettes <dir>', 'folder of cassettes to serve', PROJECT_CASSETTES)
    .option('--fallback', 'answer unmatched requests with a deterministic templated reply')
    .option(
      '--fault <spec>',
      'faults for every request, e.g. "latency=uniform(50ms,150ms),503@10%" (also per request: x-devkit-fault header)',
    )
    .option(
      '--pacing <pacing>',
      "gaps between streamed events: 'recorded', 'none' or e.g. '25ms'",
      'recorded',
    )
    .action(
      withErrors(
        async (options: {
          port: string;
          host: string;
          cassettes: string;
          fallback?: boolean;
          fault?: string;
          pacing: string;
        }) => {
          const settings = {
            port: options.port,
            host: options.host,
            cassettesDir: resolve(options.cassettes),
            fallback: options.fallback ?? false,
            pacing: options.pacing,
            ...(options.fault ? { fault: options.fault } : {}),
          };
          const { server, cassettes } = await startReplayFromSettings(settings, (line) =>
            console.log(line),
          ).catch(async (error: NodeJS.ErrnoException) => {
            throw new CliError(
              error.code === 'EADDRINUSE'
                ? await portTakenLine(Number(options.port), '--port')
                : error.message,
            );
          });
          console.log(describeReplay(settings, server, cassettes));
          onShutdown(() => server.close());
        },
      ),
    );
}
