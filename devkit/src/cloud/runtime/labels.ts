/** The labels the real ECS agent puts on task containers, plus ours to find everything we made. */
export const LABELS = {
  managed: 'dev.iscoolgpt.devkit.managed',
  taskArn: 'com.amazonaws.ecs.task-arn',
  containerName: 'com.amazonaws.ecs.container-name',
  cluster: 'com.amazonaws.ecs.cluster',
  family: 'com.amazonaws.ecs.task-definition-family',
  revision: 'com.amazonaws.ecs.task-definition-version',
} as const;

/** Filter for everything the local cloud created (containers and networks). */
export const MANAGED_FILTER = { label: [`${LABELS.managed}=true`] };
