/**
 * RegisterTaskDefinition's checks and defaults, as ECS applies them. Messages are AWS's own where
 * they are documented or widely reported; the rest follow ECS's "Invalid '<field>' setting for
 * container '<name>'." pattern.
 */
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import type { Checked } from '../../service-definition.ts';

type Registration = Checked<RegisterTaskDefinitionRequest, 'family' | 'containerDefinitions'>;
import { ClientException } from './errors.ts';

/** Fargate's task sizes: cpu units → the memory sizes (MiB) it allows. */
const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, gib(1, 4, 1)],
  [1024, gib(2, 8, 1)],
  [2048, gib(4, 16, 1)],
  [4096, gib(8, 30, 1)],
  [8192, gib(16, 60, 4)],
  [16384, gib(32, 120, 8)],
]);

function gib(from: number, to: number, step: number): number[] {
  const sizes: number[] = [];
  for (let g = from; g <= to; g += step) sizes.push(g * 1024);
  return sizes;
}

/** Task cpu and memory may be written as units/MiB ("1024") or as "1 vCPU" / "2 GB"; AWS stores units. */
export function normalizeSize(
  value: string | undefined,
  unit: RegExp,
  field: 'cpu' | 'memory',
): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return String(Number(text));
  const scaled = new RegExp(`^(\\d*\\.?\\d+)\\s*${unit.source}$`, 'i').exec(text);
  if (scaled) return String(Math.round(Number(scaled[1]) * 1024));
  throw new ClientException(`Invalid '${field}' setting for task.`);
}

export function isFargateSize(cpu: string | undefined, memory: string | undefined): boolean {
  return Boolean(cpu && memory && FARGATE_SIZES.get(Number(cpu))?.includes(Number(memory)));
}

/** Images in a private ECR registry (AWS's, or the local cloud's own registry on loopback). */
function isEcrImage(image: string | undefined): boolean {
  if (!image) return false;
  const registry = image.split('/')[0]!;
  return (
    /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(registry) ||
    /^(127\.0\.0\.1|localhost)(:\d+)?$/.test(registry)
  );
}

const HEALTH_CHECK_LIMITS = {
  interval: [5, 300],
  timeout: [2, 60],
  retries: [1, 10],
  startPeriod: [0, 300],
} as const;

const SSM_PARAMETER_NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:.+$/;

function invalidContainerSetting(field: string, container: string, why?: string): ClientException {
  return new ClientException(
    `Invalid '${field}' setting for container '${container}'.${why ? ` ${why}` : ''}`,
  );
}

/** Throws ECS's error for the first rule `input` breaks, in the order ECS reports them. */
export function validateTaskDefinition(
  input: Registration,
  cpu: string | undefined,
  memory: string | undefined,
): void {
  const containers = input.containerDefinitions;
  if (containers.length === 0) throw new ClientException('Container list cannot be empty.');
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(input.family)) {
    throw new ClientException(
      'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
    );
  }
  const fargate = input.requiresCompatibilities?.includes('FARGATE') ?? false;
  if (fargate) validateFargateTask(input, cpu, memory);

  const names = new Set<string>();
  for (const container of containers) {
    if (!container.name) throw new ClientException('Container.name should not be null or empty.');
    if (!container.image) throw new ClientException('Container.image should not be null or empty.');
    if (names.has(container.name)) {
      throw new ClientException(`Duplicate container name '${container.name}' in the task definition.`);
    }
    names.add(container.name);
    if (
      !fargate &&
      memory === undefined &&
      container.memory === undefined &&
      container.memoryReservation === undefined
    ) {
      throw new ClientException(
        `Invalid setting for container '${container.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`,
      );
    }
    validatePortMappings(container, input.networkMode);
    validateHealthCheck(container);
    if (fargate) validateFargateLogging(container, input.executionRoleArn);
    validateSecrets(container, input.executionRoleArn);
  }
  if (!containers.some((c) => c.essential !== false)) {
    throw new ClientException('Task definition does not have any essential container.');
  }
}

