/**
 * IAM's policy evaluation logic for a request within one account, as a pure function over data:
 *
 *   1. an explicit Deny in any applicable policy decides: denied;
 *   2. an Allow in a resource-based policy that names the principal itself decides: allowed
 *      (within one account no identity policy is needed then);
 *   3. an Allow in a resource-based policy that names a role session's role (not the session)
 *      decides too, but the session's permissions boundary and session policies still must Allow;
 *   4. else an identity-based policy must Allow (a resource policy naming only the principal's
 *      account delegates to them), then a permissions boundary, when there is one, and the
 *      session policies, when the session was given any (AssumeRole's Policy/PolicyArns);
 *   5. a role's trust policy is a resource policy that must Allow (`resourceRequired`): without it
 *      no identity policy lets anyone assume the role.
 *
 * A statement applies when its Action/NotAction, Resource/NotResource, Principal/NotPrincipal and
 * Condition all match. The decision names the statement that decided, to answer "why was this
 * denied". Callers: STS (trust policies), and the gateway's enforcement of every call (issue 19).
 */
import { arnLike, conditionHolds, expandVariables, type RequestContextValues } from './policy-conditions.ts';
import { asList, type PolicyDocument, type PolicyStatement, type PrincipalBlock } from './policy-document.ts';
import { wildcardMatcher } from '../services/wildcard.ts';

/** Who makes the request, as resource policies' Principal elements name principals. */
export type RequestPrincipal =
  /** An IAM identity: its ARN, its account, and for a role session the role's own ARN. */
  | { type: 'AWS'; arn: string; account: string; roleArn?: string }
  /** A web identity or SAML federation: the provider's ARN (or a well-known host like accounts.google.com). */
  | { type: 'Federated'; id: string }
  /** An AWS service acting on the account's behalf (`ecs-tasks.amazonaws.com`). */
  | { type: 'Service'; id: string };

export interface AccessRequest {
  /** `service:Operation`, e.g. `sts:AssumeRoleWithWebIdentity`. */
  action: string;
  /** The resource's ARN (`*` for actions without one). */
  resource: string;
  principal: RequestPrincipal;
  context: RequestContextValues;
}

export type PolicyType = 'identity' | 'resource' | 'boundary' | 'session';

export interface LabeledPolicy {
  /** The policy's name or ARN, for the decision's explanation. */
  source: string;
  document: PolicyDocument;
}

export interface ApplicablePolicies {
  identity?: readonly LabeledPolicy[];
  resource?: readonly LabeledPolicy[];
  /** The principal's permissions boundary; undefined when it has none. */
  boundary?: readonly LabeledPolicy[];
  /** A role session's session policies (inline and managed); undefined when it was given none. */
  session?: readonly LabeledPolicy[];
}

/** The statement that decided: which policy, of which type, which statement (its Sid and index). */
export interface DecidingStatement {
  policyType: PolicyType;
  source: string;
  index: number;
  sid?: string;
}

export type AccessDecision =
  | { decision: 'Allow'; by: DecidingStatement }
  | { decision: 'ExplicitDeny'; by: DecidingStatement }
  /** No Allow where one was needed: `missing` says which type of policy lacked it. */
  | { decision: 'ImplicitDeny'; missing: PolicyType };

export function evaluateAccess(
  policies: ApplicablePolicies,
  request: AccessRequest,
  options: { resourceRequired?: boolean } = {},
): AccessDecision {
  const types: PolicyType[] = ['identity', 'resource', 'boundary', 'session'];
  for (const type of types) {
    const deny = findStatement(policies[type], type, request, 'Deny', 'account');
    if (deny) return { decision: 'ExplicitDeny', by: deny };
  }
  // A resource policy naming the session itself (or any principal) needs nothing else.
  const { roleArn, ...self } = request.principal as RequestPrincipal & { roleArn?: string };
  const selfRequest = roleArn === undefined ? request : { ...request, principal: self as RequestPrincipal };
  const bySelf = findStatement(policies.resource, 'resource', selfRequest, 'Allow', 'principal');
  if (bySelf) return { decision: 'Allow', by: bySelf };
  const byRole =
    roleArn === undefined
      ? undefined
      : findStatement(policies.resource, 'resource', request, 'Allow', 'principal');
  const delegated = findStatement(policies.resource, 'resource', request, 'Allow', 'account');
  if (options.resourceRequired && !delegated && !byRole)
    return { decision: 'ImplicitDeny', missing: 'resource' };
  const granted = byRole ?? findStatement(policies.identity, 'identity', request, 'Allow', 'account');
  if (!granted) return { decision: 'ImplicitDeny', missing: 'identity' };
  for (const type of ['boundary', 'session'] as const) {
    if (policies[type] && !findStatement(policies[type], type, request, 'Allow', 'account')) {
      return { decision: 'ImplicitDeny', missing: type };
    }
  }
  return { decision: 'Allow', by: granted };
}

