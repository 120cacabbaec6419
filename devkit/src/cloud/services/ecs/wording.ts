/** ECS's own words: service events, rollout reasons and stop reasons, as AWS writes them. */

/** Service event messages, word for word as ECS writes them. */
export const serviceEventMessages = {
  startedTasks: (service: string, taskIds: string[]) =>
    `(service ${service}) has started ${taskIds.length} tasks: ${taskIds.map((id) => `(task ${id})`).join(' ')}.`,
  stoppedTasks: (service: string, taskIds: string[]) =>
    `(service ${service}) has stopped ${taskIds.length} running tasks: ${taskIds.map((id) => `(task ${id})`).join(' ')}.`,
  steadyState: (service: string) => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment completed.`,
  deploymentFailed: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rollingBack: (service: string, deploymentId: string) =>
    `(service ${service}) rolling back to deployment ${deploymentId}.`,
  failedHealthChecks: (service: string, taskId: string) =>
    `(service ${service}) (task ${taskId}) failed container health checks.`,
  failedElbHealthChecks: (service: string, taskId: string, targetGroupArn: string) =>
    `(service ${service}) (task ${taskId}) failed ELB health checks in (target-group ${targetGroupArn}).`,
  noContainerInstances: (service: string) =>
    `(service ${service}) was unable to place a task because no container instance met all of its ` +
    'requirements. Reason: No Container Instances were found in your cluster. For more information, ' +
    'see the Troubleshooting section of the Amazon ECS Developer Guide.',
};

/** Deployment rollout reasons, as ECS words them. */
export const rolloutReasons = {
  inProgress: (deploymentId: string) => `ECS deployment ${deploymentId} in progress.`,
  completed: (deploymentId: string) => `ECS deployment ${deploymentId} completed.`,
  circuitBreakerRollback: (deploymentId: string) =>
    `ECS deployment circuit breaker: rolling back to deploymentId ${deploymentId}.`,
  circuitBreakerFailed: () => 'ECS deployment circuit breaker: tasks failed to start.',
};

/** stoppedReason texts as ECS writes them. */
export const stopReasons = {
  essentialContainerExited: 'Essential container in task exited',
  failedHealthChecks: 'Task failed container health checks',
  failedElbHealthChecks: (targetGroupArn: string) =>
    `Task failed ELB health checks in (target-group ${targetGroupArn})`,
  scaling: (deploymentId: string) => `Scaling activity initiated by (deployment ${deploymentId})`,
  outOfMemory: 'OutOfMemoryError: Container killed due to memory usage',
};
