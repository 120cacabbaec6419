/** Runs the real CLI (`node devkit/bin/devkit.js ...`) as a child process, as a user would. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/devkit.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** An environment without AWS credentials or config, and no instance-metadata lookups. */
export function envWithoutAws(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/devkit-test/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/devkit-test/credentials',
    ...extra,
  };
}

/**
 * How long a CLI run may take before it counts as hung and is killed: generous, since a command that
 * takes a second alone takes a minute on this 2-core machine when test files run side by side at
 * load 50 (a kill at 60 s failed such runs with exit -1, as if the command had failed).
 */
const CLI_TIMEOUT_MS = 150_000;

export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: options.cwd ?? REPO_ROOT,
        env: options.env ?? envWithoutAws(),
        timeout: options.timeoutMs ?? CLI_TIMEOUT_MS,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), as in an interactive shell: stdout is a
 * TTY and CI is unset. The output is what the terminal received, escape sequences included.
 */
export function runCliOnTerminal(args: string[], options: { timeoutMs?: number } = {}): Promise<CliRun> {
  const env = envWithoutAws({ TERM: 'xterm-256color' });
  delete env.CI;
  // A pseudo-terminal starts 0 columns wide: give it a real terminal's size.
  const command = `stty cols 160 rows 50; ${[process.execPath, BIN, ...args].map(shellQuote).join(' ')}`;
  return new Promise((resolve) => {
    execFile(
      'script',
      ['--quiet', '--return', '--command', command, '/dev/null'],
      { cwd: REPO_ROOT, env, timeout: options.timeoutMs ?? CLI_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
