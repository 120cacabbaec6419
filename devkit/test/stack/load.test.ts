import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StackError } from '../../src/stack/errors.ts';
import { DEFAULT_STACK_FILE, loadStack, parseStack } from '../../src/stack/load.ts';
import { MINIMAL } from './fixture.ts';

const parse = (text: string, stage = 'dev', env: Record<string, string> = {}) =>
  parseStack(text, 'stack.yml', { stage, env });

/** The error lines a stack text produces. */
function problems(text: string, stage = 'dev', env: Record<string, string> = {}): string[] {
  try {
    parse(text, stage, env);
  } catch (error) {
    expect(error).toBeInstanceOf(StackError);
    return (error as StackError).message.split('\n');
  }
  throw new Error('expected the stack to be rejected');
}

describe('stack file', () => {
  it('fills defaults for everything optional', () => {
    const config = parse(MINIMAL);
    expect(config.image).toEqual({ context: 'app', dockerfile: 'Dockerfile', buildArgs: {} });
    expect(config.service).toEqual({
      desiredCount: 1,
      deployment: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        circuitBreaker: { enable: true, rollback: true },
      },
    });
    expect(config.iam.taskRole.statements).toEqual([]);
    expect(config.ecr).toEqual({ scanOnPush: true, keepImages: 10 });
    expect(config.logs).toEqual({ group: '/ecs/demo', retentionDays: 30 });
    expect(config.cluster).toEqual({ containerInsights: true });
    expect(config.network.ingressCidr).toBe('0.0.0.0/0');
    expect(config.task.environment).toEqual({});
    expect(config.loadBalancer).toEqual({
      port: 80,
      healthCheck: {
        path: '/health',
        interval: 30,
        timeout: 5,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
        matcher: '200',
      },
      deregistrationDelay: 300,
      idleTimeout: 60,
      healthCheckGracePeriod: 30,
    });
  });

  it("bounds the load balancer's settings as ELBv2 does", () => {
    const section = (body: string) => `${MINIMAL.replace('stages:', `loadBalancer:\n${body}\nstages:`)}`;
    expect(
      problems(
        section(
          '  port: 0\n  healthCheck: { path: health, interval: 20, timeout: 10, healthyThreshold: 1, matcher: "200-600" }\n  deregistrationDelay: 3601\n  idleTimeout: 0',
        ),
      ),
    ).toEqual([
      'stack.yml:20: loadBalancer.port: must be at least 1',
      'stack.yml:21: loadBalancer.healthCheck.path: must be a path starting with / (at most 1024 characters)',
      'stack.yml:21: loadBalancer.healthCheck.healthyThreshold: must be at least 2',
      'stack.yml:21: loadBalancer.healthCheck.matcher: must be HTTP codes 200-499: one ("200"), a list ("200,202") or a range ("200-299")',
      'stack.yml:22: loadBalancer.deregistrationDelay: must be at most 3600',
      'stack.yml:23: loadBalancer.idleTimeout: must be at least 1',
    ]);
    expect(problems(section('  healthCheck: { interval: 10, timeout: 10 }'))).toEqual([
      'stack.yml:20: loadBalancer.healthCheck.timeout: must be less than the interval',
    ]);
    expect(parse(section('  healthCheck: { matcher: "200,202-204" }')).loadBalancer.healthCheck.matcher).toBe(
      '200,202-204',
    );
  });

  it('names file, line and field of a bad value', () => {
    expect(problems(MINIMAL.replace('cpu: 1024', 'cpu: 1000'))).toEqual([
      'stack.yml:6: task.cpu: must be one of 256, 512, 1024, 2048, 4096, 8192, 16384',
    ]);
  });

  it('rejects unknown fields where they are written', () => {
    expect(problems(MINIMAL.replace('  port: 8080', '  port: 8080\n  prot: 8081'))).toEqual([
      'stack.yml:9: task.prot: unknown field',
    ]);
    expect(problems(`${MINIMAL}extra: 1\n`)).toEqual(['stack.yml:25: extra: unknown field']);
  });

  it('reports a missing field at its parent and every problem at once', () => {
    const text = MINIMAL.replace('  memory: 3072\n', '').replace('group: /ecs/demo', 'group: 12');
    expect(problems(text)).toEqual([
      'stack.yml:5: task.memory: is required',
      'stack.yml:17: logs.group: must be a string',
    ]);
  });

  it('takes containerInsights as true, false or enhanced', () => {
    const withInsights = (value: string) =>
      `${MINIMAL.replace('stages:', `cluster:\n  containerInsights: ${value}\nstages:`)}`;
    expect(parse(withInsights('enhanced')).cluster).toEqual({ containerInsights: 'enhanced' });
    expect(parse(withInsights('false')).cluster).toEqual({ containerInsights: false });
    expect(problems(withInsights('enhance')).join('\n')).toMatch(/containerInsights/);
  });

  it('checks Fargate cpu/memory pairs', () => {
    expect(problems(MINIMAL.replace('memory: 3072', 'memory: 1024'))).toEqual([
      'stack.yml:7: task.memory: 1024 does not pair with cpu 1024 on Fargate (allowed: 2048–8192 in steps of 1024)',
    ]);
  });

  it('checks the network: subnets inside the VPC, in two zones of the region, not overlapping', () => {
    const text = MINIMAL.replace(
      '10.0.1.0/24, availabilityZone: us-east-1b',
      '10.1.1.0/24, availabilityZone: us-east-1a',
    ).replace('10.0.10.0/24, availabilityZone: us-east-1a', '10.0.0.0/23, availabilityZone: eu-west-1a');
    expect(problems(text)).toEqual([
      'stack.yml:13: network.publicSubnets.1.cidr: is outside the VPC 10.0.0.0/16',
      'stack.yml:15: network.privateSubnets.0.cidr: overlaps 10.0.0.0/24',
      'stack.yml:15: network.privateSubnets.0.availabilityZone: must be a zone of region us-east-1 (like us-east-1a)',
      'stack.yml:13: network.publicSubnets.1.availabilityZone: must differ from the first subnet’s zone (two AZs, so one zone failing leaves the service up)',
    ]);
  });

  it('refuses a CIDR block with host bits set, as EC2 does at provisioning', () => {
    const text = MINIMAL.replace('10.0.1.0/24, availabilityZone', '10.0.1.5/24, availabilityZone');
    expect(problems(text)).toEqual([
      'stack.yml:13: network.publicSubnets.1.cidr: has host bits set: EC2 refuses it (the network is 10.0.1.0/24)',
    ]);
  });

  it('validates health checks within ECS ranges', () => {
    const text = MINIMAL.replace(
      '  port: 8080',
      '  port: 8080\n  healthCheck:\n    command: [curl, x]\n    interval: 1',
    );
    expect(problems(text)).toEqual([
      'stack.yml:10: task.healthCheck.command: must start with CMD or CMD-SHELL',
      'stack.yml:11: task.healthCheck.interval: must be at least 5',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const [line] = problems(MINIMAL.replace('  port: 8080', '  port: [8080'));
    expect(line).toMatch(/^stack\.yml:\d+: /);
  });

  it('loads a file from disk, resolving the build context next to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-'));
    writeFileSync(join(dir, DEFAULT_STACK_FILE), MINIMAL);
    const stack = loadStack(join(dir, DEFAULT_STACK_FILE), { stage: 'prod', env: {} });
    expect(stack.stage).toBe('prod');
    expect(stack.buildContext).toBe(join(dir, 'app'));
    expect(stack.config.service.desiredCount).toBe(3);
    expect(() => loadStack(join(dir, 'missing.yml'), { stage: 'dev' })).toThrow(/missing\.yml: not found/);
  });

  it('accepts the repository’s own stack.yml for every stage', () => {
    const file = new URL('../../../stack.yml', import.meta.url).pathname;
    for (const stage of ['dev', 'staging', 'prod']) {
      const { config } = loadStack(file, { stage, env: {} });
      expect(config.task).toMatchObject({ cpu: 1024, memory: 3072, port: 8080 });
      expect(config.task.secrets).toEqual({ GEMINI_API_KEY: `iscoolgpt/${stage}/gemini-api-key` });
    }
  });
});
