/**
 * Secrets Manager's version, batch, policy-validation and replication calls, from the API
 * reference's examples and error lists: ListSecretVersionIds, UpdateSecretVersionStage (AWS's
 * staging-label rules), BatchGetSecretValue (SDK only: the Debian AWS CLI 2.9 predates it),
 * ValidateResourcePolicy, ReplicateSecretToRegions / RemoveRegionsFromReplication.
 */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  ValidateResourcePolicyCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let sm: SecretsManagerClient;

beforeAll(async () => {
  t = await startTestCloud();
  sm = new SecretsManagerClient(t.clientConfig);
});
afterAll(async () => {
  sm.destroy();
  await t.dispose();
});

const token = (n: number) => `EXAMPLE${n}-90ab-cdef-fedc-ba987EXAMPLE`.padEnd(36, 'x');

/** A secret with three versions: v1 (deprecated), v2 (AWSPREVIOUS), v3 (AWSCURRENT). */
async function secretWithVersions(name: string): Promise<string[]> {
  await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'one', ClientRequestToken: token(1) }));
  await sm.send(
    new PutSecretValueCommand({ SecretId: name, SecretString: 'two', ClientRequestToken: token(2) }),
  );
  await sm.send(
    new PutSecretValueCommand({ SecretId: name, SecretString: 'three', ClientRequestToken: token(3) }),
  );
  return [token(1), token(2), token(3)];
}

