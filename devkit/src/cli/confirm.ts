/**
 * Asking before a destructive command, as `copilot svc delete` does: a yes/no question on a
 * terminal; without one (CI, a pipe), a refusal naming the flag that skips the question.
 */
import { createInterface } from 'node:readline/promises';
import { CliError } from './fail.ts';

/** Resolves when the user answers yes; throws a one-line CliError otherwise. */
export async function confirmOrRefuse(question: string, flagHint: string): Promise<void> {
  if (!process.stdin.isTTY) throw new CliError(`stdin is not a terminal to confirm on: ${flagHint}`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-C at the question is a no.
  const interrupted = new Promise<string>((resolve) => prompt.once('SIGINT', () => resolve('')));
  try {
    const answer = await Promise.race([prompt.question(`${question} [y/N] `), interrupted]);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not confirmed: nothing was changed');
  } finally {
    prompt.close();
  }
}
