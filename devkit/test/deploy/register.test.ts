import { describe, expect, it } from 'vitest';
import type { ProvisionedStack } from '../../src/deploy/provision.ts';
import { definitionFingerprint, revisionName, taskDefinitionInput } from '../../src/deploy/register.ts';
import { parseSince } from '../../src/deploy/logs.ts';
import type { Stack } from '../../src/stack/load.ts';
import { loadStack } from '../../src/stack/load.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;

const provisioned: ProvisionedStack = {
  accountId: '000000000000',
  repositoryUri: '127.0.0.1:4566/iscoolgpt-dev',
  executionRoleArn: 'arn:aws:iam::000000000000:role/iscoolgpt-dev-execution',
  taskRoleArn: 'arn:aws:iam::000000000000:role/iscoolgpt-dev-task',
  secretArns: {
    'iscoolgpt/dev/gemini-api-key':
      'arn:aws:secretsmanager:us-east-1:000000000000:secret:iscoolgpt/dev/gemini-api-key-AbCdEf',
  },
  subnetIds: ['subnet-1', 'subnet-2'],
  securityGroupId: 'sg-1',
  cluster: 'iscoolgpt-dev',
  targetGroupArn:
    'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/iscoolgpt-dev/0123456789abcdef',
  url: 'http://iscoolgpt-dev-0123456789abcdef.us-east-1.elb.localhost:8080',
};

describe('task definition', () => {
  const stack: Stack = loadStack(stackFile, { stage: 'dev', env: {} });
  const input = taskDefinitionInput(stack, provisioned, '127.0.0.1:4566/iscoolgpt-dev@sha256:abc');

  it('is a Fargate awsvpc revision with the stack’s size and both roles', () => {
    expect(input).toMatchObject({
      family: 'iscoolgpt-dev',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '1024',
      memory: '3072',
      executionRoleArn: provisioned.executionRoleArn,
      taskRoleArn: provisioned.taskRoleArn,
    });
  });

  it('runs the pushed image with port, health check, environment, secrets and awslogs', () => {
    const [container] = input.containerDefinitions ?? [];
    expect(container).toMatchObject({
      name: 'iscoolgpt',
      image: '127.0.0.1:4566/iscoolgpt-dev@sha256:abc',
      essential: true,
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
      secrets: [
        { name: 'GEMINI_API_KEY', valueFrom: provisioned.secretArns['iscoolgpt/dev/gemini-api-key'] },
      ],
      healthCheck: { interval: 5, timeout: 5, retries: 3, startPeriod: 10 },
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/iscoolgpt-dev',
          'awslogs-region': 'us-east-1',
          'awslogs-stream-prefix': 'iscoolgpt',
        },
      },
    });
    expect(container?.environment).toContainEqual({
      name: 'GEMINI_BASE_URL',
      value: 'http://gemini-mock:8080',
    });
    expect(container?.environment).toContainEqual({ name: 'PORT', value: '8080' });
  });

  it('runs an init process, so a task stopped while Node boots ends on SIGTERM', () => {
    expect(input.containerDefinitions?.[0]?.linuxParameters).toEqual({ initProcessEnabled: true });
  });

  it('fingerprints what the revision runs, not its tags', () => {
    const other = taskDefinitionInput(stack, provisioned, '127.0.0.1:4566/iscoolgpt-dev@sha256:def');
    expect(definitionFingerprint(input)).toMatch(/^[0-9a-f]{64}$/);
    expect(definitionFingerprint({ ...input, tags: [] })).toBe(definitionFingerprint(input));
    expect(definitionFingerprint(other)).not.toBe(definitionFingerprint(input));
  });

  it('names revisions by family and number', () => {
    expect(revisionName('arn:aws:ecs:us-east-1:000000000000:task-definition/iscoolgpt-dev:7')).toBe(
      'iscoolgpt-dev:7',
    );
  });
});

describe('--since', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect([parseSince('30s'), parseSince('10m'), parseSince('2h'), parseSince('1d')]).toEqual([
      30_000, 600_000, 7_200_000, 86_400_000,
    ]);
    expect(() => parseSince('yesterday')).toThrow(
      "--since must look like 30s, 10m, 2h or 1d (got 'yesterday')",
    );
  });
});
