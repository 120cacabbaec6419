/**
 * AssumeRole and AssumeRoleWithWebIdentity: the role's trust policy decides who may assume it
 * (policy evaluation as IAM documents it); web identity tokens are checked against the OIDC
 * provider registered for their issuer. Refusals carry STS's codes and wording.
 */
import type {
  AssumeRoleRequest,
  AssumeRoleResponse,
  AssumeRoleWithWebIdentityRequest,
  AssumeRoleWithWebIdentityResponse,
} from '@aws-sdk/client-sts';
import {
  issuerHostPath,
  oidcProviderForIssuer,
  roleByArn,
  type RoleFacts,
  type SessionRecord,
} from '../../access/identities.ts';
import { HOSTED_ISSUERS, hostedIssuerKeys } from '../../access/local-issuer.ts';
import { contextValues } from '../../access/policy-conditions.ts';
import { parsePolicyDocument, type PolicyDocument } from '../../access/policy-document.ts';
import { evaluateAccess, type AccessRequest, type LabeledPolicy } from '../../access/policy-evaluation.ts';
import {
  audiences,
  checkSignature,
  checkTimes,
  decodeToken,
  invalidIdentityToken,
} from '../../access/web-identity-token.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { assumedRoleUser, credentialsOf, newSession } from './credentials.ts';
import { recordSession, type StsState } from './state.ts';

const DEFAULT_DURATION_SECONDS = 3600;
/** A role session assuming another role (role chaining) gets at most an hour, as on AWS. */
const ROLE_CHAINING_LIMIT_SECONDS = 3600;

/**
 * Here only the trust policy decides: the caller's own (identity-based) policies are evaluated,
 * with the trust policy as the role's resource policy, by the gateway's enforcement (--enforce-iam).
 */
