import type { Command } from 'commander';
import { Option } from 'commander';
import { DEFAULT_STACK_FILE } from '../../stack/load.ts';
import { CliError, withErrors } from '../fail.ts';
import { DEFAULT_PORTS } from '../default-ports.ts';

interface RehearseOptions {
  port: string;
  lbPort: string;
  stack: string;
  reportDir: string;
  timings: 'local' | 'aws';
  enforceIam: boolean;
}

function portNumber(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new CliError(`${flag} must be a port number (got '${text}')`);
  return port;
}

export function register(program: Command): void {
  program
    .command('rehearse')
    .description(
      'the whole pipeline end to end on this machine: v1, v2 under load, a broken v3 rolled back, logs, key-leak scan, teardown; writes a report',
    )
    .option('--port <port>', "the local cloud's port for the rehearsal", String(DEFAULT_PORTS.rehearseCloud))
    .option(
      '--lb-port <port>',
      "the service's load balancer port for the rehearsal",
      String(DEFAULT_PORTS.rehearseService),
    )
    .option('--stack <file>', 'the stack file', DEFAULT_STACK_FILE)
    .option('--report-dir <dir>', 'where rehearsal.json and rehearsal.md go', 'reports')
    .addOption(
      new Option(
        '--timings <profile>',
        "the cloud's timings: 'local' (AWS's intervals compressed) or 'aws' (AWS's own: slower)",
      )
        .choices(['local', 'aws'])
        .default('local'),
    )
    .option(
      '--enforce-iam',
      "evaluate role sessions' calls against IAM policies as AWS does (the default)",
      true,
    )
    .option('--no-enforce-iam', 'let role sessions call anything')
    .action(
      withErrors(async (options: RehearseOptions) => {
        const { rehearse } = await import('../../rehearse/rehearsal.ts');
        const { failuresOf } = await import('../../rehearse/report.ts');
        const { report, paths } = await rehearse({
          cloudPort: portNumber(options.port, '--port'),
          lbPort: portNumber(options.lbPort, '--lb-port'),
          stackFile: options.stack,
          reportDir: options.reportDir,
          timings: options.timings,
          enforceIam: options.enforceIam,
          log: (line) => console.log(line),
        });
        const seconds = (report.wallTimeMs / 1000).toFixed(1);
        console.log(`\nreport: ${paths.markdown}, ${paths.json}`);
        console.log(`rehearsal wall time: ${seconds} s (target ${report.targetMs / 1000} s)`);
        if (!report.passed) {
          for (const failure of failuresOf(report)) console.error(`failed: ${failure}`);
          throw new CliError(
            `rehearsal FAILED: ${failuresOf(report).length} failed expectations (see ${paths.markdown})`,
          );
        }
        console.log('rehearsal PASSED');
      }),
    );
}
