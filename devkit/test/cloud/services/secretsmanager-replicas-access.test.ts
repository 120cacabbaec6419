/**
 * Secrets Manager under IAM enforcement and across regions, from the API reference:
 * BatchGetSecretValue needs secretsmanager:BatchGetSecretValue for the call (and ListSecrets with
 * filters) and GetSecretValue per secret, a denied secret being an AccessDeniedException entry in
 * Errors while the others are returned; replicas are secrets in their regions, and
 * StopReplicationToReplica (called in the replica's region) makes one a standalone secret. One
 * enforcing cloud for the file; `test`/`test` acts as the account root.
 */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
let t: TestCloud;
let sm: SecretsManagerClient;
const clients: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  t = await startTestCloud({ enforceIam: true });
  sm = new SecretsManagerClient(t.clientConfig);
  clients.push(sm);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.dispose();
});

/** A role session allowed `statements`, as a Secrets Manager client. */
async function sessionAllowed(role: string, statements: Array<Record<string, unknown>>) {
  const iam = new IAMClient(t.clientConfig);
  const sts = new STSClient(t.clientConfig);
  clients.push(iam, sts);
  await iam.send(
    new CreateRoleCommand({
      RoleName: role,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: role,
      PolicyName: 'secrets',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: 'app' }),
  );
  const client = new SecretsManagerClient({
    ...t.clientConfig,
    credentials: {
      accessKeyId: c!.AccessKeyId!,
      secretAccessKey: c!.SecretAccessKey!,
      sessionToken: c!.SessionToken!,
    },
  });
  clients.push(client);
  return client;
}

describe('BatchGetSecretValue under IAM enforcement', () => {
  it('lists each secret it may not read in Errors as AccessDeniedException and returns the rest', async () => {
    const { ARN: openArn } = await sm.send(
      new CreateSecretCommand({ Name: 'batch/open', SecretString: 'o' }),
    );
    const { ARN: closedArn } = await sm.send(
      new CreateSecretCommand({ Name: 'batch/closed', SecretString: 'c' }),
    );
    const reader = await sessionAllowed('batch-reader', [
      { Effect: 'Allow', Action: 'secretsmanager:BatchGetSecretValue', Resource: '*' },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: openArn },
    ]);
    const byId = await reader.send(
      new BatchGetSecretValueCommand({ SecretIdList: ['batch/open', 'batch/closed'] }),
    );
    expect(byId.SecretValues!.map((v) => [v.Name, v.SecretString])).toEqual([['batch/open', 'o']]);
    expect(byId.Errors).toEqual([
      {
        SecretId: 'batch/closed',
        ErrorCode: 'AccessDeniedException',
        Message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/batch-reader/app is not authorized to perform: secretsmanager:GetSecretValue on resource: ${closedArn} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      },
    ]);
    // Filters need ListSecrets for the call itself: without it the whole call is refused.
    await expect(
      reader.send(new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['batch/'] }] })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('secretsmanager:ListSecrets'),
    });
    const lister = await sessionAllowed('batch-lister', [
      {
        Effect: 'Allow',
        Action: ['secretsmanager:BatchGetSecretValue', 'secretsmanager:ListSecrets'],
        Resource: '*',
      },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: closedArn },
    ]);
    const byFilter = await lister.send(
      new BatchGetSecretValueCommand({ Filters: [{ Key: 'name', Values: ['batch/'] }] }),
    );
    expect(byFilter.SecretValues!.map((v) => v.Name)).toEqual(['batch/closed']);
    expect(byFilter.Errors).toMatchObject([{ SecretId: openArn, ErrorCode: 'AccessDeniedException' }]);
    // Without BatchGetSecretValue itself, nothing is read.
    const single = await sessionAllowed('single-reader', [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
    ]);
    await expect(
      single.send(new BatchGetSecretValueCommand({ SecretIdList: ['batch/open'] })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('secretsmanager:BatchGetSecretValue'),
    });
  });
});
