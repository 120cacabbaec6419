/**
 * The policy evaluator's table of cases, from IAM's documented evaluation logic and condition
 * operators: explicit deny wins, resource policies naming the principal, delegation to the
 * account, boundaries, Action/Resource wildcards and negations, and the condition operators with
 * their missing-key, IfExists and set-qualifier behaviour.
 */
import { describe, expect, it } from 'vitest';
import { contextValues } from '../../../src/cloud/access/policy-conditions.ts';
import type { PolicyDocument, PolicyStatement } from '../../../src/cloud/access/policy-document.ts';
import {
  evaluateAccess,
  type AccessRequest,
  type ApplicablePolicies,
  type RequestPrincipal,
} from '../../../src/cloud/access/policy-evaluation.ts';

const ACCOUNT = '000000000000';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const SESSION: RequestPrincipal = {
  type: 'AWS',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/ci`,
  roleArn: ROLE,
  account: ACCOUNT,
};
const GITHUB = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const identity = (...statements: PolicyStatement[]): ApplicablePolicies => ({
  identity: [{ source: 'inline', document: doc(...statements) }],
});
const request = (overrides: Partial<AccessRequest> & { ctx?: Record<string, string | string[]> } = {}) => ({
  action: overrides.action ?? 'ecs:RegisterTaskDefinition',
  resource: overrides.resource ?? '*',
  principal: overrides.principal ?? SESSION,
  context: contextValues(overrides.ctx ?? {}),
});
const allow = (extra: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Effect: 'Allow',
  Action: 'ecs:*',
  Resource: '*',
  ...extra,
});

interface Case {
  name: string;
  policies: ApplicablePolicies;
  request: AccessRequest;
  expected: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  options?: { resourceRequired?: boolean };
}

const secretArn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:app-AbCdEf`;
const cond = (Condition: PolicyStatement['Condition']) => identity(allow({ Condition }));

const cases: Case[] = [
  // The flow: deny wins, allow needed, default deny.
  { name: 'no policy: implicit deny', policies: {}, request: request(), expected: 'ImplicitDeny' },
  { name: 'identity allow', policies: identity(allow()), request: request(), expected: 'Allow' },
  {
    name: 'explicit deny beats an allow',
    policies: identity(allow(), { Effect: 'Deny', Action: 'ecs:Register*', Resource: '*' }),
    request: request(),
    expected: 'ExplicitDeny',
  },
  {
    name: 'a deny in a resource policy beats an identity allow',
    policies: {
      ...identity(allow({ Action: 'secretsmanager:*' })),
      resource: [
        {
          source: 'secret policy',
          document: doc({
            Effect: 'Deny',
            Principal: '*',
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          }),
        },
      ],
    },
    request: request({ action: 'secretsmanager:GetSecretValue', resource: secretArn }),
    expected: 'ExplicitDeny',
  },
  {
    name: 'a resource policy naming the role allows without an identity policy',
    policies: {
      resource: [
        {
          source: 'secret policy',
          document: doc({
            Effect: 'Allow',
            Principal: { AWS: ROLE },
            Action: 'secretsmanager:*',
            Resource: '*',
          }),
        },
      ],
    },
    request: request({ action: 'secretsmanager:GetSecretValue', resource: secretArn }),
    expected: 'Allow',
  },
  {
    name: 'a resource policy naming only the account delegates: the identity policy must allow',
    policies: {
      resource: [
        {
          source: 'secret policy',
          document: doc({
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: '*',
            Resource: '*',
          }),
        },
      ],
    },
    request: request({ action: 'secretsmanager:GetSecretValue', resource: secretArn }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'a resource policy naming another principal does not allow',
    policies: {
      resource: [
        {
          source: 'secret policy',
          document: doc({
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
            Action: '*',
            Resource: '*',
          }),
        },
      ],
    },
    request: request({ action: 'secretsmanager:GetSecretValue', resource: secretArn }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'a permissions boundary without the action: implicit deny despite the identity allow',
    policies: {
      ...identity(allow()),
      boundary: [{ source: 'boundary', document: doc(allow({ Action: 'logs:*' })) }],
    },
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    name: 'a permissions boundary that allows too: allow',
    policies: {
      ...identity(allow()),
      boundary: [{ source: 'boundary', document: doc(allow({ Action: 'ecs:Reg*' })) }],
    },
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'a trust policy is required: identity allow alone does not assume a role',
    policies: { ...identity(allow({ Action: 'sts:AssumeRole' })), resource: [] },
    request: request({ action: 'sts:AssumeRole', resource: ROLE }),
    options: { resourceRequired: true },
    expected: 'ImplicitDeny',
  },
  // Actions and resources.
  {
    name: 'actions match case-insensitively',
    policies: identity(allow({ Action: 'ECS:registertaskdefinition' })),
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'action ? wildcard',
    policies: identity(allow({ Action: 'ecs:RegisterTaskDefinitio?' })),
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'another service does not match',
    policies: identity(allow({ Action: 'ecr:*' })),
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    name: 'NotAction allows everything else',
    policies: identity({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'NotAction does not allow what it names',
    policies: identity({ Effect: 'Allow', NotAction: ['iam:*', 'ecs:Register*'], Resource: '*' }),
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    name: 'resource wildcard within the ARN',
    policies: identity(
      allow({
        Action: 'secretsmanager:GetSecretValue',
        Resource: `arn:aws:secretsmanager:*:${ACCOUNT}:secret:app-*`,
      }),
    ),
    request: request({ action: 'secretsmanager:GetSecretValue', resource: secretArn }),
    expected: 'Allow',
  },
  {
    name: 'resources match case-sensitively',
    policies: identity(
      allow({
        Action: 'secretsmanager:*',
        Resource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:APP-*`,
      }),
    ),
    request: request({ action: 'secretsmanager:GetSecretValue', resource: secretArn }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'NotResource excludes what it names',
    policies: identity({
      Effect: 'Allow',
      Action: 'secretsmanager:*',
      NotResource: `arn:aws:secretsmanager:*:*:secret:app-*`,
    }),
    request: request({ action: 'secretsmanager:GetSecretValue', resource: secretArn }),
    expected: 'ImplicitDeny',
  },
  // Condition operators.
  {
    name: 'StringEquals matches',
    policies: cond({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'Allow',
  },
  {
    name: 'StringEquals is case-sensitive',
    policies: cond({ StringEquals: { 'aws:RequestedRegion': 'US-EAST-1' } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'condition keys are case-insensitive',
    policies: cond({ StringEquals: { 'AWS:requestedregion': 'us-east-1' } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'Allow',
  },
  {
    name: 'StringEquals values are alternatives (OR)',
    policies: cond({ StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'Allow',
  },
  {
    name: 'keys and operators must all hold (AND)',
    policies: cond({
      StringEquals: { 'aws:RequestedRegion': 'us-east-1' },
      StringLike: { 'aws:PrincipalArn': '*:role/other' },
    }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1', 'aws:PrincipalArn': ROLE } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringEquals on a missing key: false',
    policies: cond({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' } }),
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringEqualsIfExists on a missing key: true',
    policies: cond({ StringEqualsIfExists: { 'aws:RequestedRegion': 'us-east-1' } }),
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'StringEqualsIfExists on a present key compares',
    policies: cond({ StringEqualsIfExists: { 'aws:RequestedRegion': 'us-east-1' } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'eu-west-1' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringNotEquals on a missing key: true',
    policies: cond({ StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } }),
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'StringNotEquals with several values is NOR',
    policies: cond({ StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'us-east-1'] } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringEqualsIgnoreCase',
    policies: cond({ StringEqualsIgnoreCase: { 'aws:RequestedRegion': 'US-EAST-1' } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'Allow',
  },
  {
    name: 'StringLike with * on a GitHub subject',
    policies: cond({
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:me/app:ref:refs/heads/*' },
    }),
    request: request({
      ctx: { 'token.actions.githubusercontent.com:sub': 'repo:me/app:ref:refs/heads/main' },
    }),
    expected: 'Allow',
  },
  {
    name: 'StringLike ? is exactly one character',
    policies: cond({
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:me/app:ref:refs/heads/v?' },
    }),
    request: request({
      ctx: { 'token.actions.githubusercontent.com:sub': 'repo:me/app:ref:refs/heads/v10' },
    }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringNotLike excludes a pattern',
    policies: cond({ StringNotLike: { 'token.actions.githubusercontent.com:sub': '*:pull_request' } }),
    request: request({ ctx: { 'token.actions.githubusercontent.com:sub': 'repo:me/app:pull_request' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'ArnLike with a wildcard in the resource part',
    policies: cond({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/dep*` } }),
    request: request({ ctx: { 'aws:PrincipalArn': ROLE } }),
    expected: 'Allow',
  },
  {
    name: 'ArnEquals compares part by part',
    policies: cond({ ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::*:role/deploy` } }),
    request: request({ ctx: { 'aws:PrincipalArn': ROLE } }),
    expected: 'Allow',
  },
  {
    name: 'ArnNotLike',
    policies: cond({ ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::*:role/dep*` } }),
    request: request({ ctx: { 'aws:PrincipalArn': ROLE } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'ArnLike does not let * cross the account part',
    policies: cond({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::1*:role/deploy` } }),
    request: request({ ctx: { 'aws:PrincipalArn': ROLE } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'Bool true',
    policies: cond({ Bool: { 'aws:SecureTransport': 'true' } }),
    request: request({ ctx: { 'aws:SecureTransport': 'true' } }),
    expected: 'Allow',
  },
  {
    name: 'Bool given as a JSON boolean',
    policies: cond({ Bool: { 'aws:SecureTransport': false } }),
    request: request({ ctx: { 'aws:SecureTransport': 'true' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'NumericLessThan',
    policies: cond({ NumericLessThan: { 'sts:DurationSeconds': '3601' } }),
    request: request({ ctx: { 'sts:DurationSeconds': '3600' } }),
    expected: 'Allow',
  },
  {
    name: 'NumericGreaterThan on a non-number: false',
    policies: cond({ NumericGreaterThan: { 'sts:DurationSeconds': '1' } }),
    request: request({ ctx: { 'sts:DurationSeconds': 'abc' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'DateLessThan',
    policies: cond({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }),
    request: request({ ctx: { 'aws:CurrentTime': '2026-12-05T00:00:00Z' } }),
    expected: 'Allow',
  },
  {
    name: 'DateGreaterThan',
    policies: cond({ DateGreaterThan: { 'aws:CurrentTime': '2030-01-01' } }),
    request: request({ ctx: { 'aws:CurrentTime': '2026-12-05T00:00:00Z' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'IpAddress in a block',
    policies: cond({ IpAddress: { 'aws:SourceIp': '10.0.0.0/16' } }),
    request: request({ ctx: { 'aws:SourceIp': '10.0.3.4' } }),
    expected: 'Allow',
  },
  {
    name: 'NotIpAddress',
    policies: cond({ NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/16', '192.168.1.1'] } }),
    request: request({ ctx: { 'aws:SourceIp': '192.168.1.1' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'Null true: the key is absent',
    policies: cond({ Null: { 'aws:TokenIssueTime': 'true' } }),
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'Null false: the key must be present',
    policies: cond({ Null: { 'aws:TokenIssueTime': 'false' } }),
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    name: 'ForAllValues: every request value among the policy values',
    policies: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } }),
    request: request({ ctx: { 'aws:TagKeys': ['env', 'owner'] } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'ForAllValues on a missing key: true',
    policies: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } }),
    request: request(),
    expected: 'Allow',
  },
  {
    name: 'ForAnyValue: one request value suffices',
    policies: cond({ 'ForAnyValue:StringLike': { 'aws:TagKeys': 'te*' } }),
    request: request({ ctx: { 'aws:TagKeys': ['env', 'team'] } }),
    expected: 'Allow',
  },
  {
    name: 'ForAnyValue on a missing key: false',
    policies: cond({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } }),
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    name: 'an operator IAM does not know grants nothing',
    policies: cond({ StringSounds: { 'aws:RequestedRegion': 'us-east-1' } }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'ImplicitDeny',
  },
  {
    name: 'a conditional Deny applies only when its condition holds',
    policies: identity(allow(), {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } },
    }),
    request: request({ ctx: { 'aws:RequestedRegion': 'us-east-1' } }),
    expected: 'Allow',
  },
];

const trust = (statement: Partial<PolicyStatement>): ApplicablePolicies => ({
  resource: [
    {
      source: 'trust policy',
      document: doc({
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: GITHUB },
        ...statement,
      }),
    },
  ],
});
const github = (sub: string, aud = 'sts.amazonaws.com') =>
  request({
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: ROLE,
    principal: { type: 'Federated', id: GITHUB },
    ctx: { 'token.actions.githubusercontent.com:sub': sub, 'token.actions.githubusercontent.com:aud': aud },
  });
const branchCondition = {
  StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
  StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:me/app:ref:refs/heads/main' },
};

const trustCases: Case[] = [
  {
    name: 'trust: the allowed branch',
    policies: trust({ Condition: branchCondition }),
    request: github('repo:me/app:ref:refs/heads/main'),
    expected: 'Allow',
  },
  {
    name: 'trust: another branch',
    policies: trust({ Condition: branchCondition }),
    request: github('repo:me/app:ref:refs/heads/feature'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'trust: another repository',
    policies: trust({ Condition: branchCondition }),
    request: github('repo:you/app:ref:refs/heads/main'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'trust: another audience',
    policies: trust({ Condition: branchCondition }),
    request: github('repo:me/app:ref:refs/heads/main', 'other'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'trust: another provider',
    policies: trust({
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/accounts.google.com` },
    }),
    request: github('repo:me/app:ref:refs/heads/main'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'trust: the wrong action',
    policies: trust({ Action: 'sts:AssumeRole' }),
    request: github('repo:me/app:ref:refs/heads/main'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'trust: an explicit deny of pull requests',
    policies: {
      resource: [
        ...trust({}).resource!,
        {
          source: 'deny',
          document: doc({
            Effect: 'Deny',
            Principal: '*',
            Action: 'sts:*',
            Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': '*:pull_request' } },
          }),
        },
      ],
    },
    request: github('repo:me/app:pull_request'),
    expected: 'ExplicitDeny',
  },
  {
    name: 'trust: a service principal is not a federated one',
    policies: trust({ Principal: { Service: 'ecs-tasks.amazonaws.com' } }),
    request: github('repo:me/app:ref:refs/heads/main'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'trust: the account root named, a session of the account, identity allows',
    policies: {
      resource: [
        {
          source: 'trust',
          document: doc({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }),
        },
      ],
      ...identity(allow({ Action: 'sts:AssumeRole' })),
    },
    request: request({ action: 'sts:AssumeRole', resource: ROLE }),
    options: { resourceRequired: true },
    expected: 'Allow',
  },
];

/**
 * Cases from AWS's documentation, each naming the rule it checks: the IAM User Guide's "Policy
 * evaluation logic" (EVAL: "Determining whether a request is allowed or denied within an
 * account"), "Permissions boundaries for IAM entities" (BOUNDARY), "Session policies" (SESSION),
 * "Condition operators" (COND), "Single-valued vs. multivalued context keys" (MULTI) and "IAM
 * policy elements: Variables and tags" (VARS).
 */
const SESSION_ARN = SESSION.type === 'AWS' ? SESSION.arn : '';
const resourcePolicy = (...statements: PolicyStatement[]) => [
  { source: 'resource policy', document: doc(...statements) },
];
const labeled = (source: string, ...statements: PolicyStatement[]) => [
  { source, document: doc(...statements) },
];
const secretRequest = request({ action: 'secretsmanager:GetSecretValue', resource: secretArn });
const tagged = (ctx: Record<string, string | string[]>) => request({ action: 'ecs:TagResource', ctx });

const documentedCases: Array<Case & { rule: string }> = [
  {
    rule: 'EVAL: within one account, an Allow in either an identity or a resource policy suffices',
    name: 'identity allow, resource policy silent on this principal',
    policies: {
      ...identity(allow({ Action: 'secretsmanager:*' })),
      resource: resourcePolicy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
        Action: 'secretsmanager:*',
        Resource: '*',
      }),
    },
    request: secretRequest,
    expected: 'Allow',
  },
  {
    rule: 'EVAL: a resource policy naming the role session ARN is not limited by an implicit deny in a boundary',
    name: 'resource policy names the session; the boundary allows nothing',
    policies: {
      resource: resourcePolicy({
        Effect: 'Allow',
        Principal: { AWS: SESSION_ARN },
        Action: '*',
        Resource: '*',
      }),
      boundary: labeled('boundary', allow({ Action: 'ecs:List*' })),
    },
    request: secretRequest,
    expected: 'Allow',
  },
  {
    rule: 'EVAL: a resource policy naming the role session ARN is not limited by an implicit deny in session policies',
    name: 'resource policy names the session; the session policy allows nothing',
    policies: {
      resource: resourcePolicy({
        Effect: 'Allow',
        Principal: { AWS: SESSION_ARN },
        Action: '*',
        Resource: '*',
      }),
      session: labeled('session', allow({ Action: 'ecs:List*' })),
    },
    request: secretRequest,
    expected: 'Allow',
  },
  {
    rule: "EVAL: a resource policy naming the role ARN is limited by the boundary's implicit deny",
    name: 'resource policy names the role; the boundary does not allow',
    policies: {
      resource: resourcePolicy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: '*', Resource: '*' }),
      boundary: labeled('boundary', allow({ Action: 'ecs:List*' })),
    },
    request: secretRequest,
    expected: 'ImplicitDeny',
  },
  {
    rule: 'EVAL: an explicit deny in any policy, a boundary included, overrides a resource policy naming the session',
    name: 'boundary deny beats a resource policy naming the session',
    policies: {
      resource: resourcePolicy({
        Effect: 'Allow',
        Principal: { AWS: SESSION_ARN },
        Action: '*',
        Resource: '*',
      }),
      boundary: labeled('boundary', { Effect: 'Deny', Action: 'secretsmanager:*', Resource: '*' }),
    },
    request: secretRequest,
    expected: 'ExplicitDeny',
  },
  {
    rule: 'BOUNDARY: effective permissions are the intersection of the identity policy and the boundary',
    name: 'the boundary allows, the identity policy does not',
    policies: { identity: [], boundary: labeled('boundary', allow()) },
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    rule: 'BOUNDARY: an explicit deny in a boundary overrides an identity allow',
    name: 'boundary deny',
    policies: {
      ...identity(allow()),
      boundary: labeled('boundary', allow(), { Effect: 'Deny', Action: 'ecs:Register*', Resource: '*' }),
    },
    request: request(),
    expected: 'ExplicitDeny',
  },
  {
    rule: 'SESSION: the session is allowed what both its identity policies and its session policies allow',
    name: 'identity and session policy both allow',
    policies: { ...identity(allow()), session: labeled('session', allow({ Action: 'ecs:Register*' })) },
    request: request(),
    expected: 'Allow',
  },
  {
    rule: 'SESSION: session policies cannot grant more than the identity policies allow',
    name: 'the session policy allows, the identity policy does not',
    policies: { identity: [], session: labeled('session', allow()) },
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    rule: 'SESSION: a session policy that does not allow the action limits the identity allow',
    name: 'the session policy allows only something else',
    policies: { ...identity(allow()), session: labeled('session', allow({ Action: 'ecs:List*' })) },
    request: request(),
    expected: 'ImplicitDeny',
  },
  {
    rule: 'SESSION: an explicit deny in a session policy overrides',
    name: 'session policy deny',
    policies: {
      ...identity(allow()),
      session: labeled('session', { Effect: 'Deny', Action: '*', Resource: '*' }),
    },
    request: request(),
    expected: 'ExplicitDeny',
  },
  {
    rule: 'BOUNDARY + SESSION: an identity allow must also be allowed by the boundary and the session policy',
    name: 'identity, boundary and session policy all allow',
    policies: {
      ...identity(allow()),
      boundary: labeled('boundary', allow()),
      session: labeled('session', allow({ Action: 'ecs:RegisterTaskDefinition' })),
    },
    request: request(),
    expected: 'Allow',
  },
  {
    rule: 'EVAL: Deny with NotResource denies every resource but those named',
    name: 'Deny NotResource: another secret is denied',
    policies: identity(allow({ Action: 'secretsmanager:*' }), {
      Effect: 'Deny',
      Action: 'secretsmanager:*',
      NotResource: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:public-*`,
    }),
    request: secretRequest,
    expected: 'ExplicitDeny',
  },
  {
    rule: 'EVAL: Deny with NotAction denies every action but those named',
    name: 'Deny NotAction: the named action is not denied',
    policies: identity(allow(), { Effect: 'Deny', NotAction: 'ecs:Register*', Resource: '*' }),
    request: request(),
    expected: 'Allow',
  },
  {
    rule: 'COND: ...IfExists: a missing key makes the condition true (the documented MFA deny)',
    name: 'BoolIfExists aws:MultiFactorAuthPresent false denies a call without MFA information',
    policies: identity(allow(), {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    }),
    request: request(),
    expected: 'ExplicitDeny',
  },
  {
    rule: 'COND: ...IfExists: a present key is compared as without IfExists',
    name: 'BoolIfExists aws:MultiFactorAuthPresent false does not deny a call with MFA',
    policies: identity(allow(), {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    }),
    request: request({ ctx: { 'aws:MultiFactorAuthPresent': 'true' } }),
    expected: 'Allow',
  },
  {
    rule: 'COND: ArnLikeIfExists on a missing aws:SourceArn is true',
    name: 'ArnLikeIfExists, key absent',
    policies: cond({ ArnLikeIfExists: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCOUNT}:*` } }),
    request: request(),
    expected: 'Allow',
  },
  {
    rule: 'COND: NumericLessThanEquals, several policy values are alternatives',
    name: 'NumericLessThanEquals with two values',
    policies: cond({ NumericLessThanEquals: { 's3:max-keys': ['5', '10'] } }),
    request: request({ ctx: { 's3:max-keys': '7' } }),
    expected: 'Allow',
  },
  {
    rule: 'MULTI: ForAllValues: every request tag key must be among the allowed keys',
    name: 'ForAllValues:StringEquals aws:TagKeys with a key not allowed',
    policies: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }),
    request: tagged({ 'aws:TagKeys': ['team', 'owner'] }),
    expected: 'ImplicitDeny',
  },
  {
    rule: 'MULTI: ForAllValues is true when the request has no values for the key',
    name: 'ForAllValues:StringEquals aws:TagKeys with no tags',
    policies: cond({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }),
    request: tagged({ 'aws:TagKeys': [] }),
    expected: 'Allow',
  },
  {
    rule: 'MULTI: the documented pairing: ForAllValues with Null false requires tags and allows only listed keys',
    name: 'ForAllValues plus Null false, no tags given',
    policies: cond({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] },
      Null: { 'aws:TagKeys': 'false' },
    }),
    request: tagged({}),
    expected: 'ImplicitDeny',
  },
  {
    rule: 'MULTI: ForAnyValue:StringLike, one request value matching a pattern suffices',
    name: 'ForAnyValue:StringLike aws:TagKeys',
    policies: cond({ 'ForAnyValue:StringLike': { 'aws:TagKeys': 'cost-*' } }),
    request: tagged({ 'aws:TagKeys': ['team', 'cost-center'] }),
    expected: 'Allow',
  },
  {
    rule: 'MULTI: a Deny with ForAnyValue applies when any request value matches',
    name: 'Deny ForAnyValue:StringEquals aws:TagKeys on a protected key',
    policies: identity(allow(), {
      Effect: 'Deny',
      Action: 'ecs:TagResource',
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'owner' } },
    }),
    request: tagged({ 'aws:TagKeys': ['team', 'owner'] }),
    expected: 'ExplicitDeny',
  },
  {
    rule: 'VARS: ${aws:username} in Resource is replaced by the request value',
    name: 'a user may act on their own user only',
    policies: identity(allow({ Action: 'iam:*', Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}` })),
    request: request({
      action: 'iam:GetUser',
      resource: `arn:aws:iam::${ACCOUNT}:user/ana`,
      ctx: { 'aws:username': 'ana' },
    }),
    expected: 'Allow',
  },
  {
    rule: 'VARS: ${aws:username} in Resource does not match another name',
    name: "a user may not act on another's user",
    policies: identity(allow({ Action: 'iam:*', Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}` })),
    request: request({
      action: 'iam:GetUser',
      resource: `arn:aws:iam::${ACCOUNT}:user/bob`,
      ctx: { 'aws:username': 'ana' },
    }),
    expected: 'ImplicitDeny',
  },
  {
    rule: 'VARS: a variable without a value (a role session has no aws:username) makes the element match nothing',
    name: '${aws:username} for a role session',
    policies: identity(allow({ Action: 'iam:*', Resource: `arn:aws:iam::${ACCOUNT}:user/\${aws:username}` })),
    request: request({ action: 'iam:GetUser', resource: `arn:aws:iam::${ACCOUNT}:user/ana` }),
    expected: 'ImplicitDeny',
  },
  {
    rule: 'VARS: ${aws:PrincipalTag/key} in a condition value: attribute-based access control',
    name: 'resource team tag equals the principal team tag',
    policies: cond({ StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } }),
    request: request({ ctx: { 'aws:ResourceTag/team': 'blue', 'aws:PrincipalTag/team': 'blue' } }),
    expected: 'Allow',
  },
  {
    rule: 'VARS: ${aws:PrincipalTag/key} in a condition value, another team',
    name: 'resource team tag differs from the principal team tag',
    policies: cond({ StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } }),
    request: request({ ctx: { 'aws:ResourceTag/team': 'red', 'aws:PrincipalTag/team': 'blue' } }),
    expected: 'ImplicitDeny',
  },
  {
    rule: "VARS: a default value (${key, 'default'}) stands in for a missing key",
    name: 'the default value of a missing principal tag',
    policies: cond({ StringEquals: { 'aws:ResourceTag/team': "${aws:PrincipalTag/team, 'shared'}" } }),
    request: request({ ctx: { 'aws:ResourceTag/team': 'shared' } }),
    expected: 'Allow',
  },
];

describe('policy evaluation', () => {
  it.each([...cases, ...trustCases])('$name', ({ policies, request: r, expected, options }) => {
    expect(evaluateAccess(policies, r, options).decision).toBe(expected);
  });

  it.each(documentedCases)('$rule — $name', ({ policies, request: r, expected, options }) => {
    expect(evaluateAccess(policies, r, options).decision).toBe(expected);
  });

  it('names the statement that decided', () => {
    const decision = evaluateAccess(
      identity(allow({ Sid: 'Ecs' }), {
        Sid: 'NoRegister',
        Effect: 'Deny',
        Action: 'ecs:Register*',
        Resource: '*',
      }),
      request(),
    );
    expect(decision).toEqual({
      decision: 'ExplicitDeny',
      by: { policyType: 'identity', source: 'inline', index: 1, sid: 'NoRegister' },
    });
    expect(evaluateAccess({}, request())).toEqual({ decision: 'ImplicitDeny', missing: 'identity' });
  });
});
