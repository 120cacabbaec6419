/**
 * Customer-managed prefix lists, from the EC2 API reference's examples and error codes: create with
 * entries, versioned modification (CurrentVersion, PrefixListVersionMismatch), entries of any
 * version, resizing, the associations security-group rules make (PrefixListIds), deletion, tags,
 * DryRun, AWS's own lists left read-only — through the real SDK and the real AWS CLI, and kept
 * across a restart.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateManagedPrefixListCommand,
  CreateSecurityGroupCommand,
  DeleteManagedPrefixListCommand,
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeTagsCommand,
  EC2Client,
  GetManagedPrefixListAssociationsCommand,
  GetManagedPrefixListEntriesCommand,
  ModifyManagedPrefixListCommand,
  ModifySecurityGroupRulesCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingressAllows, type Ec2State } from '../../../src/cloud/services/ec2/index.ts';
import { awsCliAvailable, errorOf, REGION, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = new EC2Client(t.clientConfig);
});
afterAll(async () => {
  ec2.destroy();
  await t.dispose();
});

async function createList(name: string, cidrs: string[], maxEntries = 10) {
  const { PrefixList } = await ec2.send(
    new CreateManagedPrefixListCommand({
      PrefixListName: name,
      AddressFamily: 'IPv4',
      MaxEntries: maxEntries,
      Entries: cidrs.map((Cidr) => ({ Cidr, Description: `${Cidr} desc` })),
    }),
  );
  return PrefixList!;
}

async function entries(PrefixListId: string, TargetVersion?: number) {
  return (await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId, TargetVersion }))).Entries;
}

async function describe1(id: string) {
  return (await ec2.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: [id] }))).PrefixLists![0]!;
}

async function securityGroup(name: string): Promise<string> {
  return (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name }))).GroupId!;
}

describe('CreateManagedPrefixList and DescribeManagedPrefixLists', () => {
  it('creates a list at version 1 with its entries (the reference example), tagged, next to AWS’s own', async () => {
    const { PrefixList } = await ec2.send(
      new CreateManagedPrefixListCommand({
        PrefixListName: 'vpc-cidrs',
        AddressFamily: 'IPv4',
        MaxEntries: 10,
        Entries: [
          { Cidr: '10.0.0.0/16', Description: 'vpc-a' },
          { Cidr: '10.2.0.0/16', Description: 'vpc-b' },
        ],
        TagSpecifications: [{ ResourceType: 'prefix-list', Tags: [{ Key: 'team', Value: 'net' }] }],
      }),
    );
    expect(PrefixList).toEqual({
      PrefixListId: expect.stringMatching(/^pl-[0-9a-f]{17}$/),
      AddressFamily: 'IPv4',
      State: 'create-complete',
      PrefixListArn: `arn:aws:ec2:us-east-1:000000000000:prefix-list/${PrefixList!.PrefixListId}`,
      PrefixListName: 'vpc-cidrs',
      MaxEntries: 10,
      Version: 1,
      Tags: [{ Key: 'team', Value: 'net' }],
      OwnerId: '000000000000',
    });
    const id = PrefixList!.PrefixListId!;
    expect(await describe1(id)).toEqual(PrefixList);
    expect(await entries(id)).toEqual([
      { Cidr: '10.0.0.0/16', Description: 'vpc-a' },
      { Cidr: '10.2.0.0/16', Description: 'vpc-b' },
    ]);
    // The account's lists by owner; AWS's own stay listed as `AWS`'s.
    const mine = await ec2.send(
      new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'owner-id', Values: ['000000000000'] }] }),
    );
    expect(mine.PrefixLists!.map((l) => l.PrefixListId)).toEqual([id]);
    const all = await ec2.send(new DescribeManagedPrefixListsCommand({}));
    expect(all.PrefixLists!.filter((l) => l.OwnerId === 'AWS').map((l) => l.PrefixListName)).toEqual([
      'com.amazonaws.us-east-1.dynamodb',
      'com.amazonaws.us-east-1.s3',
    ]);
    const tagged = await ec2.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-type', Values: ['prefix-list'] }] }),
    );
    expect(tagged.Tags).toEqual([{ ResourceId: id, ResourceType: 'prefix-list', Key: 'team', Value: 'net' }]);
  });

  it('refuses reserved names, sizes out of 1..1000, entries outside the family or past MaxEntries', async () => {
    const create = (input: Partial<ConstructorParameters<typeof CreateManagedPrefixListCommand>[0]>) =>
      errorOf(
        ec2.send(
          new CreateManagedPrefixListCommand({
            PrefixListName: 'x',
            AddressFamily: 'IPv4',
            MaxEntries: 2,
            ...input,
          }),
        ),
      );
    expect(await create({ PrefixListName: 'com.amazonaws.probe' })).toEqual({
      name: 'InvalidParameterValue',
      message: 'The prefix list name cannot begin with (com.amazonaws., com.amazon., com.aws.).',
    });
    expect(await create({ PrefixListName: 'com.aws.probe' })).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(await create({ MaxEntries: 0 })).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await create({ MaxEntries: 1001 })).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await create({ AddressFamily: 'IPv5' })).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await create({ Entries: [{ Cidr: '2001:db8::/32' }] })).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await create({ Entries: [{ Cidr: '10.0.0.0/8' }, { Cidr: '10.1.0.0/16' }, { Cidr: '10.2.0.0/16' }] }),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await create({ Entries: [{ Cidr: '10.0.0.0/8' }, { Cidr: '10.0.0.0/8' }] })).toMatchObject({
      name: 'InvalidParameterValue',
    });
    // `com.amazonaws-probe` is not a reserved prefix (the dot belongs to it); IPv6 lists take IPv6 blocks.
    await createList('com.amazonaws-probe', []);
    const { PrefixList } = await ec2.send(
      new CreateManagedPrefixListCommand({
        PrefixListName: 'v6',
        AddressFamily: 'IPv6',
        MaxEntries: 1,
        Entries: [{ Cidr: '2001:0db8:0::/48' }],
      }),
    );
    expect(await entries(PrefixList!.PrefixListId!)).toEqual([{ Cidr: '2001:db8::/48' }]);
    expect(
      await errorOf(
        ec2.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: ['pl-0123456789abcdef0'] })),
      ),
    ).toMatchObject({ name: 'InvalidPrefixListID.NotFound' });
    expect(
      await errorOf(ec2.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: ['pl-zz'] }))),
    ).toMatchObject({
      name: 'InvalidPrefixListId.Malformed',
    });
  });
});

describe('ModifyManagedPrefixList', () => {
  it('each change of entries is a new version; every version stays readable; a stale version is refused', async () => {
    const list = await createList('office', ['203.0.113.0/24']);
    const id = list.PrefixListId!;
    const { PrefixList } = await ec2.send(
      new ModifyManagedPrefixListCommand({
        PrefixListId: id,
        CurrentVersion: 1,
        AddEntries: [{ Cidr: '198.51.100.0/24', Description: 'branch' }],
      }),
    );
    expect(PrefixList).toMatchObject({ Version: 2, State: 'modify-complete', MaxEntries: 10 });
    // Removals before additions: one call changes an entry's description.
    await ec2.send(
      new ModifyManagedPrefixListCommand({
        PrefixListId: id,
        CurrentVersion: 2,
        RemoveEntries: [{ Cidr: '203.0.113.0/24' }],
        AddEntries: [{ Cidr: '203.0.113.0/24', Description: 'hq' }],
      }),
    );
    expect(await entries(id)).toEqual([
      { Cidr: '198.51.100.0/24', Description: 'branch' },
      { Cidr: '203.0.113.0/24', Description: 'hq' },
    ]);
    expect(await entries(id, 1)).toEqual([{ Cidr: '203.0.113.0/24', Description: '203.0.113.0/24 desc' }]);
    expect(
      await errorOf(ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: id, TargetVersion: 4 }))),
    ).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await errorOf(
        ec2.send(
          new ModifyManagedPrefixListCommand({
            PrefixListId: id,
            CurrentVersion: 2,
            AddEntries: [{ Cidr: '192.0.2.0/24' }],
          }),
        ),
      ),
    ).toEqual({
      name: 'PrefixListVersionMismatch',
      message: 'The prefix list has the incorrect version number.',
    });
    // Renaming and resizing make no version; resizing goes alone and not below the entries held.
    const renamed = await ec2.send(
      new ModifyManagedPrefixListCommand({ PrefixListId: id, PrefixListName: 'offices' }),
    );
    expect(renamed.PrefixList).toMatchObject({ PrefixListName: 'offices', Version: 3 });
    const resized = await ec2.send(new ModifyManagedPrefixListCommand({ PrefixListId: id, MaxEntries: 2 }));
    expect(resized.PrefixList).toMatchObject({ MaxEntries: 2, Version: 3 });
    expect(
      await errorOf(
        ec2.send(
          new ModifyManagedPrefixListCommand({
            PrefixListId: id,
            MaxEntries: 5,
            AddEntries: [{ Cidr: '192.0.2.0/24' }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    expect(
      await errorOf(ec2.send(new ModifyManagedPrefixListCommand({ PrefixListId: id, MaxEntries: 1 }))),
    ).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await errorOf(
        ec2.send(
          new ModifyManagedPrefixListCommand({ PrefixListId: id, AddEntries: [{ Cidr: '192.0.2.0/24' }] }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      await errorOf(
        ec2.send(
          new ModifyManagedPrefixListCommand({ PrefixListId: id, RemoveEntries: [{ Cidr: '192.0.2.0/24' }] }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect((await describe1(id)).Version).toBe(3);
    // DryRun checks and changes nothing.
    expect(
      await errorOf(
        ec2.send(
          new ModifyManagedPrefixListCommand({
            PrefixListId: id,
            RemoveEntries: [{ Cidr: '198.51.100.0/24' }],
            DryRun: true,
          }),
        ),
      ),
    ).toMatchObject({ name: 'DryRunOperation' });
    expect(await entries(id)).toHaveLength(2);
  });

  it('AWS’s own lists are read-only', async () => {
    const { PrefixLists } = await ec2.send(
      new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'owner-id', Values: ['AWS'] }] }),
    );
    const s3 = PrefixLists![0]!.PrefixListId!;
    expect(
      await errorOf(
        ec2.send(new ModifyManagedPrefixListCommand({ PrefixListId: s3, PrefixListName: 'mine' })),
      ),
    ).toMatchObject({ name: 'UnsupportedOperation' });
    expect(await errorOf(ec2.send(new DeleteManagedPrefixListCommand({ PrefixListId: s3 })))).toMatchObject({
      name: 'UnsupportedOperation',
    });
    expect(
      await errorOf(
        ec2.send(new ModifyManagedPrefixListCommand({ PrefixListId: 'pl-0123456789abcdef0', MaxEntries: 3 })),
      ),
    ).toMatchObject({ name: 'InvalidPrefixListID.NotFound' });
  });
});

describe('prefix lists in security-group rules', () => {
  it('rules name lists (PrefixListIds), which then list the groups as associations and cannot be deleted', async () => {
    const list = await createList('corp', ['192.0.2.0/24']);
    const id = list.PrefixListId!;
    const groupId = await securityGroup('db');
    const { SecurityGroupRules } = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 5432,
            ToPort: 5432,
            PrefixListIds: [{ PrefixListId: id, Description: 'from-corp' }],
          },
        ],
      }),
    );
    expect(SecurityGroupRules).toEqual([
      expect.objectContaining({
        GroupId: groupId,
        IsEgress: false,
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        PrefixListId: id,
        Description: 'from-corp',
      }),
    ]);
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(SecurityGroups![0]!.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [{ PrefixListId: id, Description: 'from-corp' }],
        UserIdGroupPairs: [],
      },
    ]);
    const byList = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'ip-permission.prefix-list-id', Values: [id] }],
      }),
    );
    expect(byList.SecurityGroups!.map((g) => g.GroupId)).toEqual([groupId]);
    expect(
      (await ec2.send(new GetManagedPrefixListAssociationsCommand({ PrefixListId: id })))
        .PrefixListAssociations,
    ).toEqual([{ ResourceId: groupId, ResourceOwner: '000000000000' }]);
    expect(await errorOf(ec2.send(new DeleteManagedPrefixListCommand({ PrefixListId: id })))).toMatchObject({
      name: 'DependencyViolation',
    });
    // The same rule twice is a duplicate; an unknown list is refused.
    const permission = {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      PrefixListIds: [{ PrefixListId: id }],
    };
    expect(
      await errorOf(
        ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [permission] })),
      ),
    ).toMatchObject({ name: 'InvalidPermission.Duplicate' });
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [{ ...permission, PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }] }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidPrefixListId.NotFound' });

    // The ECS runtime's question: the rule admits sources inside the list's current entries.
    const state = t.cloud.store.slice<Ec2State>('ec2', REGION, () => {
      throw new Error('EC2 state missing');
    });
    const from = (cidr: string) => ingressAllows(state, [groupId], 5432, { groupIds: [], cidrs: [cidr] });
    expect(from('192.0.2.16/28')).toBe(true);
    expect(from('198.51.100.0/28')).toBe(false);
    await ec2.send(
      new ModifyManagedPrefixListCommand({ PrefixListId: id, AddEntries: [{ Cidr: '198.51.100.0/24' }] }),
    );
    expect(from('198.51.100.0/28')).toBe(true);

    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [permission] }));
    expect(
      (await ec2.send(new GetManagedPrefixListAssociationsCommand({ PrefixListId: id })))
        .PrefixListAssociations,
    ).toEqual([]);
    expect(
      (await ec2.send(new DeleteManagedPrefixListCommand({ PrefixListId: id }))).PrefixList,
    ).toMatchObject({
      PrefixListId: id,
      State: 'delete-in-progress',
    });
    expect(
      await errorOf(ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: id }))),
    ).toMatchObject({
      name: 'InvalidPrefixListID.NotFound',
    });
  });

  it('egress to AWS’s S3 list, and a rule modified to name a list', async () => {
    const groupId = await securityGroup('app');
    const { PrefixLists } = await ec2.send(
      new DescribeManagedPrefixListsCommand({
        Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.us-east-1.s3'] }],
      }),
    );
    const s3 = PrefixLists![0]!.PrefixListId!;
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: s3 }] },
        ],
      }),
    );
    expect(
      (await ec2.send(new GetManagedPrefixListAssociationsCommand({ PrefixListId: s3 })))
        .PrefixListAssociations,
    ).toEqual([{ ResourceId: groupId, ResourceOwner: '000000000000' }]);
    const list = await createList('partners', ['192.0.2.0/24']);
    const ingress = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
        ],
      }),
    );
    const ruleId = ingress.SecurityGroupRules![0]!.SecurityGroupRuleId!;
    await ec2.send(
      new ModifySecurityGroupRulesCommand({
        GroupId: groupId,
        SecurityGroupRules: [
          {
            SecurityGroupRuleId: ruleId,
            SecurityGroupRule: {
              IpProtocol: 'tcp',
              FromPort: 80,
              ToPort: 80,
              PrefixListId: list.PrefixListId,
            },
          },
        ],
      }),
    );
    const { SecurityGroupRules } = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] }),
    );
    expect(SecurityGroupRules![0]).toMatchObject({ PrefixListId: list.PrefixListId });
    expect(SecurityGroupRules![0]!.CidrIpv4).toBeUndefined();
  });
});

describe('state', () => {
  it('keeps lists, their versions and the rules naming them across a restart', async () => {
    const list = await createList('kept', ['192.0.2.0/24']);
    const id = list.PrefixListId!;
    await ec2.send(
      new ModifyManagedPrefixListCommand({
        PrefixListId: id,
        CurrentVersion: 1,
        AddEntries: [{ Cidr: '192.0.3.0/24' }],
      }),
    );
    const groupId = await securityGroup('kept');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: '-1', PrefixListIds: [{ PrefixListId: id }] }],
      }),
    );
    const before = await describe1(id);
    ec2.destroy();
    await t.stop();
    await t.restart();
    ec2 = new EC2Client(t.clientConfig);
    expect(await describe1(id)).toEqual(before);
    expect(await entries(id, 1)).toEqual([{ Cidr: '192.0.2.0/24', Description: '192.0.2.0/24 desc' }]);
    expect(
      (await ec2.send(new GetManagedPrefixListAssociationsCommand({ PrefixListId: id })))
        .PrefixListAssociations,
    ).toEqual([{ ResourceId: groupId, ResourceOwner: '000000000000' }]);
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('create-managed-prefix-list, modify-managed-prefix-list, get-managed-prefix-list-entries (the reference examples)', async () => {
    const created = (
      await t.aws([
        'ec2',
        'create-managed-prefix-list',
        '--address-family',
        'IPv4',
        '--max-entries',
        '10',
        '--entries',
        'Cidr=10.0.0.0/16,Description=vpc-a',
        'Cidr=10.2.0.0/16,Description=vpc-b',
        '--prefix-list-name',
        'vpc-cidrs',
      ])
    ).json as { PrefixList: { PrefixListId: string; State: string; Version: number } };
    expect(created.PrefixList).toMatchObject({ State: 'create-complete', Version: 1 });
    const id = created.PrefixList.PrefixListId;
    const modified = (
      await t.aws([
        'ec2',
        'modify-managed-prefix-list',
        '--prefix-list-id',
        id,
        '--add-entries',
        'Cidr=10.1.0.0/16,Description=vpc-c',
        '--current-version',
        '1',
      ])
    ).json as { PrefixList: { Version: number; State: string } };
    expect(modified.PrefixList).toMatchObject({ Version: 2, State: 'modify-complete' });
    expect(
      (
        await t.aws([
          'ec2',
          'get-managed-prefix-list-entries',
          '--prefix-list-id',
          id,
          '--target-version',
          '2',
        ])
      ).json,
    ).toEqual({
      Entries: [
        { Cidr: '10.0.0.0/16', Description: 'vpc-a' },
        { Cidr: '10.2.0.0/16', Description: 'vpc-b' },
        { Cidr: '10.1.0.0/16', Description: 'vpc-c' },
      ],
    });
    await expect(
      t.aws([
        'ec2',
        'modify-managed-prefix-list',
        '--prefix-list-id',
        id,
        '--add-entries',
        'Cidr=10.3.0.0/16',
        '--current-version',
        '1',
      ]),
    ).rejects.toThrow(/PrefixListVersionMismatch/);
    expect(
      (await t.aws(['ec2', 'get-managed-prefix-list-associations', '--prefix-list-id', id])).json,
    ).toEqual({
      PrefixListAssociations: [],
    });
    expect((await t.aws(['ec2', 'delete-managed-prefix-list', '--prefix-list-id', id])).json).toMatchObject({
      PrefixList: { PrefixListId: id, State: 'delete-in-progress' },
    });
  });
});
