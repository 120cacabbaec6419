/** Secrets Manager through the real SDK and the real AWS CLI, and secrets as ECS resolves them. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  GetRandomPasswordCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  RotateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandInput,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  initialSecretsState,
  resolveSecretValue,
  type SecretsState,
} from '../../../src/cloud/services/secretsmanager/index.ts';
import { awsCliAvailable, errorOf, REGION, startTestCloud, type TestCloud } from '../harness.ts';

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

const ARN = /^arn:aws:secretsmanager:us-east-1:000000000000:secret:(.+)-[A-Za-z0-9]{6}$/;
const NOT_FOUND = {
  name: 'ResourceNotFoundException',
  message: "Secrets Manager can't find the specified secret.",
};
const MARKED_DELETED = {
  name: 'InvalidRequestException',
  message: "You can't perform this operation on the secret because it was marked for deletion.",
};

async function create(name: string, value?: string) {
  return sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
}

async function valueOf(SecretId: string, extra: { VersionId?: string; VersionStage?: string } = {}) {
  return (await sm.send(new GetSecretValueCommand({ SecretId, ...extra }))).SecretString;
}

describe('CreateSecret and GetSecretValue', () => {
  it('creates a secret with an ARN ending in a 6-character suffix and its first version AWSCURRENT', async () => {
    const created = await create('app/db', 's3cret');
    expect(created.ARN).toMatch(ARN);
    expect(ARN.exec(created.ARN!)![1]).toBe('app/db');
    expect(created.Name).toBe('app/db');
    expect(created.VersionId).toMatch(/^[0-9a-f-]{36}$/); // the SDK's ClientRequestToken becomes the version id
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'app/db' }));
    expect(got).toMatchObject({
      ARN: created.ARN,
      Name: 'app/db',
      VersionId: created.VersionId,
      SecretString: 's3cret',
      VersionStages: ['AWSCURRENT'],
    });
    expect(got.CreatedDate).toBeInstanceOf(Date);
  });

  it('finds a secret by name, full ARN and partial ARN (without the suffix)', async () => {
    const { ARN: arn } = await create('lookup/key', 'v1');
    const partial = arn!.slice(0, -7);
    expect(partial).toBe('arn:aws:secretsmanager:us-east-1:000000000000:secret:lookup/key');
    expect(await valueOf('lookup/key')).toBe('v1');
    expect(await valueOf(arn!)).toBe('v1');
    expect(await valueOf(partial)).toBe('v1');
    expect(await errorOf(valueOf(`${partial}-XXXXXX`))).toEqual(NOT_FOUND);
    expect(await errorOf(valueOf('lookup/none'))).toEqual(NOT_FOUND);
  });

  it('gives a re-created name a new ARN', async () => {
    const first = await create('recreated', 'a');
    await sm.send(new DeleteSecretCommand({ SecretId: 'recreated', ForceDeleteWithoutRecovery: true }));
    const second = await create('recreated', 'b');
    expect(second.ARN).not.toBe(first.ARN);
    expect(await errorOf(valueOf(first.ARN!))).toEqual(NOT_FOUND);
  });

  it('stores binary secrets', async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await sm.send(new CreateSecretCommand({ Name: 'binary', SecretBinary: bytes }));
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'binary' }));
    expect(got.SecretString).toBeUndefined();
    expect([...got.SecretBinary!]).toEqual([...bytes]);
  });

  it('refuses duplicates, bad names, two kinds of value, and reads of a secret without a value', async () => {
    await create('dup', 'x');
    expect(await errorOf(create('dup', 'y'))).toEqual({
      name: 'ResourceExistsException',
      message: 'The operation failed because the secret dup already exists.',
    });
    expect(await errorOf(create('bad name!', 'x'))).toEqual({
      name: 'InvalidParameterException',
      message:
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    });
    expect(
      await errorOf(
        sm.send(
          new CreateSecretCommand({ Name: 'both', SecretString: 'a', SecretBinary: new Uint8Array([1]) }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: "You can't specify both a binary secret value and a string secret value in the same secret.",
    });
    const empty = await create('empty');
    expect(empty.VersionId).toBeUndefined();
    expect(await errorOf(valueOf('empty'))).toEqual({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    });
  });

  it('treats a retried CreateSecret (same token, same value) as done, and the same token with another value as a conflict', async () => {
    const token = 'a'.repeat(32);
    const first = await sm.send(
      new CreateSecretCommand({ Name: 'retried', SecretString: 'v', ClientRequestToken: token }),
    );
    const again = await sm.send(
      new CreateSecretCommand({ Name: 'retried', SecretString: 'v', ClientRequestToken: token }),
    );
    expect(again).toMatchObject({ ARN: first.ARN, VersionId: token });
    expect(
      await errorOf(
        sm.send(
          new PutSecretValueCommand({ SecretId: 'retried', SecretString: 'w', ClientRequestToken: token }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceExistsException' });
  });
});

describe('versions', () => {
  it('PutSecretValue makes the new value AWSCURRENT and the old one AWSPREVIOUS; older versions lose their label', async () => {
    const v1 = await create('rotating', 'one');
    const v2 = await sm.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'two' }));
    expect(v2.VersionStages).toEqual(['AWSCURRENT']);
    expect(v2.VersionId).not.toBe(v1.VersionId);
    expect(await valueOf('rotating')).toBe('two');
    expect(await valueOf('rotating', { VersionStage: 'AWSPREVIOUS' })).toBe('one');
    expect(await valueOf('rotating', { VersionId: v1.VersionId! })).toBe('one');

    const v3 = await sm.send(new PutSecretValueCommand({ SecretId: 'rotating', SecretString: 'three' }));
    expect(await valueOf('rotating', { VersionStage: 'AWSPREVIOUS' })).toBe('two');
    const { VersionIdsToStages } = await sm.send(new DescribeSecretCommand({ SecretId: 'rotating' }));
    expect(VersionIdsToStages).toEqual({ [v2.VersionId!]: ['AWSPREVIOUS'], [v3.VersionId!]: ['AWSCURRENT'] });
    // A deprecated version can still be read by its id.
    expect(await valueOf('rotating', { VersionId: v1.VersionId! })).toBe('one');
  });

  it('moves custom staging labels without touching AWSCURRENT', async () => {
    await create('staged', 'live');
    const pending = await sm.send(
      new PutSecretValueCommand({ SecretId: 'staged', SecretString: 'next', VersionStages: ['AWSPENDING'] }),
    );
    expect(await valueOf('staged')).toBe('live');
    expect(await valueOf('staged', { VersionStage: 'AWSPENDING' })).toBe('next');
    expect(await valueOf('staged', { VersionId: pending.VersionId!, VersionStage: 'AWSPENDING' })).toBe(
      'next',
    );
    expect(
      await errorOf(valueOf('staged', { VersionId: pending.VersionId!, VersionStage: 'AWSCURRENT' })),
    ).toEqual({
      name: 'InvalidRequestException',
      message: 'You provided a VersionStage that is not associated to the provided VersionId.',
    });
  });

  it('makes the first value of a secret created without one AWSCURRENT, whatever else it is labelled', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'empty-first' }));
    const put = await sm.send(
      new PutSecretValueCommand({
        SecretId: 'empty-first',
        SecretString: 'v1',
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect([...put.VersionStages!].sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
    expect(await valueOf('empty-first')).toBe('v1');
    const second = await sm.send(
      new PutSecretValueCommand({
        SecretId: 'empty-first',
        SecretString: 'v2',
        VersionStages: ['AWSPENDING'],
      }),
    );
    expect(second.VersionStages).toEqual(['AWSPENDING']);
    expect(await valueOf('empty-first')).toBe('v1');
  });

  it('refuses unknown versions and labels', async () => {
    await create('versions/unknown', 'x');
    expect(await errorOf(valueOf('versions/unknown', { VersionStage: 'AWSPREVIOUS' }))).toEqual({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    });
    const id = '0'.repeat(32);
    expect(await errorOf(valueOf('versions/unknown', { VersionId: id }))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Secrets Manager can't find the specified secret value for VersionId: ${id}`,
    });
  });

  it('UpdateSecret changes the description and, with a value, adds a version', async () => {
    await sm.send(new CreateSecretCommand({ Name: 'updated', SecretString: 'a', Description: 'before' }));
    const noValue = await sm.send(new UpdateSecretCommand({ SecretId: 'updated', Description: 'after' }));
    expect(noValue.VersionId).toBeUndefined();
    const withValue = await sm.send(new UpdateSecretCommand({ SecretId: 'updated', SecretString: 'b' }));
    expect(withValue.VersionId).toBeDefined();
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'updated' }));
    expect(described.Description).toBe('after');
    expect(await valueOf('updated')).toBe('b');
    expect(await valueOf('updated', { VersionStage: 'AWSPREVIOUS' })).toBe('a');
  });
});

describe('DeleteSecret and RestoreSecret', () => {
  it('schedules deletion after the recovery window; the secret answers InvalidRequestException until restored', async () => {
    const { ARN: arn } = await create('doomed', 'keep me');
    const before = Date.now();
    const deleted = await sm.send(new DeleteSecretCommand({ SecretId: 'doomed', RecoveryWindowInDays: 7 }));
    expect(deleted.ARN).toBe(arn);
    const days = (deleted.DeletionDate!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);

    expect(await errorOf(valueOf('doomed'))).toEqual(MARKED_DELETED);
    expect(
      await errorOf(sm.send(new PutSecretValueCommand({ SecretId: 'doomed', SecretString: 'x' }))),
    ).toEqual(MARKED_DELETED);
    expect(await errorOf(sm.send(new UpdateSecretCommand({ SecretId: 'doomed', Description: 'x' })))).toEqual(
      MARKED_DELETED,
    );
    expect(await errorOf(sm.send(new DeleteSecretCommand({ SecretId: 'doomed' })))).toEqual(MARKED_DELETED);
    expect(await errorOf(create('doomed', 'again'))).toEqual({
      name: 'InvalidRequestException',
      message:
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
    });
    // Describe still works and says when it was deleted; List hides it unless asked.
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }));
    expect(described.DeletedDate).toBeInstanceOf(Date);
    const names = async (IncludePlannedDeletion: boolean) =>
      (
        await sm.send(
          new ListSecretsCommand({ IncludePlannedDeletion, Filters: [{ Key: 'name', Values: ['doomed'] }] }),
        )
      ).SecretList!.map((s) => s.Name);
    expect(await names(false)).toEqual([]);
    expect(await names(true)).toEqual(['doomed']);

    const restored = await sm.send(new RestoreSecretCommand({ SecretId: arn! }));
    expect(restored).toMatchObject({ ARN: arn, Name: 'doomed' });
    expect(await valueOf('doomed')).toBe('keep me');
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'doomed' }))).DeletedDate).toBeUndefined();
  });

  it('defaults the recovery window to 30 days and refuses one outside 7–30', async () => {
    await create('window', 'x');
    for (const RecoveryWindowInDays of [6, 31]) {
      expect(
        await errorOf(sm.send(new DeleteSecretCommand({ SecretId: 'window', RecoveryWindowInDays }))),
      ).toEqual({
        name: 'InvalidParameterException',
        message: 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
      });
    }
    expect(
      await errorOf(
        sm.send(
          new DeleteSecretCommand({
            SecretId: 'window',
            RecoveryWindowInDays: 7,
            ForceDeleteWithoutRecovery: true,
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    });
    const before = Date.now();
    const { DeletionDate } = await sm.send(new DeleteSecretCommand({ SecretId: 'window' }));
    expect(Math.round((DeletionDate!.getTime() - before) / 86_400_000)).toBe(30);
  });

  it('force-deletes at once, also a secret already scheduled for deletion, so the name is free again', async () => {
    await create('forced', 'x');
    await sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));
    expect(await errorOf(sm.send(new DescribeSecretCommand({ SecretId: 'forced' })))).toEqual(NOT_FOUND);
    expect(await errorOf(sm.send(new RestoreSecretCommand({ SecretId: 'forced' })))).toEqual(NOT_FOUND);

    await create('forced', 'y');
    await sm.send(new DeleteSecretCommand({ SecretId: 'forced' }));
    await sm.send(new DeleteSecretCommand({ SecretId: 'forced', ForceDeleteWithoutRecovery: true }));
    await create('forced', 'z');
    expect(await valueOf('forced')).toBe('z');
  });
});

describe('DescribeSecret, ListSecrets and tags', () => {
  it('describes a secret with its tags and dates', async () => {
    await sm.send(
      new CreateSecretCommand({
        Name: 'described',
        SecretString: 'x',
        Description: 'Gemini API key',
        Tags: [
          { Key: 'stage', Value: 'dev' },
          { Key: 'app', Value: 'iscoolgpt' },
        ],
      }),
    );
    await valueOf('described');
    const described = await sm.send(new DescribeSecretCommand({ SecretId: 'described' }));
    expect(described).toMatchObject({
      Name: 'described',
      Description: 'Gemini API key',
      RotationEnabled: false,
      Tags: [
        { Key: 'stage', Value: 'dev' },
        { Key: 'app', Value: 'iscoolgpt' },
      ],
    });
    expect(described.CreatedDate).toBeInstanceOf(Date);
    expect(described.LastChangedDate).toBeInstanceOf(Date);
    // Accessed today, recorded to the day as AWS records it.
    expect(described.LastAccessedDate!.getTime() % 86_400_000).toBe(0);
    expect(described.DeletedDate).toBeUndefined();
  });

  it('tags and untags; a tag key already present takes the new value', async () => {
    await sm.send(
      new CreateSecretCommand({ Name: 'tagged', SecretString: 'x', Tags: [{ Key: 'a', Value: '1' }] }),
    );
    await sm.send(
      new TagResourceCommand({
        SecretId: 'tagged',
        Tags: [
          { Key: 'a', Value: '2' },
          { Key: 'b', Value: '3' },
        ],
      }),
    );
    await sm.send(new UntagResourceCommand({ SecretId: 'tagged', TagKeys: ['b'] }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: 'tagged' }))).Tags).toEqual([
      { Key: 'a', Value: '2' },
    ]);
    expect(await errorOf(sm.send(new TagResourceCommand({ SecretId: 'tagged/none', Tags: [] })))).toEqual(
      NOT_FOUND,
    );
  });

  it('lists secrets by filter (prefix, negation, tags), sorted, a page at a time', async () => {
    for (const [name, team] of [
      ['list/c', 'x'],
      ['list/a', 'y'],
      ['list/b', 'x'],
    ] as const) {
      await sm.send(
        new CreateSecretCommand({ Name: name, SecretString: 'v', Tags: [{ Key: 'team', Value: team }] }),
      );
    }
    const names = async (input: ListSecretsCommandInput) =>
      (await sm.send(new ListSecretsCommand(input))).SecretList!.map((s) => s.Name);
    expect(await names({ Filters: [{ Key: 'name', Values: ['list/'] }], SortBy: 'name' })).toEqual([
      'list/a',
      'list/b',
      'list/c',
    ]);
    expect(
      await names({
        Filters: [
          { Key: 'name', Values: ['list/'] },
          { Key: 'tag-value', Values: ['x'] },
        ],
        SortBy: 'name',
        SortOrder: 'desc',
      }),
    ).toEqual(['list/c', 'list/b']);
    expect(
      await names({
        Filters: [
          { Key: 'name', Values: ['list/'] },
          { Key: 'name', Values: ['!list/a'] },
        ],
        SortBy: 'name',
      }),
    ).toEqual(['list/b', 'list/c']);
    const seen: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await sm.send(
        new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/'] }], MaxResults: 2, NextToken }),
      );
      expect(page.SecretList!.length).toBeLessThanOrEqual(2);
      seen.push(...page.SecretList!.map((s) => s.Name!));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(seen).toEqual(['list/c', 'list/a', 'list/b']); // creation order by default
    const entry = (await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/a'] }] })))
      .SecretList![0]!;
    expect(Object.values(entry.SecretVersionsToStages!)).toEqual([['AWSCURRENT']]);
    expect(
      await errorOf(
        sm.send(new ListSecretsCommand({ Filters: [{ Key: 'colour' as 'name', Values: ['x'] }] })),
      ),
    ).toMatchObject({ name: 'ValidationException' });
    expect(await errorOf(sm.send(new ListSecretsCommand({ NextToken: 'bogus' })))).toEqual({
      name: 'InvalidNextTokenException',
      message: 'You provided an invalid NextToken value.',
    });
  });
});

describe('the deploy pipeline’s calls', () => {
  it('describe (not found), create with tags, describe (ARN), force delete, as provision/secrets.ts makes them', async () => {
    const name = 'iscoolgpt/dev/gemini-api-key';
    expect(await errorOf(sm.send(new DescribeSecretCommand({ SecretId: name })))).toEqual(NOT_FOUND);
    const { ARN: arn } = await sm.send(
      new CreateSecretCommand({
        Name: name,
        Description: 'placeholder made by devkit',
        SecretString: 'placeholder',
        Tags: [{ Key: 'devkit:stack', Value: 'iscoolgpt' }],
      }),
    );
    const described = await sm.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.ARN).toBe(arn);
    expect(described.DeletedDate).toBeUndefined();
    await sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect(await errorOf(sm.send(new DescribeSecretCommand({ SecretId: name })))).toEqual(NOT_FOUND);
  });
});

describe('persistence', () => {
  it('keeps secrets, versions, ARNs and deletion schedules across a restart', async () => {
    const { ARN: arn } = await create('persist/kept', 'one');
    await sm.send(new PutSecretValueCommand({ SecretId: 'persist/kept', SecretString: 'two' }));
    await create('persist/deleted', 'gone?');
    await sm.send(new DeleteSecretCommand({ SecretId: 'persist/deleted' }));
    await t.stop();
    await t.restart();
    sm.destroy();
    sm = new SecretsManagerClient(t.clientConfig);
    expect(await valueOf(arn!)).toBe('two');
    expect(await valueOf('persist/kept', { VersionStage: 'AWSPREVIOUS' })).toBe('one');
    expect(await errorOf(valueOf('persist/deleted'))).toEqual(MARKED_DELETED);
    await sm.send(new RestoreSecretCommand({ SecretId: 'persist/deleted' }));
    expect(await valueOf('persist/deleted')).toBe('gone?');
  });
});

describe('resolveSecretValue (secrets as ECS injects them)', () => {
  const state = () => t.cloud.store.slice<SecretsState>('secretsmanager', REGION, initialSecretsState);
  let arn: string;

  beforeAll(async () => {
    arn = (await create('ecs/db', JSON.stringify({ username: 'app', port: 5432, tls: true, extra: null })))
      .ARN!;
    await sm.send(
      new PutSecretValueCommand({ SecretId: 'ecs/db', SecretString: JSON.stringify({ username: 'app2' }) }),
    );
    await create('ecs/plain', 'plain-value');
  });

  it('resolves a name, a full ARN and a partial ARN to the AWSCURRENT value', () => {
    expect(resolveSecretValue(state(), 'ecs/plain')).toBe('plain-value');
    const plainArn = Object.values(state().secrets).find((s) => s.name === 'ecs/plain')!.arn;
    expect(resolveSecretValue(state(), plainArn)).toBe('plain-value');
    expect(resolveSecretValue(state(), plainArn.slice(0, -7))).toBe('plain-value');
  });

  it('selects a JSON key, a version stage and a version id from the ARN’s trailing fields', async () => {
    expect(resolveSecretValue(state(), `${arn}:username::`)).toBe('app2');
    expect(resolveSecretValue(state(), `${arn}:username:AWSPREVIOUS:`)).toBe('app');
    expect(resolveSecretValue(state(), `${arn}:port:AWSPREVIOUS:`)).toBe('5432');
    expect(resolveSecretValue(state(), `${arn}:tls:AWSPREVIOUS`)).toBe('true');
    expect(resolveSecretValue(state(), `${arn}::AWSPREVIOUS:`)).toBe(
      JSON.stringify({ username: 'app', port: 5432, tls: true, extra: null }),
    );
    const { VersionIdsToStages } = await sm.send(new DescribeSecretCommand({ SecretId: arn }));
    const previousId = Object.entries(VersionIdsToStages!).find(([, stages]) =>
      stages.includes('AWSPREVIOUS'),
    )![0];
    expect(resolveSecretValue(state(), `${arn}:username::${previousId}`)).toBe('app');
  });

  it('fails as Fargate fails a task whose secret is missing, deleted, or lacks the key', async () => {
    const prefix =
      'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): ';
    const missing = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:ecs/none-AbCdEf';
    expect(() => resolveSecretValue(state(), missing)).toThrow(
      new RegExp(
        `^${escape(prefix)}failed to fetch secret ${escape(missing)} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret\\. status code: 400, request id: [0-9a-f-]{36}$`,
      ),
    );
    expect(() => resolveSecretValue(state(), `${arn}:password::`)).toThrow(
      `${prefix}retrieved secret from Secrets Manager did not contain json key password`,
    );
    expect(() => resolveSecretValue(state(), 'ecs/plain:key')).toThrow("can't find the specified secret");
    expect(() => resolveSecretValue(state(), `${arn}::AWSPENDING:`)).toThrow(
      "ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );
    const plainArn = Object.values(state().secrets).find((s) => s.name === 'ecs/plain')!.arn;
    expect(() => resolveSecretValue(state(), `${plainArn}:key::`)).toThrow(
      `${prefix}invalid character 'p' looking for beginning of value`,
    );
    expect(() => resolveSecretValue(state(), 'arn:aws:ssm:us-east-1:000000000000:parameter/app/key')).toThrow(
      'unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: app/key',
    );

    await sm.send(new DeleteSecretCommand({ SecretId: 'ecs/plain' }));
    expect(() => resolveSecretValue(state(), 'ecs/plain')).toThrow(
      `${prefix}failed to fetch secret ecs/plain from secrets manager: InvalidRequestException: You can't perform this operation on the secret because it was marked for deletion.`,
    );
    await sm.send(new RestoreSecretCommand({ SecretId: 'ecs/plain' }));
    expect(resolveSecretValue(state(), 'ecs/plain')).toBe('plain-value');
  });

  it('works on a state of its own (no server needed)', () => {
    const fresh = initialSecretsState();
    expect(() => resolveSecretValue(fresh, 'anything')).toThrow('ResourceNotFoundException');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe.skipIf(!awsCliAvailable)('AWS CLI', () => {
  it('runs the deploy workflow’s sequence: describe (not found), create from a file, put-secret-value, get', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devkit-secret-'));
    try {
      const keyfile = join(dir, 'key');
      await writeFile(keyfile, 'first-key');
      const name = 'iscoolgpt/prod/gemini-api-key';
      const missing = await t.aws(['secretsmanager', 'describe-secret', '--secret-id', name]).then(
        () => '',
        (error: { stderr: string }) => error.stderr,
      );
      expect(missing).toContain('ResourceNotFoundException');
      expect(missing).toContain("Secrets Manager can't find the specified secret.");

      const created = await t.aws([
        'secretsmanager',
        'create-secret',
        '--name',
        name,
        '--description',
        'Gemini API key for IsCoolGPT (prod)',
        '--secret-string',
        `file://${keyfile}`,
      ]);
      expect((created.json as { ARN: string }).ARN).toMatch(ARN);

      await writeFile(keyfile, 'second-key');
      await t.aws(['secretsmanager', 'describe-secret', '--secret-id', name]);
      const put = await t.aws([
        'secretsmanager',
        'put-secret-value',
        '--secret-id',
        name,
        '--secret-string',
        `file://${keyfile}`,
      ]);
      expect((put.json as { VersionStages: string[] }).VersionStages).toEqual(['AWSCURRENT']);

      const current = await t.aws(['secretsmanager', 'get-secret-value', '--secret-id', name]);
      expect(current.json).toMatchObject({
        Name: name,
        SecretString: 'second-key',
        VersionStages: ['AWSCURRENT'],
      });
      expect(typeof (current.json as { CreatedDate: unknown }).CreatedDate).toBe('string'); // the CLI parsed the timestamp
      const previous = await t.aws([
        'secretsmanager',
        'get-secret-value',
        '--secret-id',
        name,
        '--version-stage',
        'AWSPREVIOUS',
      ]);
      expect((previous.json as { SecretString: string }).SecretString).toBe('first-key');

      const deleted = await t.aws([
        'secretsmanager',
        'delete-secret',
        '--secret-id',
        name,
        '--recovery-window-in-days',
        '7',
      ]);
      expect((deleted.json as { DeletionDate: string }).DeletionDate).toBeDefined();
      const refused = await t.aws(['secretsmanager', 'get-secret-value', '--secret-id', name]).then(
        () => '',
        (error: { stderr: string }) => error.stderr,
      );
      expect(refused).toContain('InvalidRequestException');
      await t.aws(['secretsmanager', 'restore-secret', '--secret-id', name]);
      const listed = await t.aws(['secretsmanager', 'list-secrets', '--filters', `Key=name,Values=${name}`]);
      expect((listed.json as { SecretList: Array<{ Name: string }> }).SecretList.map((s) => s.Name)).toEqual([
        name,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('random passwords, resource policies and rotation configuration', () => {
  it('generates passwords from the documented character classes, one of each included type by default', async () => {
    const { RandomPassword } = await sm.send(new GetRandomPasswordCommand({}));
    expect(RandomPassword).toHaveLength(32);
    for (const cls of [/[A-Z]/, /[a-z]/, /[0-9]/, /[!-/:-@[-`{-~]/]) expect(RandomPassword).toMatch(cls);
    expect(RandomPassword).not.toContain(' ');
    const digits = await sm.send(
      new GetRandomPasswordCommand({
        PasswordLength: 64,
        ExcludeUppercase: true,
        ExcludeLowercase: true,
        ExcludePunctuation: true,
        ExcludeCharacters: '01',
      }),
    );
    expect(digits.RandomPassword).toMatch(/^[2-9]{64}$/);
    const spaced = await sm.send(
      new GetRandomPasswordCommand({ PasswordLength: 5, IncludeSpace: true, ExcludePunctuation: true }),
    );
    expect(spaced.RandomPassword).toContain(' ');
    expect(
      (
        await errorOf(
          sm.send(
            new GetRandomPasswordCommand({
              ExcludeUppercase: true,
              ExcludeLowercase: true,
              ExcludeNumbers: true,
              ExcludePunctuation: true,
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterException');
    expect((await errorOf(sm.send(new GetRandomPasswordCommand({ PasswordLength: 3 })))).name).toBe(
      'InvalidParameterException',
    );
    expect((await errorOf(sm.send(new GetRandomPasswordCommand({ PasswordLength: 0 })))).name).toBe(
      'ValidationException',
    );
  });

  it('stores, returns and deletes a resource policy, refusing one that is no JSON object', async () => {
    const { ARN } = await create('with-policy', 'v');
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:root' },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        },
      ],
    });
    expect(
      await sm.send(new PutResourcePolicyCommand({ SecretId: 'with-policy', ResourcePolicy: policy })),
    ).toMatchObject({
      ARN,
      Name: 'with-policy',
    });
    expect(await sm.send(new GetResourcePolicyCommand({ SecretId: ARN! }))).toMatchObject({
      ARN,
      ResourcePolicy: policy,
    });
    expect(
      await errorOf(sm.send(new PutResourcePolicyCommand({ SecretId: 'with-policy', ResourcePolicy: '[1' }))),
    ).toEqual({
      name: 'MalformedPolicyDocumentException',
      message: 'This resource policy contains a syntax error.',
    });
    await sm.send(new DeleteResourcePolicyCommand({ SecretId: 'with-policy' }));
    expect(
      (await sm.send(new GetResourcePolicyCommand({ SecretId: 'with-policy' }))).ResourcePolicy,
    ).toBeUndefined();
    expect(await errorOf(sm.send(new GetResourcePolicyCommand({ SecretId: 'no-such-secret' })))).toEqual(
      NOT_FOUND,
    );
  });

  it('records rotation as DescribeSecret shows it; CancelRotateSecret turns it off and keeps the function', async () => {
    await create('rotated', 'v');
    expect((await errorOf(sm.send(new RotateSecretCommand({ SecretId: 'rotated' })))).name).toBe(
      'InvalidRequestException',
    );
    const lambda = 'arn:aws:lambda:us-east-1:000000000000:function:SecretsManagerTestRotationLambda';
    const rotated = await sm.send(
      new RotateSecretCommand({
        SecretId: 'rotated',
        RotationLambdaARN: lambda,
        RotationRules: { ScheduleExpression: 'cron(0 16 1,15 * ? *)', Duration: '2h' },
      }),
    );
    expect(rotated).toMatchObject({ Name: 'rotated' });
    expect(await sm.send(new DescribeSecretCommand({ SecretId: 'rotated' }))).toMatchObject({
      RotationEnabled: true,
      RotationLambdaARN: lambda,
      RotationRules: { ScheduleExpression: 'cron(0 16 1,15 * ? *)', Duration: '2h' },
    });
    await sm.send(new CancelRotateSecretCommand({ SecretId: 'rotated' }));
    expect(await sm.send(new DescribeSecretCommand({ SecretId: 'rotated' }))).toMatchObject({
      RotationEnabled: false,
      RotationLambdaARN: lambda,
    });
  });

  it.runIf(awsCliAvailable)('answers get-random-password as its documented example', async () => {
    const { json } = await t.aws([
      'secretsmanager',
      'get-random-password',
      '--require-each-included-type',
      '--password-length',
      '20',
    ]);
    expect((json as { RandomPassword: string }).RandomPassword).toHaveLength(20);
  });
});
