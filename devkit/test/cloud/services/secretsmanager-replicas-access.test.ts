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
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
  StopReplicationToReplicaCommand,
} from '@aws-sdk/client-secrets-manager';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

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

describe('replicas', () => {
  it('are secrets in their regions that follow the primary until StopReplicationToReplica makes one standalone', async () => {
    const eu = new SecretsManagerClient({ ...t.clientConfig, region: 'eu-west-1' });
    clients.push(eu);
    const { ARN: primaryArn } = await sm.send(
      new CreateSecretCommand({ Name: 'shared/db', SecretString: 'v1', Description: 'the database' }),
    );
    const { ReplicationStatus } = await sm.send(
      new ReplicateSecretToRegionsCommand({
        SecretId: 'shared/db',
        AddReplicaRegions: [{ Region: 'eu-west-1', KmsKeyId: 'alias/replica-key' }],
      }),
    );
    expect(ReplicationStatus).toEqual([
      {
        Region: 'eu-west-1',
        KmsKeyId: 'alias/replica-key',
        Status: 'InSync',
        StatusMessage: 'Replication succeeded',
      },
    ]);
    // The replica's ARN is the primary's with its own region.
    const replicaArn = primaryArn!.replace(':us-east-1:', ':eu-west-1:');
    expect(await eu.send(new DescribeSecretCommand({ SecretId: 'shared/db' }))).toMatchObject({
      ARN: replicaArn,
      Description: 'the database',
      KmsKeyId: 'alias/replica-key',
      PrimaryRegion: 'us-east-1',
    });
    await sm.send(new PutSecretValueCommand({ SecretId: 'shared/db', SecretString: 'v2' }));
    expect((await eu.send(new GetSecretValueCommand({ SecretId: replicaArn }))).SecretString).toBe('v2');
    await expect(
      eu.send(new PutSecretValueCommand({ SecretId: 'shared/db', SecretString: 'mine' })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(
      eu.send(new DeleteSecretCommand({ SecretId: 'shared/db', ForceDeleteWithoutRecovery: true })),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
    // Called on the primary, in its own region, it is no replica.
    await expect(
      sm.send(new StopReplicationToReplicaCommand({ SecretId: 'shared/db' })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });

    const promoted = await eu.send(new StopReplicationToReplicaCommand({ SecretId: 'shared/db' }));
    expect(promoted.ARN).toBe(replicaArn);
    const standalone = await eu.send(new DescribeSecretCommand({ SecretId: 'shared/db' }));
    expect(standalone.PrimaryRegion).toBeUndefined();
    expect(standalone.ReplicationStatus).toBeUndefined();
    await eu.send(new PutSecretValueCommand({ SecretId: 'shared/db', SecretString: 'eu-own' }));
    await sm.send(new PutSecretValueCommand({ SecretId: 'shared/db', SecretString: 'v3' }));
    expect((await eu.send(new GetSecretValueCommand({ SecretId: 'shared/db' }))).SecretString).toBe('eu-own');
    // The primary no longer replicates there.
    expect(
      (await sm.send(new DescribeSecretCommand({ SecretId: 'shared/db' }))).ReplicationStatus,
    ).toBeUndefined();

    // A region already holding a secret of that name gets no replica: its status is Failed.
    await sm.send(new CreateSecretCommand({ Name: 'taken', SecretString: 'us' }));
    await eu.send(new CreateSecretCommand({ Name: 'taken', SecretString: 'eu' }));
    const failed = await sm.send(
      new ReplicateSecretToRegionsCommand({
        SecretId: 'taken',
        AddReplicaRegions: [{ Region: 'eu-west-1' }],
      }),
    );
    expect(failed.ReplicationStatus).toMatchObject([{ Region: 'eu-west-1', Status: 'Failed' }]);
    expect((await eu.send(new GetSecretValueCommand({ SecretId: 'taken' }))).SecretString).toBe('eu');

    // Removing a region deletes the replica there.
    await sm.send(
      new ReplicateSecretToRegionsCommand({
        SecretId: 'taken',
        AddReplicaRegions: [{ Region: 'ap-south-1' }],
      }),
    );
    const ap = new SecretsManagerClient({ ...t.clientConfig, region: 'ap-south-1' });
    clients.push(ap);
    expect((await ap.send(new GetSecretValueCommand({ SecretId: 'taken' }))).SecretString).toBe('us');
    await sm.send(
      new RemoveRegionsFromReplicationCommand({ SecretId: 'taken', RemoveReplicaRegions: ['ap-south-1'] }),
    );
    await expect(ap.send(new DescribeSecretCommand({ SecretId: 'taken' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });

    // Both regions' changes were kept.
    await t.stop();
    await t.restart();
    const us = new SecretsManagerClient(t.clientConfig);
    const euAgain = new SecretsManagerClient({ ...t.clientConfig, region: 'eu-west-1' });
    clients.push(us, euAgain);
    sm = us;
    expect((await euAgain.send(new GetSecretValueCommand({ SecretId: 'shared/db' }))).SecretString).toBe(
      'eu-own',
    );
    expect(
      (await euAgain.send(new DescribeSecretCommand({ SecretId: 'shared/db' }))).PrimaryRegion,
    ).toBeUndefined();
    expect((await us.send(new GetSecretValueCommand({ SecretId: 'shared/db' }))).SecretString).toBe('v3');
  });

  it.skipIf(!awsCliAvailable)(
    'are promoted by the AWS CLI (stop-replication-to-replica in the replica region)',
    { timeout: 120_000 },
    async () => {
      await sm.send(new CreateSecretCommand({ Name: 'cli/db', SecretString: 'x' }));
      await t.aws([
        'secretsmanager',
        'replicate-secret-to-regions',
        '--secret-id',
        'cli/db',
        '--add-replica-regions',
        'Region=eu-central-1',
      ]);
      const promoted = (
        await t.aws([
          'secretsmanager',
          'stop-replication-to-replica',
          '--secret-id',
          'cli/db',
          '--region',
          'eu-central-1',
        ])
      ).json as { ARN: string };
      expect(promoted.ARN).toMatch(
        /^arn:aws:secretsmanager:eu-central-1:000000000000:secret:cli\/db-[A-Za-z0-9]{6}$/,
      );
      const described = (
        await t.aws([
          'secretsmanager',
          'describe-secret',
          '--secret-id',
          'cli/db',
          '--region',
          'eu-central-1',
        ])
      ).json as { PrimaryRegion?: string; ARN: string };
      expect(described).toMatchObject({ ARN: promoted.ARN });
      expect(described.PrimaryRegion).toBeUndefined();
    },
  );
});
