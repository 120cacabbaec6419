/** The one way the shared stage options become a loaded stack, a resolved target and SDK clients. */
import type { AwsClients } from '../deploy/clients.ts';
import { createClients } from '../deploy/clients.ts';
import type { Target } from '../deploy/target.ts';
import { resolveTarget } from '../deploy/target.ts';
import type { Stack } from '../stack/load.ts';
import { loadStack } from '../stack/load.ts';
import type { StackTargetOptions } from './stack-options.ts';
import { parseOptPairs } from './stack-options.ts';

export function loadStackFrom(options: StackTargetOptions, extra: Record<string, string> = {}): Stack {
  return loadStack(options.stack, {
    stage: options.stage,
    options: { ...parseOptPairs(options.opt), ...extra },
  });
}

/** The target named by the options, checked before anything is sent (one-line refusals). */
export function targetFor(options: StackTargetOptions, stack: Stack): Promise<Target> {
  const targetOptions = {
    region: stack.config.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  return resolveTarget(options.target, targetOptions);
}

export interface OpenedStack {
  stack: Stack;
  target: Target;
  clients: AwsClients;
}

export async function openStack(options: StackTargetOptions): Promise<OpenedStack> {
  const stack = loadStackFrom(options);
  const target = await targetFor(options, stack);
  return { stack, target, clients: createClients(target) };
}
