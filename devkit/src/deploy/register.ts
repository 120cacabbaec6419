import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames, stackTags } from './names.ts';
import type { Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';
import type { ProvisionedStack } from './provision.ts';

/** The task definition for one image: Fargate, awsvpc, the stack's task settings, awslogs, secrets. */
export function taskDefinitionInput(
  stack: Stack,
  provisioned: ProvisionedStack,
  imageReference: string,
): RegisterTaskDefinitionCommandInput {
  const { task, region } = stack.config;
  const names = resourceNames(stack);
  const secrets = Object.entries(task.secrets).map(([name, secretName]) => {
    const valueFrom = provisioned.secretArns[secretName];
    if (!valueFrom) throw new DeployError(`secret ${secretName} was not provisioned`, 'register');
    return { name, valueFrom };
  });
  return {
    family: names.family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: String(task.cpu),
    memory: String(task.memory),
    executionRoleArn: provisioned.executionRoleArn,
    taskRoleArn: provisioned.taskRoleArn,
    containerDefinitions: [
      {
        name: names.container,
        image: imageReference,
        essential: true,
        portMappings: [{ containerPort: task.port, hostPort: task.port, protocol: 'tcp' }],
        environment: Object.entries(task.environment).map(([name, value]) => ({ name, value })),
        secrets,
        ...(task.healthCheck ? { healthCheck: task.healthCheck } : {}),
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': names.logGroup,
            'awslogs-region': region,
            'awslogs-stream-prefix': names.container,
          },
        },
      },
    ],
    tags: Object.entries(stackTags(stack)).map(([key, value]) => ({ key, value })),
  };
}

export function registerTaskDefinition(
  clients: AwsClients,
  stack: Stack,
  provisioned: ProvisionedStack,
  imageReference: string,
  progress: Progress,
): Promise<string> {
  return runStep(
    progress,
    'register',
    `register task definition ${resourceNames(stack).family}`,
    async () => {
      const { taskDefinition } = await clients.ecs.send(
        new RegisterTaskDefinitionCommand(taskDefinitionInput(stack, provisioned, imageReference)),
      );
      if (!taskDefinition?.taskDefinitionArn)
        throw new DeployError('no task definition ARN returned', 'register');
      return taskDefinition.taskDefinitionArn;
    },
    (arn) => revisionName(arn),
  );
}

/** `arn:...:task-definition/iscoolgpt-dev:7` → `iscoolgpt-dev:7`. */
export function revisionName(taskDefinitionArn: string): string {
  return taskDefinitionArn.split('/').at(-1) ?? taskDefinitionArn;
}
