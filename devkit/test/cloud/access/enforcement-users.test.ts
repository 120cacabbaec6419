/**
 * IAM users under enforcement (issue 19), through the real AWS CLI and SDK clients signing with a
 * user's access key: its own and its groups' policies decide (explicit deny wins, its boundary
 * caps), refusals name `user/<name>` in AWS's words, an inactive, deleted or wrongly signed key is
 * refused, GetSessionToken's credentials act as the user, GetFederationToken's are capped by their
 * session policy, and AssumeRole by a user is checked against the trust policy and its own policies.
 */
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListRolesCommand,
  PutGroupPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  AssumeRoleCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAwsCli } from '../aws-cli.ts';
import { awsCliAvailable, awsCliEnv, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource = '*') => ({ Effect: 'Allow', Action, Resource });

let t: TestCloud;
let iam: IAMClient;

beforeAll(async () => {
  t = await startTestCloud({ enforceIam: true });
  iam = new IAMClient(t.clientConfig);
});
afterAll(async () => {
  await t.dispose();
});

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A user with an access key (created by the root), and its inline policies. */
async function user(name: string, inline: Record<string, string> = {}): Promise<Keys> {
  await iam.send(new CreateUserCommand({ UserName: name }));
  for (const [PolicyName, PolicyDocument] of Object.entries(inline)) {
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName, PolicyDocument }));
  }
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

const config = (credentials: Keys) => ({ ...t.clientConfig, credentials });

/** `aws <args>` signed with these keys: exit status, stdout's JSON, stderr. */
async function cli(keys: Keys, args: string[]) {
  const env = {
    ...awsCliEnv(),
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
  };
  try {
    const { stdout } = await runAwsCli(['--endpoint-url', t.cloud.url, '--output', 'json', ...args], { env });
    return {
      code: 0,
      json: stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {},
      stderr: '',
    };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, json: {}, stderr: failed.stderr.trim() };
  }
}

async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata: { httpStatusCode: number } } | undefined;
  expect(error, 'the call should have been refused').toBeDefined();
  return error!;
}

const denial = (name: string, action: string, resource = '*') =>
  `User: arn:aws:iam::${ACCOUNT}:user/${name} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

describe.runIf(awsCliAvailable)('IAM users under enforcement (AWS CLI)', () => {
  it('signs as the user, refused without a policy and allowed once one is attached', async () => {
    const keys = await user('dev');
    const who = await cli(keys, ['sts', 'get-caller-identity']);
    expect(who.json.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/dev`);
    expect(who.json.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(who.json.Account).toBe(ACCOUNT);

    const refused = await cli(keys, ['ecs', 'list-clusters']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toBe(
      `An error occurred (AccessDeniedException) when calling the ListClusters operation: ${denial('dev', 'ecs:ListClusters')}`,
    );
    const query = await cli(keys, ['iam', 'list-roles']);
    expect(query.stderr).toBe(
      `An error occurred (AccessDenied) when calling the ListRoles operation: ${denial('dev', 'iam:ListRoles')}`,
    );

    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'ecs-list', PolicyDocument: policy(allow('ecs:ListClusters')) }),
    );
    await iam.send(new AttachUserPolicyCommand({ UserName: 'dev', PolicyArn: Policy!.Arn! }));
    const allowed = await cli(keys, ['ecs', 'list-clusters']);
    expect(allowed.code).toBe(0);
    expect(allowed.json.clusterArns).toEqual([]);
  }, 300_000);

  it("refuses an inactive key, a deleted key and a signature not made with the key's secret", async () => {
    const keys = await user('keyholder', { all: policy(allow('*')) });
    expect((await cli(keys, ['ecs', 'list-clusters'])).code).toBe(0);

    const otherSecret = `${keys.secretAccessKey.slice(0, -1)}${keys.secretAccessKey.endsWith('x') ? 'y' : 'x'}`;
    const wrongSecret = await cli({ ...keys, secretAccessKey: otherSecret }, ['sts', 'get-caller-identity']);
    expect(wrongSecret.stderr).toBe(
      'An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );

    await iam.send(
      new UpdateAccessKeyCommand({
        UserName: 'keyholder',
        AccessKeyId: keys.accessKeyId,
        Status: 'Inactive',
      }),
    );
    const inactive = await cli(keys, ['sts', 'get-caller-identity']);
    expect(inactive.stderr).toBe(
      'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.',
    );
    const json = await refusal(new ECSClient(config(keys)).send(new ListClustersCommand({})));
    expect(json.name).toBe('UnrecognizedClientException');
    expect(json.message).toBe('The security token included in the request is invalid.');

    await iam.send(
      new UpdateAccessKeyCommand({ UserName: 'keyholder', AccessKeyId: keys.accessKeyId, Status: 'Active' }),
    );
    expect((await cli(keys, ['ecs', 'list-clusters'])).code).toBe(0);
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'keyholder', AccessKeyId: keys.accessKeyId }));
    const deleted = await cli(keys, ['sts', 'get-caller-identity']);
    expect(deleted.stderr).toContain('(InvalidClientTokenId)');
  }, 300_000);
});

