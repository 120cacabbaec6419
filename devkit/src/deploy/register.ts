import type { RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { createHash } from 'node:crypto';
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
        // Node as PID 1 ignores SIGTERM until it has installed its handler: a task stopped while it
        // boots would sit out the whole stopTimeout. ECS's init (tini) forwards signals, and a
        // SIGTERM before the handler ends the process at once.
        linuxParameters: { initProcessEnabled: true },
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

/**
 * The tag a revision carries: a hash of what it was registered from (its tags aside), so the next
 * deploy can tell whether anything changed.
 */
export const FINGERPRINT_TAG = 'devkit:definition-sha256';

export function definitionFingerprint(input: RegisterTaskDefinitionCommandInput): string {
  const { tags: _tags, ...definition } = input;
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex');
}

export interface Revision {
  taskDefinitionArn: string;
  /** The service already runs this revision, registered from the same image and settings. */
  unchanged: boolean;
}

/**
 * Registers a new revision, unless the service's current (PRIMARY) revision was registered from
 * exactly this input: RegisterTaskDefinition always makes a new revision, and UpdateService with a
 * new one always starts a deployment, so a deploy of nothing new would replace healthy tasks with
 * identical ones. Like CloudFormation (Copilot) and ecspresso, the deploy then keeps the revision;
 * the rollout follows the service's current deployment instead of starting one.
 */
export function registerTaskDefinition(
  clients: AwsClients,
  stack: Stack,
  provisioned: ProvisionedStack,
  imageReference: string,
  progress: Progress,
): Promise<Revision> {
  const input = taskDefinitionInput(stack, provisioned, imageReference);
  const fingerprint = definitionFingerprint(input);
  return runStep(
    progress,
    'register',
    `register task definition ${resourceNames(stack).family}`,
    async () => {
      const current = await currentRevision(clients, stack, provisioned);
      if (current?.fingerprint === fingerprint) return { taskDefinitionArn: current.arn, unchanged: true };
      const { taskDefinition } = await clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          ...input,
          tags: [...(input.tags ?? []), { key: FINGERPRINT_TAG, value: fingerprint }],
        }),
      );
      if (!taskDefinition?.taskDefinitionArn)
        throw new DeployError('no task definition ARN returned', 'register');
      return { taskDefinitionArn: taskDefinition.taskDefinitionArn, unchanged: false };
    },
    ({ taskDefinitionArn, unchanged }) =>
      unchanged
        ? `${revisionName(taskDefinitionArn)} unchanged (same image and settings): no new revision`
        : revisionName(taskDefinitionArn),
  );
}

/** The service's PRIMARY revision and its fingerprint tag; nothing before the first deploy. */
async function currentRevision(
  clients: AwsClients,
  stack: Stack,
  provisioned: ProvisionedStack,
): Promise<{ arn: string; fingerprint: string | undefined } | undefined> {
  const { services = [] } = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: provisioned.cluster, services: [resourceNames(stack).service] }),
  );
  const service = services.find((s) => s.status === 'ACTIVE');
  const arn = service?.deployments?.find((d) => d.status === 'PRIMARY')?.taskDefinition;
  if (!arn) return undefined;
  const { taskDefinition, tags = [] } = await clients.ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }),
  );
  // A retired revision cannot run new tasks: register a new one.
  if (taskDefinition?.status !== 'ACTIVE') return undefined;
  return { arn, fingerprint: tags.find((t) => t.key === FINGERPRINT_TAG)?.value };
}
/** `arn:...:task-definition/iscoolgpt-dev:7` → `iscoolgpt-dev:7`. */
export function revisionName(taskDefinitionArn: string): string {
  return taskDefinitionArn.split('/').at(-1) ?? taskDefinitionArn;
}