describe('ListSecretVersionIds', () => {
  it('lists labelled versions, deprecated ones when asked, a page at a time', async () => {
    const [v1, v2, v3] = await secretWithVersions('versions/list');
    const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'versions/list' }));
    expect(listed).toMatchObject({
      Name: 'versions/list',
      ARN: expect.stringContaining(':secret:versions/list-'),
    });
    expect(listed.Versions!.map((v) => [v.VersionId, v.VersionStages])).toEqual([
      [v2, ['AWSPREVIOUS']],
      [v3, ['AWSCURRENT']],
    ]);
    expect(listed.Versions![0]!.CreatedDate).toBeInstanceOf(Date);
    const all = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: 'versions/list', IncludeDeprecated: true }),
    );
    expect(all.Versions!.map((v) => v.VersionId)).toEqual([v1, v2, v3]);
    const first = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: 'versions/list', IncludeDeprecated: true, MaxResults: 2 }),
    );
    expect(first.Versions).toHaveLength(2);
    const second = await sm.send(
      new ListSecretVersionIdsCommand({
        SecretId: 'versions/list',
        IncludeDeprecated: true,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Versions!.map((v) => v.VersionId)).toEqual([v3]);
    expect(second.NextToken).toBeUndefined();
    expect(await errorOf(sm.send(new ListSecretVersionIdsCommand({ SecretId: 'versions/none' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    });
    expect(
      await errorOf(sm.send(new ListSecretVersionIdsCommand({ SecretId: 'versions/list', NextToken: 'eA' }))),
    ).toMatchObject({ name: 'InvalidNextTokenException' });
  });
});

describe('UpdateSecretVersionStage', () => {
  it('moves AWSCURRENT back (the version it leaves becomes AWSPREVIOUS), adds and removes custom labels', async () => {
    const [v1, v2, v3] = await secretWithVersions('versions/stage');
    const stages = async () =>
      (await sm.send(new DescribeSecretCommand({ SecretId: 'versions/stage' }))).VersionIdsToStages;

    // The label is held by v3: moving it needs RemoveFromVersionId naming v3.
    expect(
      await errorOf(
        sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'versions/stage',
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: v1,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${v3}, so you must explicitly reference that version in RemoveFromVersionId.`,
    });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'versions/stage',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v1,
        RemoveFromVersionId: v3,
      }),
    );
    expect(await stages()).toEqual({ [v1!]: ['AWSCURRENT'], [v3!]: ['AWSPREVIOUS'] });
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'versions/stage' }))).SecretString).toBe(
      'one',
    );

    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'versions/stage',
        VersionStage: 'STAGING',
        MoveToVersionId: v2,
      }),
    );
    expect(await stages()).toEqual({ [v1!]: ['AWSCURRENT'], [v2!]: ['STAGING'], [v3!]: ['AWSPREVIOUS'] });
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'versions/stage',
        VersionStage: 'STAGING',
        RemoveFromVersionId: v2,
      }),
    );
    expect(await stages()).toEqual({ [v1!]: ['AWSCURRENT'], [v3!]: ['AWSPREVIOUS'] });

    expect(
      await errorOf(
        sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'versions/stage',
            VersionStage: 'AWSCURRENT',
            RemoveFromVersionId: v1,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message:
        "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.",
    });
    expect(
      await errorOf(
        sm.send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'versions/stage',
            VersionStage: 'X',
            MoveToVersionId: token(9),
          }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(
      await errorOf(
        sm.send(new UpdateSecretVersionStageCommand({ SecretId: 'versions/stage', VersionStage: 'X' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('BatchGetSecretValue', () => {
  it('reads secrets by id or by filter; unreadable ones are listed in Errors', async () => {
    await sm.send(
      new CreateSecretCommand({ Name: 'batch/a', SecretString: 'A', Tags: [{ Key: 'team', Value: 'api' }] }),
    );
    await sm.send(new CreateSecretCommand({ Name: 'batch/b', SecretString: 'B' }));
    await sm.send(new CreateSecretCommand({ Name: 'batch/empty' }));
    const byId = await sm.send(
      new BatchGetSecretValueCommand({
        SecretIdList: ['batch/a', 'batch/b', 'batch/missing', 'batch/empty'],
      }),
    );
    expect(byId.SecretValues!.map((v) => [v.Name, v.SecretString, v.VersionStages])).toEqual([
      ['batch/a', 'A', ['AWSCURRENT']],
      ['batch/b', 'B', ['AWSCURRENT']],
    ]);
    expect(byId.Errors).toEqual([
      {
        SecretId: 'batch/missing',
        ErrorCode: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret.",
      },
      {
        SecretId: 'batch/empty',
        ErrorCode: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      },
    ]);
    const byFilter = await sm.send(
      new BatchGetSecretValueCommand({ Filters: [{ Key: 'tag-key', Values: ['team'] }], MaxResults: 5 }),
    );
    expect(byFilter.SecretValues!.map((v) => v.Name)).toEqual(['batch/a']);
    expect(
      await errorOf(
        sm.send(
          new BatchGetSecretValueCommand({
            SecretIdList: ['batch/a'],
            Filters: [{ Key: 'name', Values: ['batch'] }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['batch/a'], MaxResults: 2 }))),
    ).toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});

const policy = (statement: Record<string, unknown>) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Action: 'secretsmanager:GetSecretValue', Resource: '*', ...statement }],
  });

describe('ValidateResourcePolicy', () => {
  it('passes a policy for one account, flags one for everyone, refuses a grammar error', async () => {
    expect(
      await sm.send(
        new ValidateResourcePolicyCommand({
          ResourcePolicy: policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' } }),
        }),
      ),
    ).toMatchObject({ PolicyValidationPassed: true, ValidationErrors: [] });
    const broad = await sm.send(
      new ValidateResourcePolicyCommand({
        ResourcePolicy: policy({ Sid: 'Everyone', Effect: 'Allow', Principal: '*' }),
      }),
    );
    expect(broad.PolicyValidationPassed).toBe(false);
    expect(broad.ValidationErrors).toEqual([
      { CheckName: 'BROAD_ACCESS', ErrorMessage: expect.stringContaining('Everyone') },
    ]);
    expect(
      await errorOf(
        sm.send(
          new ValidateResourcePolicyCommand({ ResourcePolicy: policy({ Effect: 'Maybe', Principal: '*' }) }),
        ),
      ),
    ).toEqual({ name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.' });
    expect(
      await errorOf(
        sm.send(
          new ValidateResourcePolicyCommand({
            SecretId: 'policy/none',
            ResourcePolicy: policy({ Effect: 'Deny', Principal: '*' }),
          }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('replication', () => {
  it('adds and removes replica regions, reported by DescribeSecret, and keeps the primary from deletion', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'replicated', SecretString: 'x' }));
    const added = await sm.send(
      new ReplicateSecretToRegionsCommand({
        SecretId: 'replicated',
        AddReplicaRegions: [{ Region: 'eu-west-1' }],
      }),
    );
    expect(added.ReplicationStatus).toEqual([
      {
        Region: 'eu-west-1',
        KmsKeyId: 'alias/aws/secretsmanager',
        Status: 'InSync',
        StatusMessage: 'Replication succeeded',
      },
    ]);
    expect(await sm.send(new DescribeSecretCommand({ SecretId: 'replicated' }))).toMatchObject({
      PrimaryRegion: 'us-east-1',
      ReplicationStatus: added.ReplicationStatus,
    });
    const listed = await sm.send(
      new ListSecretsCommand({ Filters: [{ Key: 'primary-region', Values: ['us-east-1'] }] }),
    );
    expect(listed.SecretList!.map((s) => s.Name)).toEqual(['replicated']);
    expect(
      await errorOf(
        sm.send(
          new ReplicateSecretToRegionsCommand({
            SecretId: 'replicated',
            AddReplicaRegions: [{ Region: 'us-east-1' }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(sm.send(new DeleteSecretCommand({ SecretId: 'replicated' })))).toEqual({
      name: 'InvalidRequestException',
      message: "You can't delete secret replicated that still has replica regions [eu-west-1]",
    });
    const removed = await sm.send(
      new RemoveRegionsFromReplicationCommand({
        SecretId: 'replicated',
        RemoveReplicaRegions: ['eu-west-1'],
      }),
    );
    expect(removed.ReplicationStatus).toEqual([]);
    expect(
      (await sm.send(new DescribeSecretCommand({ SecretId: 'replicated' }))).ReplicationStatus,
    ).toBeUndefined();
    await sm.send(new DeleteSecretCommand({ SecretId: 'replicated', ForceDeleteWithoutRecovery: true }));
  });

  it('keeps labels and replicas across a restart', async () => {
    const [v1, , v3] = await secretWithVersions('versions/kept');
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'versions/kept',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v1,
        RemoveFromVersionId: v3,
      }),
    );
    await sm.send(
      new ReplicateSecretToRegionsCommand({
        SecretId: 'versions/kept',
        AddReplicaRegions: [{ Region: 'eu-central-1' }],
      }),
    );
    sm.destroy();
    await t.stop();
    await t.restart();
    sm = new SecretsManagerClient(t.clientConfig);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'versions/kept' }));
    expect(described.VersionIdsToStages![v1!]).toEqual(['AWSCURRENT']);
    expect(described.ReplicationStatus![0]!.Region).toBe('eu-central-1');
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('moves a label with update-secret-version-stage and validates a policy', async () => {
    const [v1, v2] = await secretWithVersions('versions/cli');
    await t.aws([
      'secretsmanager',
      'update-secret-version-stage',
      '--secret-id',
      'versions/cli',
      '--version-stage',
      'AWSPENDING',
      '--move-to-version-id',
      v1!,
    ]);
    const { json } = await t.aws([
      'secretsmanager',
      'validate-resource-policy',
      '--resource-policy',
      policy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' } }),
    ]);
    expect(json).toEqual({ PolicyValidationPassed: true, ValidationErrors: [] });
    const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'versions/cli' }));
    expect(versions.Versions!.find((v) => v.VersionId === v1)?.VersionStages).toEqual(['AWSPENDING']);
    expect(versions.Versions!.find((v) => v.VersionId === v2)?.VersionStages).toEqual(['AWSPREVIOUS']);
  });
});