const IDENTITY_NOT_ENFORCED: LabeledPolicy[] = [
  {
    source: 'identity policies (not enforced)',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
];

/** `aws:PrincipalType` as AWS names each kind of caller. */
const PRINCIPAL_TYPE = {
  root: 'Account',
  session: 'AssumedRole',
  user: 'User',
  federated: 'FederatedUser',
} as const;

function accessDenied(message: string): ServiceError {
  return new ServiceError(message, { code: 'AccessDenied', status: 403 });
}

function trustPolicy(role: RoleFacts): LabeledPolicy[] {
  let document: PolicyDocument;
  try {
    document = parsePolicyDocument(role.assumeRolePolicyDocument, 'trust');
  } catch {
    // IAM checked it when it was stored; one saved before the checks grew trusts nobody.
    return [];
  }
  return [{ source: `trust policy of ${role.arn}`, document }];
}

/** The session policies the caller passed, kept with the session (enforcement intersects them). */
function withSessionPolicies(
  session: SessionRecord,
  input: { Policy?: string | undefined; PolicyArns?: Array<{ arn?: string | undefined }> | undefined },
): SessionRecord {
  const arns = (input.PolicyArns ?? []).flatMap((p) => (p.arn ? [p.arn] : []));
  return {
    ...session,
    ...(input.Policy !== undefined ? { sessionPolicy: input.Policy } : {}),
    ...(arns.length > 0 ? { sessionPolicyArns: arns } : {}),
  };
}

function checkDuration(requested: number | undefined, role: RoleFacts, chained: boolean): number {
  const seconds = requested ?? DEFAULT_DURATION_SECONDS;
  if (chained && seconds > ROLE_CHAINING_LIMIT_SECONDS) {
    throw new ServiceError(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      { code: 'ValidationError' },
    );
  }
  if (seconds > role.maxSessionDuration) {
    throw new ServiceError(
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      {
        code: 'ValidationError',
      },
    );
  }
  return seconds;
}

export const assumeRole: Handler<
  Checked<AssumeRoleRequest, 'RoleArn' | 'RoleSessionName'>,
  AssumeRoleResponse,
  StsState
> = (input, ctx) => {
  // A session policy is checked as IAM checks any permissions policy; enforcement applies it.
  if (input.Policy !== undefined) parsePolicyDocument(input.Policy, 'permissions');
  const caller = ctx.caller;
  const denied = () =>
    accessDenied(
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
    );
  const role = roleByArn(ctx.store, input.RoleArn);
  if (!role) throw denied();
  const request: AccessRequest = {
    action: 'sts:AssumeRole',
    resource: role.arn,
    principal: {
      type: 'AWS',
      arn: caller.arn,
      account: caller.accountId,
      ...(caller.kind === 'session' ? { roleArn: caller.session.roleArn } : {}),
    },
    context: contextValues({
      'aws:PrincipalArn': caller.kind === 'session' ? caller.session.roleArn : caller.arn,
      'aws:PrincipalAccount': caller.accountId,
      'aws:PrincipalType': PRINCIPAL_TYPE[caller.kind],
      'sts:RoleSessionName': input.RoleSessionName,
      'sts:ExternalId': input.ExternalId,
      'sts:SourceIdentity': input.SourceIdentity,
      'aws:RequestedRegion': ctx.region,
    }),
  };
  const decision = evaluateAccess({ resource: trustPolicy(role), identity: IDENTITY_NOT_ENFORCED }, request, {
    resourceRequired: true,
  });
  if (decision.decision !== 'Allow') throw denied();
  const seconds = checkDuration(input.DurationSeconds, role, caller.kind === 'session');
  const now = Date.now();
  const session = withSessionPolicies(
    newSession(role, ctx.accountId, input.RoleSessionName, seconds, now),
    input,
  );
  recordSession(ctx.state, session, now);
  return { Credentials: credentialsOf(session), AssumedRoleUser: assumedRoleUser(session) };
};

export const assumeRoleWithWebIdentity: Handler<
  Checked<AssumeRoleWithWebIdentityRequest, 'RoleArn' | 'RoleSessionName' | 'WebIdentityToken'>,
  AssumeRoleWithWebIdentityResponse,
  StsState
> = (input, ctx) => {
  if (input.Policy !== undefined) parsePolicyDocument(input.Policy, 'permissions');
  const now = Date.now();
  const token = decodeToken(input.WebIdentityToken);
  const { claims } = token;
  const provider = oidcProviderForIssuer(ctx.store, ctx.accountId, claims.iss);
  if (!provider)
    throw invalidIdentityToken(`No OpenIDConnect provider found in your account for ${claims.iss}`);
  const audience = audiences(claims).find((aud) => provider.clientIds.includes(aud));
  if (audience === undefined) throw invalidIdentityToken('Incorrect token audience');
  // Offline, only the issuers the local cloud stands in for have keys it can read.
  if (!HOSTED_ISSUERS.has(claims.iss.replace(/\/+$/, ''))) {
    throw invalidIdentityToken(
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    );
  }
  checkSignature(token, hostedIssuerKeys(ctx.store));
  checkTimes(claims, now);
  const denied = () => accessDenied('Not authorized to perform sts:AssumeRoleWithWebIdentity');
  const role = roleByArn(ctx.store, input.RoleArn);
  if (!role) throw denied();
  const keyPrefix = issuerHostPath(claims.iss);
  const request: AccessRequest = {
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: role.arn,
    principal: { type: 'Federated', id: provider.arn },
    context: contextValues({
      [`${keyPrefix}:sub`]: claims.sub,
      [`${keyPrefix}:aud`]: audience,
      'aws:FederatedProvider': provider.arn,
      'sts:RoleSessionName': input.RoleSessionName,
      'aws:RequestedRegion': ctx.region,
    }),
  };
  const decision = evaluateAccess({ resource: trustPolicy(role) }, request, { resourceRequired: true });
  if (decision.decision !== 'Allow') throw denied();
  const seconds = checkDuration(input.DurationSeconds, role, false);
  const session = withSessionPolicies(
    newSession(role, ctx.accountId, input.RoleSessionName, seconds, now, {
      providerArn: provider.arn,
      subject: claims.sub,
    }),
    input,
  );
  recordSession(ctx.state, session, now);
  return {
    Credentials: credentialsOf(session),
    AssumedRoleUser: assumedRoleUser(session),
    SubjectFromWebIdentityToken: claims.sub,
    Provider: claims.iss,
    Audience: audience,
  };
};