function validateFargateTask(input: Registration, cpu: string | undefined, memory: string | undefined): void {
  // AWS's message really uses typographic quotes here.
  if (input.networkMode !== 'awsvpc')
    throw new ClientException('Fargate only supports network mode ‘awsvpc’.');
  if (cpu === undefined)
    throw new ClientException("Fargate requires that 'cpu' be defined at the task level.");
  if (memory === undefined)
    throw new ClientException("Fargate requires that 'memory' be defined at the task level.");
  if (!FARGATE_SIZES.has(Number(cpu))) throw new ClientException("Invalid 'cpu' setting for task.");
  if (!isFargateSize(cpu, memory)) {
    throw new ClientException(
      `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`,
    );
  }
  if (!input.executionRoleArn && input.containerDefinitions.some((c) => isEcrImage(c.image))) {
    throw new ClientException(
      'Fargate requires task definition to have execution role ARN to support ECR images.',
    );
  }
}

function validatePortMappings(container: ContainerDefinition, networkMode: string | undefined): void {
  for (const mapping of container.portMappings ?? []) {
    const port = mapping.containerPort;
    if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalidContainerSetting('containerPort', container.name!);
    }
    if (
      (networkMode === 'awsvpc' || networkMode === 'host') &&
      mapping.hostPort &&
      mapping.hostPort !== port
    ) {
      throw new ClientException(
        `When networkMode=${networkMode}, the host ports and container ports in port mappings must match.`,
      );
    }
  }
}

function validateHealthCheck(container: ContainerDefinition): void {
  const check = container.healthCheck;
  if (!check) return;
  // The protocol layer has checked that `command` (required) is present.
  const [kind, ...rest] = check.command!;
  if ((kind !== 'CMD' && kind !== 'CMD-SHELL') || rest.length === 0) {
    throw invalidContainerSetting(
      'healthCheck.command',
      container.name!,
      'The command must start with CMD or CMD-SHELL followed by the command to run.',
    );
  }
  for (const [field, [min, max]] of Object.entries(HEALTH_CHECK_LIMITS)) {
    const value = check[field as keyof typeof HEALTH_CHECK_LIMITS];
    if (value !== undefined && (value < min || value > max)) {
      throw invalidContainerSetting(
        `healthCheck.${field}`,
        container.name!,
        `It must be between ${min} and ${max}.`,
      );
    }
  }
}

function validateFargateLogging(container: ContainerDefinition, executionRoleArn: string | undefined): void {
  const logging = container.logConfiguration;
  if (logging?.logDriver !== 'awslogs') return;
  if (!executionRoleArn) {
    throw new ClientException(
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
    );
  }
  for (const option of ['awslogs-group', 'awslogs-region', 'awslogs-stream-prefix']) {
    if (!logging.options?.[option]) {
      throw new ClientException(
        `Fargate requires log configuration options to include ${option} to support log driver awslogs.`,
      );
    }
  }
}

function validateSecrets(container: ContainerDefinition, executionRoleArn: string | undefined): void {
  for (const secret of container.secrets ?? []) {
    if (!executionRoleArn) {
      throw new ClientException(
        "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
      );
    }
    const valueFrom = secret.valueFrom!; // required, so checked by the protocol layer
    const valid = valueFrom.startsWith('arn:')
      ? SECRET_ARN.test(valueFrom)
      : SSM_PARAMETER_NAME.test(valueFrom);
    if (!valid) {
      throw new ClientException(
        `The Systems Manager parameter name specified for secret ${secret.name} is invalid. The parameter name can be up to 2048 characters and include the following letters and symbols: a-zA-Z0-9_.-,`,
      );
    }
  }
}

/** A container definition with the defaults ECS fills in and reports back. */
export function withContainerDefaults(
  container: ContainerDefinition,
  networkMode: string | undefined,
): ContainerDefinition {
  const hostPortFollows = networkMode === 'awsvpc' || networkMode === 'host';
  return {
    ...container,
    cpu: container.cpu ?? 0,
    essential: container.essential ?? true,
    portMappings: (container.portMappings ?? []).map((mapping) => ({
      ...mapping,
      ...(hostPortFollows ? { hostPort: mapping.containerPort } : {}),
      protocol: mapping.protocol ?? 'tcp',
    })),
    environment: container.environment ?? [],
    mountPoints: container.mountPoints ?? [],
    volumesFrom: container.volumesFrom ?? [],
    systemControls: container.systemControls ?? [],
    ...(container.healthCheck
      ? {
          healthCheck: {
            interval: 30,
            timeout: 5,
            retries: 3,
            ...container.healthCheck,
          },
        }
      : {}),
  };
}