function findStatement(
  policies: readonly LabeledPolicy[] | undefined,
  policyType: PolicyType,
  request: AccessRequest,
  effect: 'Allow' | 'Deny',
  naming: PrincipalNaming,
): DecidingStatement | undefined {
  for (const { source, document } of policies ?? []) {
    const index = document.Statement.findIndex(
      (s) =>
        s.Effect === effect && statementApplies(s, request, policyType === 'resource' ? naming : undefined),
    );
    if (index >= 0) {
      const sid = document.Statement[index]!.Sid;
      return { policyType, source, index, ...(sid ? { sid } : {}) };
    }
  }
  return undefined;
}

/**
 * How a resource policy's Principal must name the requester for a statement to count: as itself
 * (`principal`), or through its account too (`account`: enough for a Deny, and for an Allow that
 * delegates to the account's identity policies).
 */
export type PrincipalNaming = 'principal' | 'account';

/** Whether one statement covers the request (its effect aside); `naming` for resource policies only. */
export function statementApplies(
  s: PolicyStatement,
  request: AccessRequest,
  naming: PrincipalNaming | undefined,
): boolean {
  if (s.Action !== undefined && !asList(s.Action).some((a) => actionMatches(a, request.action))) return false;
  if (s.NotAction !== undefined && asList(s.NotAction).some((a) => actionMatches(a, request.action)))
    return false;
  const resourceIn = (patterns: string | string[]) =>
    asList(patterns).some((r) => {
      const pattern = expandVariables(r, request.context);
      return pattern !== undefined && resourceMatches(pattern, request.resource);
    });
  if (s.Resource !== undefined && !resourceIn(s.Resource)) return false;
  if (s.NotResource !== undefined && resourceIn(s.NotResource)) return false;
  if (naming) {
    const named = s.Principal === undefined ? undefined : principalNamed(s.Principal, request.principal);
    if (
      s.Principal !== undefined &&
      (named === undefined || (naming === 'principal' && named === 'account'))
    ) {
      return false;
    }
    if (s.NotPrincipal !== undefined && principalNamed(s.NotPrincipal, request.principal)) return false;
    if (s.Principal === undefined && s.NotPrincipal === undefined) return false;
  }
  return conditionHolds(s.Condition, request.context);
}

const actionMatchers = new Map<string, (action: string) => boolean>();

/** Actions match case-insensitively, with `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  let matcher = actionMatchers.get(pattern);
  if (!matcher) {
    if (actionMatchers.size >= 4096) actionMatchers.clear();
    const match = wildcardMatcher(pattern.toLowerCase(), { questionMark: true });
    actionMatchers.set(pattern, (matcher = (a) => match(a.toLowerCase())));
  }
  return matcher(action);
}

/** Resources match case-sensitively; a pattern's wildcards stay within the ARN part they are in. */
export function resourceMatches(pattern: string, resource: string): boolean {
  return pattern === '*' || arnLike(pattern, resource);
}

/**
 * How a Principal element names this principal: itself (`*`, its ARN, for a role session its
 * role's ARN), only its account (the account id or root ARN), or not at all (undefined).
 */
export function principalNamed(
  block: PrincipalBlock,
  principal: RequestPrincipal,
): PrincipalNaming | undefined {
  if (block === '*') return 'principal';
  const named = (type: string) => asList(Object.hasOwn(block, type) ? block[type] : undefined);
  switch (principal.type) {
    case 'AWS': {
      const values = named('AWS');
      if (values.some((v) => v === '*' || v === principal.arn || v === principal.roleArn)) return 'principal';
      const root = `arn:aws:iam::${principal.account}:root`;
      return values.some((v) => v === principal.account || v === root) ? 'account' : undefined;
    }
    case 'Federated':
      return named('Federated').some((v) => v === '*' || v === principal.id) ? 'principal' : undefined;
    case 'Service':
      return named('Service').some((v) => v === '*' || v === principal.id) ? 'principal' : undefined;
  }
}
