/**
 * How a command ends on an error: the message alone (no stack trace), on stderr, exit code 1. Stack
 * file errors are one `file:line: field: message` line per problem; every other error is one line,
 * followed by the lines that explain it when there are some (a failed build step's own output).
 */
import { DeployError } from '../deploy/progress.ts';
import { StackError } from '../stack/errors.ts';

export class CliError extends Error {
  override name = 'CliError';
}

/** What stderr shows for an error, line by line. */
export function errorLines(error: unknown): string[] {
  if (error instanceof StackError) return error.message.split('\n').map((line) => `error: ${line}`);
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof DeployError ? error.details.map((line) => `  │ ${line}`) : [];
  return [`error: ${message.split('\n')[0] ?? message}`, ...details];
}

/** Wraps a command's action so every failure ends the same way. */
export function withErrors<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      for (const line of errorLines(error)) console.error(line);
      process.exit(1);
    }
  };
}
