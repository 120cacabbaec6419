/**
 * Capacity provider strategies: which ones ECS accepts for a cluster, and which provider each new
 * task goes to (the base first, then the rest shared by weight). FARGATE and FARGATE_SPOT are
 * built in; Auto Scaling group providers are kept as state only (no EC2 instances run here, so a
 * strategy naming them places nothing, as a cluster without container instances would).
 */
import type { CapacityProviderStrategyItem } from '@aws-sdk/client-ecs';
import { InvalidParameterException } from './errors.ts';
import type { ClusterRecord, EcsState } from './state.ts';
import { capacityProvidersOf } from './state.ts';

export const FARGATE_PROVIDERS: readonly string[] = ['FARGATE', 'FARGATE_SPOT'];

export function isFargateProvider(name: string | undefined): boolean {
  return name !== undefined && FARGATE_PROVIDERS.includes(name);
}

/** An ACTIVE Auto Scaling group provider, or a built-in Fargate one. */
export function providerExists(state: EcsState, name: string): boolean {
  return isFargateProvider(name) || capacityProvidersOf(state)[name]?.status === 'ACTIVE';
}

/** Fargate and Auto Scaling group providers never share a strategy (ECS's wording). */
export function checkNoMix(strategy: CapacityProviderStrategyItem[]): void {
  const fargate = strategy.filter((item) => isFargateProvider(item.capacityProvider)).length;
  if (fargate > 0 && fargate < strategy.length) {
    throw new InvalidParameterException(
      'The specified capacity provider strategy cannot contain a mix of capacity providers using ' +
        'Auto Scaling groups and Fargate providers. Specify one or the other and try again.',
    );
  }
}

/** The shape rules of a strategy, wherever it is given (a cluster's default included). */
export function checkStrategyShape(strategy: CapacityProviderStrategyItem[]): void {
  const names = strategy.map((item) => item.capacityProvider);
  if (new Set(names).size !== names.length) {
    throw new InvalidParameterException(
      'The specified capacity provider strategy cannot contain the same capacity provider more than once.',
    );
  }
  if (strategy.filter((item) => (item.base ?? 0) > 0).length > 1) {
    throw new InvalidParameterException(
      'Only one capacity provider in a capacity provider strategy can have a base defined.',
    );
  }
  checkNoMix(strategy);
}

/**
 * A strategy a service or RunTask may use on `cluster`: its providers are the cluster's, and one
 * at least has a weight (AWS's wording, which names the default strategy when that is the one used).
 */
export function checkStrategyForCluster(
  cluster: ClusterRecord,
  strategy: CapacityProviderStrategyItem[],
  source: 'given' | 'default',
): void {
  checkStrategyShape(strategy);
  if (strategy.some((item) => !cluster.capacityProviders.includes(item.capacityProvider!))) {
    throw new InvalidParameterException(
      'The specified capacity provider strategy cannot contain a capacity provider that is not ' +
        'associated with the cluster. Associate the capacity provider with the cluster or specify a ' +
        'valid capacity provider and try again.',
    );
  }
  if (!strategy.some((item) => (item.weight ?? 0) > 0)) {
    const which =
      source === 'default' ? 'the default capacity provider strategy' : 'the capacity provider strategy';
    throw new InvalidParameterException(
      `There are no capacity providers with a weight value greater than zero defined in ${which}. ` +
        'At least one capacity provider must have a weight value greater than zero specified. Update ' +
        "the cluster's default capacity provider strategy or specify a valid capacity provider " +
        'strategy and try again.',
    );
  }
}

/**
 * The provider the next task goes to, given how many tasks each already has: the provider with a
 * base until it holds that many, then the one furthest below its weighted share of the rest
 * (ties to the earlier item). `placed` counts per provider name.
 */
export function nextCapacityProvider(
  strategy: CapacityProviderStrategyItem[],
  placed: ReadonlyMap<string, number>,
): string {
  const based = strategy.find((item) => (item.base ?? 0) > 0);
  if (based && (placed.get(based.capacityProvider!) ?? 0) < based.base!) return based.capacityProvider!;
  let best = strategy[0]!.capacityProvider!;
  let bestScore = Infinity;
  for (const item of strategy) {
    const weight = item.weight ?? 0;
    if (weight <= 0) continue;
    const beyondBase = (placed.get(item.capacityProvider!) ?? 0) - (item === based ? based.base! : 0);
    const score = (Math.max(0, beyondBase) + 1) / weight;
    if (score < bestScore) {
      best = item.capacityProvider!;
      bestScore = score;
    }
  }
  return best;
}

/** Providers for `count` new tasks, counting those `existing` tasks already run on. */
export function shareOut(
  strategy: CapacityProviderStrategyItem[],
  existing: Array<string | undefined>,
  count: number,
): string[] {
  const placed = new Map<string, number>();
  for (const name of existing) if (name !== undefined) placed.set(name, (placed.get(name) ?? 0) + 1);
  return Array.from({ length: count }, () => {
    const name = nextCapacityProvider(strategy, placed);
    placed.set(name, (placed.get(name) ?? 0) + 1);
    return name;
  });
}
