import type { Command } from 'commander';
import { resolve } from 'node:path';
import { startCloud } from '../../cloud/server.ts';

export function register(program: Command): void {
  program
    .command('cloud')
    .description('run the local AWS-compatible cloud alone, in the foreground')
    .option('--port <port>', 'port on 127.0.0.1', '4566')
    .option('--data-dir <dir>', 'where state persists', '.devkit/cloud')
    .option('--verbose', 'log every API call')
    .action(async (options: { port: string; dataDir: string; verbose?: boolean }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        program.error(`--port must be a port number, got '${options.port}'`);
      }
      const dataDir = resolve(options.dataDir);
      const cloud = await startCloud({
        port,
        dataDir,
        ...(options.verbose
          ? {
              onCall: (c) =>
                console.log(
                  `${c.service}.${c.operation} ${c.status} ${c.durationMs.toFixed(1)}ms${c.error ? ` ${c.error}` : ''}`,
                ),
            }
          : {}),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') {
          program.error(`port ${port} is taken: stop what uses it or pass --port`);
        }
        program.error(error.message);
      });
      console.log(`local cloud on ${cloud.url} (state in ${dataDir})`);
      console.log(
        `try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${cloud.url} sts get-caller-identity`,
      );
      const stop = async () => {
        await cloud.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
