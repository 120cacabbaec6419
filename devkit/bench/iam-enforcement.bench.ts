/**
 * What IAM enforcement adds per call (issue 19, aim <= 0.2 ms): ListClusters through the SDK on a
 * cloud with --enforce-iam, signed by test/test (root: not evaluated), by a role session and by an
 * IAM user's access key (signature checked, catalogue entry, policies — the user's and its group's —
 * evaluation, decision kept), 1,000 calls each, 3 rounds, with the load.
 */
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { loadavg } from 'node:os';
import { startCloud } from '../src/cloud/server.ts';
import { median } from './stats.ts';

type Signer = 'root' | 'session' | 'user';
async function p50(enforceIam: boolean, signer: Signer) {
  const cloud = await startCloud({ port: 0, enforceIam });
  const cfg = {
    endpoint: cloud.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const iam = new IAMClient(cfg);
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'b',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '000000000000' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'b',
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['ecs:*', 'ecr:*', 'logs:*'], Resource: '*' },
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: 'arn:aws:iam::000000000000:role/x-*',
            Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          },
        ],
      }),
    }),
  );
  const { Credentials: c } = await new STSClient(cfg).send(
    new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/b', RoleSessionName: 'bench' }),
  );
  await iam.send(new CreateUserCommand({ UserName: 'u' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'g' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'g', UserName: 'u' }));
  await iam.send(
    new PutGroupPolicyCommand({
      GroupName: 'g',
      PolicyName: 'p',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['ecs:*', 'ecr:*', 'logs:*'], Resource: '*' }],
      }),
    }),
  );
  const { AccessKey: k } = await iam.send(new CreateAccessKeyCommand({ UserName: 'u' }));
  const credentials = {
    root: cfg.credentials,
    session: {
      accessKeyId: c!.AccessKeyId!,
      secretAccessKey: c!.SecretAccessKey!,
      sessionToken: c!.SessionToken!,
    },
    user: { accessKeyId: k!.AccessKeyId!, secretAccessKey: k!.SecretAccessKey! },
  }[signer];
  const ecs = new ECSClient({ ...cfg, credentials });
  for (let i = 0; i < 100; i++) await ecs.send(new ListClustersCommand({}));
  const s: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = performance.now();
    await ecs.send(new ListClustersCommand({}));
    s.push(performance.now() - t);
  }
  await cloud.close();
  return median(s);
}
export default async function iamEnforcementBench(): Promise<void> {
  const rounds: Array<[number, number, number]> = [];
  for (let r = 0; r < 3; r++)
    rounds.push([await p50(true, 'root'), await p50(true, 'session'), await p50(true, 'user')]);
  for (const [off, on, user] of rounds)
    console.log(
      `ListClusters p50: root (not evaluated) ${off.toFixed(3)} ms, role session (evaluated) ${on.toFixed(3)} ms, added ${(on - off).toFixed(3)} ms; IAM user key (signature checked, evaluated) ${user.toFixed(3)} ms, added ${(user - off).toFixed(3)} ms`,
    );
  console.log(
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}
