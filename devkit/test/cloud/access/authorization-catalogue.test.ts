/**
 * Every served operation has an entry in its service's IAM catalogue (what it asks of IAM), and
 * the entries answer AWS's actions and ARNs for representative requests.
 */
import { describe, expect, it } from 'vitest';
import {
  arnBuilder,
  requiredActions,
  type AuthorizationScope,
} from '../../../src/cloud/access/authorization.ts';
import { allServices } from '../../../src/cloud/services/index.ts';
import { StateStore } from '../../../src/cloud/state/store.ts';

const ACCOUNT = '000000000000';

describe('IAM authorization catalogue', () => {
  it('has an entry for every operation each service serves', () => {
    const missing = allServices.flatMap((service) =>
      Object.keys(service.operations)
        .filter((op) => !service.authorization || !Object.hasOwn(service.authorization.operations, op))
        .map((op) => `${service.signingName}:${op}`),
    );
    expect(missing, 'add an entry to the service permissions.ts (Service Authorization Reference)').toEqual(
      [],
    );
  });

  it('has no entry for an operation the service does not serve', () => {
    const stale = allServices.flatMap((service) =>
      Object.keys(service.authorization?.operations ?? {})
        .filter((op) => !Object.hasOwn(service.operations, op))
        .map((op) => `${service.signingName}:${op}`),
    );
    expect(stale).toEqual([]);
  });

  const required = async (signingName: string, operation: string, input: unknown, state?: unknown) => {
    const service = allServices.find((s) => s.signingName === signingName)!;
    const catalogue = service.authorization!;
    const store = await StateStore.open(undefined);
    const scope: AuthorizationScope = {
      region: 'us-east-1',
      accountId: ACCOUNT,
      state: state ?? service.initialState('us-east-1'),
      store,
      action: `${catalogue.prefix}:${operation}`,
      caller: { kind: 'root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
      arn: arnBuilder(catalogue.prefix, 'us-east-1', ACCOUNT),
    };
    return requiredActions(catalogue.operations[operation]!, input, scope as never);
  };

  it('RegisterTaskDefinition needs iam:PassRole for its roles, passed to ecs-tasks', async () => {
    const needs = await required('ecs', 'RegisterTaskDefinition', {
      family: 'app',
      taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/app-task`,
      executionRoleArn: 'app-execution',
      containerDefinitions: [],
    });
    expect(needs.map((n) => [n.action, n.resource, n.context?.['iam:PassedToService']])).toEqual([
      ['ecs:RegisterTaskDefinition', '*', undefined],
      ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/app-task`, 'ecs-tasks.amazonaws.com'],
      ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/app-execution`, 'ecs-tasks.amazonaws.com'],
    ]);
  });

  it('RunTask needs PassRole for the role overrides', async () => {
    const needs = await required('ecs', 'RunTask', {
      cluster: 'c',
      taskDefinition: 'app:3',
      overrides: { taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/other` },
    });
    expect(needs.map((n) => [n.action, n.resource])).toEqual([
      ['ecs:RunTask', `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/app:3`],
      ['iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/other`],
    ]);
    expect(needs[0]!.context?.['ecs:cluster']).toBe(`arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/c`);
  });

  it('names resources as AWS evaluates them', async () => {
    const first = async (service: string, op: string, input: unknown) =>
      (await required(service, op, input))[0]!;
    expect((await first('ecs', 'UpdateService', { cluster: 'c', service: 's' })).resource).toBe(
      `arn:aws:ecs:us-east-1:${ACCOUNT}:service/c/s`,
    );
    expect(
      (await first('logs', 'PutLogEvents', { logGroupName: '/ecs/app', logStreamName: 'a/b' })).resource,
    ).toBe(`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app:log-stream:a/b`);
    expect((await first('logs', 'CreateLogGroup', { logGroupName: '/ecs/app' })).resource).toBe(
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app:log-stream:`,
    );
    expect((await first('ecr', 'PutImage', { repositoryName: 'app' })).resource).toBe(
      `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/app`,
    );
    expect((await first('ec2', 'CreateVpc', { CidrBlock: '10.0.0.0/16' })).resource).toBe(
      `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/*`,
    );
    expect((await first('iam', 'GetRole', { RoleName: 'x' })).resource).toBe(
      `arn:aws:iam::${ACCOUNT}:role/x`,
    );
    expect((await first('monitoring', 'PutMetricAlarm', { AlarmName: 'a' })).action).toBe(
      'cloudwatch:PutMetricAlarm',
    );
    expect(await required('sts', 'GetCallerIdentity', {})).toEqual([]);
    const lb = await required('elasticloadbalancing', 'CreateLoadBalancer', {
      Name: 'web',
      Tags: [{ Key: 'k', Value: 'v' }],
    });
    expect(lb.map((n) => n.action)).toEqual([
      'elasticloadbalancing:CreateLoadBalancer',
      'elasticloadbalancing:AddTags',
    ]);
    // ECS's tag on create names the created resource and the creating call (ecs:CreateAction).
    const cluster = await required('ecs', 'CreateCluster', {
      clusterName: 'c',
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(cluster[1]).toMatchObject({
      action: 'ecs:TagResource',
      resource: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/c`,
      context: { 'ecs:CreateAction': 'CreateCluster', 'aws:RequestTag/k': 'v' },
    });
    expect(await required('ecs', 'CreateCluster', { clusterName: 'c' })).toHaveLength(1);
  });

  it('server certificates: their ARN with its path, tagging on upload, both names on a rename', async () => {
    const upload = await required('iam', 'UploadServerCertificate', {
      ServerCertificateName: 'web',
      Path: '/edge/',
      Tags: [{ Key: 'k', Value: 'v' }],
    });
    expect(upload.map((n) => [n.action, n.resource])).toEqual([
      ['iam:UploadServerCertificate', `arn:aws:iam::${ACCOUNT}:server-certificate/edge/web`],
      ['iam:TagServerCertificate', `arn:aws:iam::${ACCOUNT}:server-certificate/edge/web`],
    ]);
    const rename = await required('iam', 'UpdateServerCertificate', {
      ServerCertificateName: 'web',
      NewServerCertificateName: 'www',
      NewPath: '/moved/',
    });
    expect(rename.map((n) => n.resource)).toEqual([
      `arn:aws:iam::${ACCOUNT}:server-certificate/web`,
      `arn:aws:iam::${ACCOUNT}:server-certificate/moved/www`,
    ]);
  });
});
