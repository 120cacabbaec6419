/**
 * Policy grammar as IAM checks it: each malformed document is refused with MalformedPolicyDocument
 * and IAM's message, in IAM's order (JSON, syntax, legacy parsing, required parts, ARNs, vendors);
 * well-formed trust and permissions policies pass. The same checks run behind CreateRole,
 * UpdateAssumeRolePolicy, PutRolePolicy, CreatePolicy and CreatePolicyVersion (iam.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument, type PolicyKind } from '../../../src/cloud/access/policy-document.ts';
import { AWS_MANAGED_POLICIES } from '../../../src/cloud/access/aws-managed-policies.ts';

const allow = { Effect: 'Allow', Action: 'ecs:*', Resource: '*' };
const permissions = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trustOf = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const github = 'arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com';

const malformed: Array<[string, string, PolicyKind, string]> = [
  ['invalid JSON', '{"Version": ', 'permissions', 'This policy contains invalid Json'],
  ['not an object', '[]', 'permissions', 'Syntax errors in policy.'],
  ['no Statement', '{"Version":"2012-10-17"}', 'permissions', 'Syntax errors in policy.'],
  ['an empty Statement list', permissions(), 'permissions', 'Syntax errors in policy.'],
  [
    'a bad Version',
    JSON.stringify({ Version: '2012-10-18', Statement: [allow] }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'an unknown top-level element',
    JSON.stringify({ Version: '2012-10-17', Statment: [allow], Statement: [allow] }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'an unknown statement element',
    permissions({ ...allow, Actions: 'ecs:*' }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'a missing Effect',
    permissions({ Action: 'ecs:*', Resource: '*' }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'an unknown Effect',
    permissions({ ...allow, Effect: 'Permit' }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'Action and NotAction together',
    permissions({ ...allow, NotAction: 'iam:*' }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'an Action that is a number',
    permissions({ ...allow, Action: 5 }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'a Condition that is a list',
    permissions({ ...allow, Condition: [] }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'an unknown condition operator',
    permissions({ ...allow, Condition: { StringEqual: { 'aws:RequestedRegion': 'us-east-1' } } }),
    'permissions',
    'Syntax errors in policy.',
  ],
  [
    'a lower-case Effect',
    permissions({ ...allow, Effect: 'allow' }),
    'permissions',
    'The policy failed legacy parsing',
  ],
  [
    'a date condition that is no date',
    permissions({ ...allow, Condition: { DateLessThan: { 'aws:CurrentTime': 'tomorrow' } } }),
    'permissions',
    'The policy failed legacy parsing',
  ],
  [
    'duplicate Sids',
    permissions({ ...allow, Sid: 'A' }, { ...allow, Sid: 'A' }),
    'permissions',
    'Statement IDs (SID) in a single policy must be unique.',
  ],
  [
    'no Action',
    permissions({ Effect: 'Allow', Resource: '*' }),
    'permissions',
    'Policy statement must contain actions.',
  ],
  [
    'an empty Action list',
    permissions({ ...allow, Action: [] }),
    'permissions',
    'Policy statement must contain actions.',
  ],
  [
    'no Resource',
    permissions({ Effect: 'Allow', Action: 'ecs:*' }),
    'permissions',
    'Policy statement must contain resources.',
  ],
  [
    'a Principal in a permissions policy',
    permissions({ ...allow, Principal: '*' }),
    'permissions',
    'Policy document should not specify a principal.',
  ],
  [
    'a Resource that is no ARN',
    permissions({ ...allow, Resource: 'my-bucket' }),
    'permissions',
    'Resource my-bucket must be in ARN format or "*".',
  ],
  [
    'an ARN of an unknown partition',
    permissions({ ...allow, Resource: 'arn:aws-mars:ecs:us-east-1:000000000000:cluster/x' }),
    'permissions',
    'Partition "aws-mars" is not valid for resource "arn:aws-mars:ecs:us-east-1:000000000000:cluster/x".',
  ],
  [
    'an ARN without a service',
    permissions({ ...allow, Resource: 'arn:aws::us-east-1:000000000000:x' }),
    'permissions',
    'Resource vendor must be fully qualified and cannot contain regexes.',
  ],
  [
    'an IAM ARN with a region',
    permissions({ ...allow, Resource: 'arn:aws:iam:us-east-1:000000000000:role/x' }),
    'permissions',
    'IAM resource arn:aws:iam:us-east-1:000000000000:role/x cannot contain region information.',
  ],
  [
    'an action without a vendor',
    permissions({ ...allow, Action: 'RegisterTaskDefinition' }),
    'permissions',
    'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  ],
  [
    'an action with two colons',
    permissions({ ...allow, Action: 'ecs:a:b' }),
    'permissions',
    'Actions/Condition can contain only one colon.',
  ],
  [
    'an action with a bad vendor',
    permissions({ ...allow, Action: 'ec$:Describe*' }),
    'permissions',
    'Vendor ec$ is not valid',
  ],
  [
    'a trust policy without a Principal',
    trustOf({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
    'trust',
    'Missing required field Principal',
  ],
  [
    'a trust policy with a Resource',
    trustOf({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: '*', Resource: '*' }),
    'trust',
    'Has prohibited field Resource',
  ],
  [
    'a trust policy naming an unknown principal type',
    trustOf({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Robot: 'x' } }),
    'trust',
    'Syntax errors in policy.',
  ],
  [
    'a trust policy naming a malformed AWS principal',
    trustOf({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::12:role/x' } }),
    'trust',
    'Invalid principal in policy: "AWS":"arn:aws:iam::12:role/x"',
  ],
  [
    'a trust policy naming a bad service',
    trustOf({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ecs tasks' } }),
    'trust',
    'Invalid principal in policy: "Service":"ecs tasks"',
  ],
];

const wellFormed: Array<[string, string, PolicyKind]> = [
  ['a single statement object, no Version', JSON.stringify({ Statement: allow }), 'permissions'],
  [
    'NotAction and NotResource',
    permissions({ Effect: 'Deny', NotAction: ['iam:*'], NotResource: 'arn:aws:ecs:*:*:cluster/prod' }),
    'permissions',
  ],
  [
    'conditions of every shape',
    permissions({
      ...allow,
      Condition: {
        'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['a*', 'b'] },
        Bool: { 'aws:SecureTransport': true },
        NumericLessThan: { 'sts:DurationSeconds': 3600 },
        DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' },
      },
    }),
    'permissions',
  ],
  [
    "GitHub's trust policy",
    trustOf({
      Effect: 'Allow',
      Principal: { Federated: github },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/app:*' },
      },
    }),
    'trust',
  ],
  [
    'a trust policy naming the account and a service',
    trustOf({
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Principal: {
        AWS: ['000000000000', 'arn:aws:iam::000000000000:root'],
        Service: 'ecs-tasks.amazonaws.com',
      },
    }),
    'trust',
  ],
];

describe('policy documents', () => {
  it.each(malformed)('refuses %s', (_name, text, kind, message) => {
    expect(() => parsePolicyDocument(text, kind)).toThrow(
      expect.objectContaining({ code: 'MalformedPolicyDocument', status: 400, message }),
    );
  });

  it.each(wellFormed)('accepts %s', (_name, text, kind) => {
    expect(parsePolicyDocument(text, kind).Statement.length).toBeGreaterThan(0);
  });

  it("accepts AWS's own managed policies the cloud knows", () => {
    for (const policy of AWS_MANAGED_POLICIES.values()) {
      for (const version of policy.versions)
        expect(() => parsePolicyDocument(version.document, 'permissions')).not.toThrow();
    }
  });
});