describe('IAM users under enforcement (SDK)', () => {
  it("grants through a group's policies, and the user's explicit deny wins over them", async () => {
    const keys = await user('member');
    const mine = new IAMClient(config(keys));
    expect((await refusal(mine.send(new ListRolesCommand({})))).message).toBe(
      denial('member', 'iam:ListRoles'),
    );
    await iam.send(new CreateGroupCommand({ GroupName: 'readers' }));
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'readers',
        PolicyName: 'read',
        PolicyDocument: policy(allow(['iam:List*', 'ecs:List*'])),
      }),
    );
    await iam.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'member' }));
    expect((await mine.send(new ListRolesCommand({}))).Roles).toBeDefined();
    await new ECSClient(config(keys)).send(new ListClustersCommand({}));

    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'member',
        PolicyName: 'no-ecs',
        PolicyDocument: policy({ Effect: 'Deny', Action: 'ecs:*', Resource: '*' }),
      }),
    );
    const denied = await refusal(new ECSClient(config(keys)).send(new ListClustersCommand({})));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/member is not authorized to perform: ecs:ListClusters on resource: * with an explicit deny in an identity-based policy`,
    );
  });

  it("caps the user's policies with its permissions boundary", async () => {
    const keys = await user('bounded', { ecs: policy(allow('ecs:*')) });
    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'list-only', PolicyDocument: policy(allow('ecs:List*')) }),
    );
    await iam.send(
      new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: Policy!.Arn! }),
    );
    const ecs = new ECSClient(config(keys));
    await ecs.send(new ListClustersCommand({}));
    const refused = await refusal(ecs.send(new CreateClusterCommand({ clusterName: 'x' })));
    expect(refused.message).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/bounded is not authorized to perform: ecs:CreateCluster on resource: * because no permissions boundary allows the ecs:CreateCluster action`,
    );
  });

  it("GetSessionToken's credentials act as the user (and cannot reach IAM without MFA)", async () => {
    const keys = await user('sessioned', { ecs: policy(allow('ecs:ListClusters')) });
    const { Credentials } = await new STSClient(config(keys)).send(
      new GetSessionTokenCommand({ DurationSeconds: 900 }),
    );
    expect(Credentials!.AccessKeyId).toMatch(/^ASIA/);
    const session: Keys = {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    };
    const who = await new STSClient(config(session)).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/sessioned`);
    await new ECSClient(config(session)).send(new ListClustersCommand({}));
    const denied = await refusal(
      new ECSClient(config(session)).send(new CreateClusterCommand({ clusterName: 'nope' })),
    );
    expect(denied.message).toMatch(/^User: arn:aws:iam::000000000000:user\/sessioned is not authorized/);
    const iamCall = await refusal(new IAMClient(config(session)).send(new ListRolesCommand({})));
    expect(iamCall.name).toBe('InvalidClientTokenId');
    const again = await refusal(new STSClient(config(session)).send(new GetSessionTokenCommand({})));
    expect(again.name).toBe('AccessDenied');
    expect(again.message).toBe('Cannot call GetSessionToken with session credentials');
    // The session's token must come with it.
    const tokenless = await refusal(
      new STSClient(config({ ...session, sessionToken: 'forged' })).send(new GetCallerIdentityCommand({})),
    );
    expect(tokenless.name).toBe('InvalidClientTokenId');
  });

  it("GetFederationToken's federated user gets the user's policies ∩ the session policy", async () => {
    const keys = await user('federator', { ecs: policy(allow(['ecs:*', 'sts:GetFederationToken'])) });
    const federation = await new STSClient(config(keys)).send(
      new GetFederationTokenCommand({ Name: 'alice', Policy: policy(allow('ecs:ListClusters')) }),
    );
    expect(federation.FederatedUser).toEqual({
      FederatedUserId: `${ACCOUNT}:alice`,
      Arn: `arn:aws:sts::${ACCOUNT}:federated-user/alice`,
    });
    const fed: Keys = {
      accessKeyId: federation.Credentials!.AccessKeyId!,
      secretAccessKey: federation.Credentials!.SecretAccessKey!,
      sessionToken: federation.Credentials!.SessionToken!,
    };
    const who = await new STSClient(config(fed)).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({
      Arn: `arn:aws:sts::${ACCOUNT}:federated-user/alice`,
      UserId: `${ACCOUNT}:alice`,
    });
    await new ECSClient(config(fed)).send(new ListClustersCommand({}));
    const capped = await refusal(
      new ECSClient(config(fed)).send(new CreateClusterCommand({ clusterName: 'f' })),
    );
    expect(capped.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:federated-user/alice is not authorized to perform: ecs:CreateCluster on resource: * because no session policy allows the ecs:CreateCluster action`,
    );
    // The user's own policies still cap the federated user's: a wide session policy adds nothing.
    const wider = await new STSClient(config(keys)).send(
      new GetFederationTokenCommand({ Name: 'bob', Policy: policy(allow('*')) }),
    );
    const bob = {
      accessKeyId: wider.Credentials!.AccessKeyId!,
      secretAccessKey: wider.Credentials!.SecretAccessKey!,
      sessionToken: wider.Credentials!.SessionToken!,
    };
    await new ECSClient(config(bob)).send(new CreateClusterCommand({ clusterName: 'bobs' }));
    const beyondUser = await refusal(new SecretsManagerClient(config(bob)).send(new ListSecretsCommand({})));
    expect(beyondUser.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:federated-user/bob is not authorized to perform: secretsmanager:ListSecrets on resource: * because no identity-based policy allows the secretsmanager:ListSecrets action`,
    );
    const outside = await refusal(
      new STSClient(config(bob)).send(new GetFederationTokenCommand({ Name: 'carol' })),
    );
    expect(outside.message).toBe('Cannot call GetFederationToken with session credentials');
  });

  it('AssumeRole by a user: a trust policy naming the user suffices; naming the account needs sts:AssumeRole', async () => {
    const keys = await user('assumer');
    const sts = new STSClient(config(keys));
    const trust = (AWS: string) => policy({ Effect: 'Allow', Principal: { AWS }, Action: 'sts:AssumeRole' });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'names-user',
        AssumeRolePolicyDocument: trust(`arn:aws:iam::${ACCOUNT}:user/assumer`),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'names-account',
        AssumeRolePolicyDocument: trust(`arn:aws:iam::${ACCOUNT}:root`),
      }),
    );
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/names-user`, RoleSessionName: 'ci' }),
    );
    expect(assumed.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/names-user/ci`);
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/names-account`;
    const refused = await refusal(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ci' })),
    );
    expect(refused.name).toBe('AccessDenied');
    expect(refused.message).toBe(denial('assumer', 'sts:AssumeRole', roleArn));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'assumer',
        PolicyName: 'assume',
        PolicyDocument: policy(allow('sts:AssumeRole', roleArn)),
      }),
    );
    await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'ci' }));
  });

  it("records a key's last use and answers a key's account", async () => {
    const keys = await user('tracked');
    const before = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.accessKeyId }));
    expect(before).toMatchObject({
      UserName: 'tracked',
      AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
    });
    await new STSClient({ ...config(keys), region: 'eu-west-1' }).send(new GetCallerIdentityCommand({}));
    const after = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.accessKeyId }));
    expect(after.AccessKeyLastUsed).toMatchObject({ ServiceName: 'sts', Region: 'eu-west-1' });
    expect(after.AccessKeyLastUsed!.LastUsedDate).toBeInstanceOf(Date);
    const info = await new STSClient(t.clientConfig).send(
      new GetAccessKeyInfoCommand({ AccessKeyId: keys.accessKeyId }),
    );
    expect(info.Account).toBe(ACCOUNT);
  });
});
