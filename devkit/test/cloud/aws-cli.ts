/**
 * The real AWS CLI (/usr/bin/aws) for tests, at a fraction of its start-up CPU. Each command still
 * runs in a process of its own through the CLI's own entry point, but forked from a Python process
 * that has already imported the CLI (aws-cli-forker.py): that import is ~0.9 of the ~1.3 CPU-s a
 * command costs, and the suite runs hundreds. Where the installed `aws` is not the Python script
 * that forker reproduces (AWS's bundled installer), commands run as processes of `aws` itself.
 * Failures reject as `execFile` does: an Error with `code`, `stdout` and `stderr`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

export const AWS_CLI = '/usr/bin/aws';
const FORKER = fileURLToPath(new URL('./aws-cli-forker.py', import.meta.url));

export interface AwsCliResult {
  stdout: string;
  stderr: string;
}

interface Pending {
  args: string[];
  resolve: (result: AwsCliResult) => void;
  reject: (error: Error) => void;
}

/** The interpreter of /usr/bin/aws when it is the Python entry point the forker reproduces. */
function pythonOfAwsCli(): string | undefined {
  try {
    const script = readFileSync(AWS_CLI, 'utf8');
    const shebang = /^#!(\S*python3?)\s*\n/.exec(script)?.[1];
    return shebang && script.includes('awscli.clidriver.main()') ? shebang : undefined;
  } catch {
    return undefined;
  }
}

class Forker {
  private readonly process: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(python: string) {
    this.process = spawn(python, [FORKER], { stdio: ['pipe', 'pipe', 'inherit'] });
    // It must not keep a test worker alive; it exits when its stdin closes with the worker.
    this.process.unref();
    (this.process.stdin as unknown as { unref?: () => void }).unref?.();
    (this.process.stdout as unknown as { unref?: () => void }).unref?.();
    createInterface({ input: this.process.stdout! }).on('line', (line) => this.reply(line));
    this.process.once('error', (error) => this.fail(error));
    this.process.once('exit', (code, signal) =>
      this.fail(new Error(`the AWS CLI forker exited (${signal ?? code})`)),
    );
  }

  run(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<AwsCliResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { args, resolve, reject });
      this.process.stdin!.write(`${JSON.stringify({ id, args, env, input: input ?? null })}\n`);
    });
  }

  private reply(line: string): void {
    const { id, code, stdout, stderr } = JSON.parse(line) as {
      id: number;
      code: number;
      stdout: string;
      stderr: string;
    };
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    const result = {
      stdout: Buffer.from(stdout, 'base64').toString('utf8'),
      stderr: Buffer.from(stderr, 'base64').toString('utf8'),
    };
    if (code === 0) pending.resolve(result);
    else pending.reject(commandFailed(pending.args, code, result));
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** The error `execFile` gives for a non-zero exit. */
function commandFailed(args: string[], code: number, result: AwsCliResult): Error {
  return Object.assign(new Error(`Command failed: ${AWS_CLI} ${args.join(' ')}\n${result.stderr}`), {
    code,
    ...result,
  });
}

let forker: Forker | undefined;
const python = pythonOfAwsCli();

/** Runs `aws <args>` with `env` (and `input` on its stdin); rejects on a non-zero exit. */
export function runAwsCli(
  args: string[],
  options: { env: NodeJS.ProcessEnv; input?: string },
): Promise<AwsCliResult> {
  const env = Object.fromEntries(
    Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  if (python) {
    forker ??= new Forker(python);
    return forker.run(args, env, options.input);
  }
  const child = promisify(execFile)(AWS_CLI, args, { env, maxBuffer: 64 * 1024 * 1024 });
  if (options.input !== undefined) child.child.stdin?.end(options.input);
  return child;
}

/** Runs `aws <args>` and resolves with its exit code and output, whatever the code. */
export function awsCliOutcome(
  args: string[],
  options: { env: NodeJS.ProcessEnv; input?: string },
): Promise<AwsCliResult & { code: number }> {
  return runAwsCli(args, options).then(
    (result) => ({ code: 0, ...result }),
    (error: Error & Partial<AwsCliResult> & { code?: number | string }) => {
      if (typeof error.code !== 'number') throw error;
      return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
    },
  );
}
