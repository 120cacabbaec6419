import type { Command } from 'commander';
import { Option } from 'commander';
import { CliError, withErrors } from '../fail.ts';
import { DEFAULT_PORTS } from '../default-ports.ts';

interface UpCommandOptions {
  target: 'local' | 'localstack';
  detach?: boolean;
  port: string;
  lbPort: string;
  stateDir: string;
  stack: string;
  verbose?: boolean;
  json?: boolean;
  watch?: boolean;
  enforceIam?: boolean;
}

export function portOption(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new CliError(`${flag} must be a port number, got '${value}'`);
  return port;
}

export function register(program: Command): void {
  program
    .command('up')
    .description(
      'start the local cloud and the Gemini replay server, deploy the dev stage, print its URL, stream its logs (Ctrl-C stops everything)',
    )
    .addOption(
      new Option('--target <target>', 'where to run it').choices(['local', 'localstack']).default('local'),
    )
    .option('--detach', 'leave everything running in the background and return (`devkit down` stops it)')
    .option('--port <port>', "the local cloud's port on 127.0.0.1", String(DEFAULT_PORTS.cloud))
    .option(
      '--lb-port <port>',
      "the service's load balancer port on 127.0.0.1",
      String(DEFAULT_PORTS.service),
    )
    .option('--state-dir <dir>', "where the cloud's state, its log and the session record live", '.devkit')
    .option('--stack <file>', 'the stack file', 'stack.yml')
    .option('--verbose', "print the image build's own output and the health checks' log lines")
    .option('--json', "stream the service's log lines as it wrote them (JSON)")
    .option(
      '--watch',
      "redeploy on every saved change under the service's folder: new image, task definition revision and rolling deployment, as `devkit deploy` does",
    )
    .option(
      '--enforce-iam',
      "evaluate role sessions' calls against IAM policies as AWS does (test/test stays the account root)",
    )
    .action(
      withErrors(async (options: UpCommandOptions) => {
        const { up } = await import('../up/up.ts');
        await up({
          target: options.target,
          detach: options.detach ?? false,
          port: portOption(options.port, '--port'),
          lbPort: portOption(options.lbPort, '--lb-port'),
          stateDir: options.stateDir,
          stack: options.stack,
          verbose: options.verbose ?? false,
          json: options.json ?? false,
          watch: options.watch ?? false,
          enforceIam: options.enforceIam ?? false,
        });
      }),
    );
}
