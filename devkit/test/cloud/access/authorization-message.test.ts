/**
 * EC2's encoded authorization failure message through the real AWS CLI (issue 19): a role session
 * refused by EC2 gets an opaque message; `aws sts decode-authorization-message` turns it into AWS's
 * DecodedMessage JSON for a caller allowed sts:DecodeAuthorizationMessage (the root, or a role
 * granted it), refuses a session without that permission, and calls an altered message invalid.
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliOutcome } from '../aws-cli.ts';
import { awsCliAvailable, awsCliEnv, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
let t: TestCloud;
let session: Record<string, string>;
let roleId: string;

const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

function aws(args: string[], env: Record<string, string> = {}) {
  return awsCliOutcome(['--endpoint-url', t.cloud.url, '--output', 'json', ...args], {
    env: { ...awsCliEnv(), ...env },
  });
}

/** The encoded message at the end of an UnauthorizedOperation error line. */
function encodedIn(stderr: string): string {
  const match = /Encoded authorization failure message: (\S+)\s*$/.exec(stderr);
  expect(match, stderr).not.toBeNull();
  return match![1]!;
}

async function decode(encoded: string, env: Record<string, string> = {}) {
  return aws(['sts', 'decode-authorization-message', '--encoded-message', encoded], env);
}

beforeAll(async () => {
  t = await startTestCloud({ enforceIam: true });
  const iam = new IAMClient(t.clientConfig);
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: 'networker',
      AssumeRolePolicyDocument: policy({
        Effect: 'Allow',
        Principal: { AWS: ACCOUNT },
        Action: 'sts:AssumeRole',
      }),
    }),
  );
  roleId = created.Role!.RoleId!;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'networker',
      PolicyName: 'vpcs',
      PolicyDocument: policy(
        { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
        {
          Sid: 'NoSubnetsOutsideLab',
          Effect: 'Deny',
          Action: 'ec2:CreateSubnet',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
        },
      ),
    }),
  );
  iam.destroy();
  const assumed = await aws([
    'sts',
    'assume-role',
    '--role-arn',
    `arn:aws:iam::${ACCOUNT}:role/networker`,
    '--role-session-name',
    'ana',
  ]);
  expect(assumed.code, assumed.stderr).toBe(0);
  const { Credentials } = JSON.parse(assumed.stdout) as {
    Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
  };
  session = {
    AWS_ACCESS_KEY_ID: Credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: Credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: Credentials.SessionToken,
  };
}, 60_000);
afterAll(async () => {
  await t.dispose();
});

describe.runIf(awsCliAvailable)('sts decode-authorization-message (AWS CLI)', () => {
  it("decodes an implicit deny into AWS's DecodedMessage for the root, and refuses a session without the permission", async () => {
    const denied = await aws(['ec2', 'create-vpc', '--cidr-block', '10.20.0.0/16'], session);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'An error occurred (UnauthorizedOperation) when calling the CreateVpc operation',
    );
    const encoded = encodedIn(denied.stderr);
    // Opaque: nothing of the decision reads through.
    expect(Buffer.from(encoded, 'base64url').toString('latin1')).not.toContain('CreateVpc');

    const refused = await decode(encoded, session);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe(
      `An error occurred (AccessDenied) when calling the DecodeAuthorizationMessage operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/networker/ana is not authorized to perform: sts:DecodeAuthorizationMessage on resource: * because no identity-based policy allows the sts:DecodeAuthorizationMessage action`,
    );

    const decoded = await decode(encoded);
    expect(decoded.code, decoded.stderr).toBe(0);
    const message = JSON.parse((JSON.parse(decoded.stdout) as { DecodedMessage: string }).DecodedMessage);
    expect(message).toMatchObject({
      allowed: false,
      explicitDeny: false,
      matchedStatements: { items: [] },
      failures: { items: [] },
      context: {
        principal: { id: `${roleId}:ana`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/networker/ana` },
        action: 'ec2:CreateVpc',
        resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/*`,
      },
    });
    expect(message.context.conditions.items).toContainEqual({
      key: 'aws:RequestedRegion',
      values: { items: [{ value: 'us-east-1' }] },
    });
  }, 120_000);

  it('names the deny statement that decided, for a role granted sts:DecodeAuthorizationMessage', async () => {
    const denied = await aws(
      ['ec2', 'create-subnet', '--vpc-id', 'vpc-00000000', '--cidr-block', '10.20.1.0/24'],
      session,
    );
    expect(denied.stderr).toContain('with an explicit deny in an identity-based policy');
    const iam = new IAMClient(t.clientConfig);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'networker',
        PolicyName: 'decode',
        PolicyDocument: policy({ Effect: 'Allow', Action: 'sts:DecodeAuthorizationMessage', Resource: '*' }),
      }),
    );
    iam.destroy();
    const decoded = await decode(encodedIn(denied.stderr), session);
    expect(decoded.code, decoded.stderr).toBe(0);
    const message = JSON.parse((JSON.parse(decoded.stdout) as { DecodedMessage: string }).DecodedMessage);
    expect(message.explicitDeny).toBe(true);
    expect(message.matchedStatements.items).toEqual([
      {
        statementId: 'NoSubnetsOutsideLab',
        effect: 'DENY',
        principals: { items: [{ value: roleId }] },
        principalGroups: { items: [] },
        actions: { items: [{ value: 'ec2:CreateSubnet' }] },
        resources: { items: [{ value: '*' }] },
        conditions: { items: [{ key: 'aws:RequestedRegion', values: { items: [{ value: 'eu-west-1' }] } }] },
      },
    ]);
    expect(message.context.action).toBe('ec2:CreateSubnet');
  }, 120_000);

  it('starts every message with a letter, so `--encoded-message <message>` never reads as an option', async () => {
    // The IV is random: a message starting with '-' came 1 time in 64, and the CLI refused the call.
    const denials = await Promise.all(
      Array.from({ length: 8 }, () => aws(['ec2', 'create-vpc', '--cidr-block', '10.22.0.0/16'], session)),
    );
    for (const denied of denials) expect(encodedIn(denied.stderr)).toMatch(/^A/);
  }, 120_000);

  it('calls an altered, truncated or foreign message invalid', async () => {
    const denied = await aws(['ec2', 'create-vpc', '--cidr-block', '10.21.0.0/16'], session);
    const encoded = encodedIn(denied.stderr);
    const flipped = encoded.slice(0, 40) + (encoded[40] === 'A' ? 'B' : 'A') + encoded.slice(41);
    for (const bad of [flipped, encoded.slice(0, -4), 'not-a-message', 'x'.repeat(10240)]) {
      const answer = await decode(bad);
      expect(answer.code).not.toBe(0);
      expect(answer.stderr.trim()).toBe(
        'An error occurred (InvalidAuthorizationMessageException) when calling the DecodeAuthorizationMessage operation: The message is not a valid encoded authorization message.',
      );
    }
  }, 120_000);
});
