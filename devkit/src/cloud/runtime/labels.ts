/** The labels the real ECS agent puts on task containers, plus ours to find everything we made. */
export const LABELS = {
  managed: 'dev.iscoolgpt.devkit.managed',
  /** Which local cloud (its data directory's identity) made it: clouds sharing an engine leave each other alone. */
  cloud: 'dev.iscoolgpt.devkit.cloud',
  /** On a container the devkit runs beside a cloud (the Gemini replay server): its name on that cloud's VPC networks. */
  networkAlias: 'dev.iscoolgpt.devkit.network-alias',
  /**
   * The id of the one cloud such a container serves: only that cloud joins it to its networks, so
   * clouds sharing an engine never answer each other's tasks under one alias. Not `cloud`: that
   * marks what a cloud made and removes, and a container beside it is only disconnected.
   */
  servesCloud: 'dev.iscoolgpt.devkit.serves-cloud',
  taskArn: 'com.amazonaws.ecs.task-arn',
  containerName: 'com.amazonaws.ecs.container-name',
  cluster: 'com.amazonaws.ecs.cluster',
  family: 'com.amazonaws.ecs.task-definition-family',
  revision: 'com.amazonaws.ecs.task-definition-version',
} as const;

/** Filter for everything one local cloud created (containers and networks). */
export function managedFilter(cloudId: string): { label: string[] } {
  return { label: [`${LABELS.managed}=true`, `${LABELS.cloud}=${cloudId}`] };
}

/** The labels of everything one local cloud creates. */
export function managedLabels(cloudId: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.cloud]: cloudId };
}

/** The labels of a container the devkit runs beside one cloud, which its tasks reach as `alias`. */
export function besideCloudLabels(cloudId: string, alias: string): Record<string, string> {
  return { [LABELS.networkAlias]: alias, [LABELS.servesCloud]: cloudId };
}
