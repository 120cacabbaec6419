import type { Command } from 'commander';
import { withErrors } from '../fail.ts';
import { portOption } from './up.ts';
import { DEFAULT_PORTS } from '../default-ports.ts';

export function register(program: Command): void {
  program
    .command('down')
    .description('stop what `devkit up` started: the cloud, its containers and networks, the replay server')
    .option(
      '--port <port>',
      "the local cloud's port (used when no session record is found)",
      String(DEFAULT_PORTS.cloud),
    )
    .option('--state-dir <dir>', 'the state folder `up` used', '.devkit')
    .action(
      withErrors(async (options: { port: string; stateDir: string }) => {
        const { down } = await import('../up/down.ts');
        const done = await down({ port: portOption(options.port, '--port'), stateDir: options.stateDir });
        for (const line of done) console.log(line);
        if (done.length === 0) console.log(`nothing to stop: no devkit up is running (port ${options.port})`);
      }),
    );
}
