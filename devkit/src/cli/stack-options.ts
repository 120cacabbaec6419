/**
 * The options every stage command shares (--stack, --stage, --target, --endpoint, --state-dir, --opt).
 * Light to import: commands register these at start; the SDK loads only when a command runs
 * (stack-target.ts). --target and --endpoint have no default here: unset, the running `up` session
 * or AWS_ENDPOINT_URL decides (cloud-choice.ts).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { TargetName } from '../deploy/target.ts';
import { TARGET_NAMES } from '../deploy/target.ts';
import { DEFAULT_STACK_FILE } from '../stack/load.ts';

export interface StackTargetOptions {
  stack: string;
  stage: string;
  target?: TargetName;
  endpoint?: string;
  /** Where `devkit up` keeps its session record. */
  stateDir: string;
  /** name=value pairs for ${opt:name} in the stack file. */
  opt: string[];
}

export function addStackOptions(command: Command): Command {
  return command
    .option('--stack <file>', 'the stack file', DEFAULT_STACK_FILE)
    .option('--stage <stage>', 'stage of the stack file (dev, staging, prod)', 'dev')
    .addOption(
      new Option(
        '--target <target>',
        "where the stage lives (default: the running `devkit up` session's, else local)",
      ).choices(TARGET_NAMES),
    )
    .option(
      '--endpoint <url>',
      'endpoint of the local cloud or LocalStack (default: AWS_ENDPOINT_URL, else the running `devkit up` session, else http://127.0.0.1:4566)',
    )
    .option('--state-dir <dir>', 'the state folder of `devkit up` (its session record)', '.devkit')
    .option(
      '--opt <name=value>',
      'a value for ${opt:name} in the stack file (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    );
}

/** `["a=1", "b=2"]` → `{ a: "1", b: "2" }`; a pair without `=` is refused. */
export function parseOptPairs(pairs: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new Error(`--opt must look like name=value (got '${pair}')`);
    result[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return result;
}
