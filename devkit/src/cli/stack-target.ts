/**
 * The one way the shared stage options become a loaded stack, the chosen cloud, a resolved target
 * and SDK clients.
 */
import type { AwsClients } from '../deploy/clients.ts';
import { createClients } from '../deploy/clients.ts';
import type { Target } from '../deploy/target.ts';
import { resolveTarget } from '../deploy/target.ts';
import type { Stack } from '../stack/load.ts';
import { loadStack } from '../stack/load.ts';
import type { CloudChoice } from './cloud-choice.ts';
import { chooseCloud, cloudLine, sessionStackOptions } from './cloud-choice.ts';
import type { StackTargetOptions } from './stack-options.ts';
import { parseOptPairs } from './stack-options.ts';

/** The stack with `defaults` for its `${opt:...}` values; `--opt` pairs override them. */
export function loadStackFrom(
  options: Pick<StackTargetOptions, 'stack' | 'stage' | 'opt'>,
  defaults: Record<string, string> = {},
): Stack {
  return loadStack(options.stack, {
    stage: options.stage,
    options: { ...defaults, ...parseOptPairs(options.opt) },
  });
}

/** The cloud the options name and the stack as that cloud's session (if any) deployed it. */
export async function loadStage(options: StackTargetOptions): Promise<{ stack: Stack; choice: CloudChoice }> {
  const choice = await chooseCloud(options);
  return { stack: loadStackFrom(options, sessionStackOptions(choice, options.stage)), choice };
}

/** The chosen cloud as a target, checked before anything is sent (one-line refusals). */
export function targetFor(choice: CloudChoice, stack: Stack): Promise<Target> {
  return resolveTarget(choice.target, {
    region: stack.config.region,
    ...(choice.target !== 'aws' && choice.endpoint ? { endpoint: choice.endpoint } : {}),
  });
}

export interface OpenedStack {
  stack: Stack;
  choice: CloudChoice;
  target: Target;
  clients: AwsClients;
}

/**
 * The stage opened on its cloud; says which cloud on stderr (stdout stays the command's output:
 * `status --json` and `logs` are read by programs).
 */
export async function openStack(options: StackTargetOptions): Promise<OpenedStack> {
  const { stack, choice } = await loadStage(options);
  const target = await targetFor(choice, stack);
  console.error(cloudLine(choice, stack.config.region));
  return { stack, choice, target, clients: createClients(target) };
}
