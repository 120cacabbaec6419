/**
 * IAM's policy simulator (what `aws iam simulate-principal-policy` asks before a deploy role is
 * trusted with a pipeline): SimulatePrincipalPolicy evaluates a user's (with its groups'), group's
 * or role's policies, SimulateCustomPolicy the policies given, each with optional added policies,
 * a permissions boundary, a resource policy and context entries — through the same pure evaluator
 * the gateway enforces calls with (access/policy-evaluation.ts). GetContextKeysFor*Policy list the
 * condition keys and policy variables those policies reference.
 *
 * As AWS does: one result per action and resource (`*` when no resource is named); the matched
 * statements are the identity and resource policies' of the deciding effect (the boundary's
 * verdict is PermissionsBoundaryDecisionDetail), each placed by line and column in its document
 * (1-based lines, columns one past the brace, as AWS's examples show); MissingContextValues are
 * the condition keys of statements that cover the action and resource but that no context entry
 * gives. Chosen where the reference is silent: a SourcePolicyId is the policy's name (input
 * policies: `PolicyInputList.N`, `PermissionsBoundaryPolicyInputList.N`, `ResourcePolicy`); a
 * document that does not parse, or an action without its service prefix, is InvalidInput with
 * IAM's grammar message; ResourceHandlingOption is accepted and not used (it selects EC2 scenarios).
 */
import type {
  ContextEntry,
  EvaluationResult,
  GetContextKeysForCustomPolicyRequest,
  GetContextKeysForPolicyResponse,
  GetContextKeysForPrincipalPolicyRequest,
  PolicySourceType,
  SimulateCustomPolicyRequest,
  SimulatePolicyResponse,
  SimulatePrincipalPolicyRequest,
  Statement,
} from '@aws-sdk/client-iam';
import { AWS_MANAGED_POLICIES } from '../../access/aws-managed-policies.ts';
import type { PolicyHolder } from '../../access/identities.ts';
import { contextValues } from '../../access/policy-conditions.ts';
import {
  asList,
  parsePolicyDocument,
  type PolicyDocument,
  type PolicyKind,
} from '../../access/policy-document.ts';
import {
  evaluateAccess,
  statementApplies,
  type AccessRequest,
  type LabeledPolicy,
} from '../../access/policy-evaluation.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import type { IamState } from './state.ts';
import { defaultVersion, findGroup, findPolicy, findRole, findUser, groups, invalidInput } from './state.ts';

/** A policy in the simulation: where it came from (for MatchedStatements) and its text (for positions). */
interface SimulatedPolicy extends LabeledPolicy {
  type: PolicySourceType;
  text: string;
}

function simulated(
  source: string,
  type: PolicySourceType,
  text: string,
  kind: PolicyKind = 'permissions',
): SimulatedPolicy {
  try {
    return { source, type, text, document: parsePolicyDocument(text, kind) };
  } catch (error) {
    if (error instanceof ServiceError) throw invalidInput(`${source}: ${error.message}`);
    throw error;
  }
}

const inputPolicies = (texts: readonly string[] | undefined, list: string): SimulatedPolicy[] =>
  (texts ?? []).map((text, i) => simulated(`${list}.${i + 1}`, 'none', text));

/** A holder's attached (AWS or customer managed) and inline policies; `inline` names whose inline ones. */
function holderPolicies(
  state: IamState,
  holder: PolicyHolder,
  inline: 'user' | 'group' | 'role',
): SimulatedPolicy[] {
  return [
    ...holder.attachedPolicyArns.flatMap((arn) => managed(state, arn)),
    ...Object.entries(holder.inlinePolicies).map(([name, text]) => simulated(name, inline, text)),
  ];
}

function managed(state: IamState, arn: string): SimulatedPolicy[] {
  const policy = findPolicy(state, arn);
  if (!policy) return [];
  return [
    simulated(
      policy.name,
      AWS_MANAGED_POLICIES.has(arn) ? 'aws-managed' : 'user-managed',
      defaultVersion(policy).document,
    ),
  ];
}

/** The principal an ARN names, with its identity policies and its boundary. */
function principalPolicies(
  state: IamState,
  arn: string,
): { identity: SimulatedPolicy[]; boundary: SimulatedPolicy[] | undefined } {
  const match = /^arn:aws:iam::\d{12}:(user|group|role)(\/.*)?\/([^/]+)$/.exec(arn);
  if (!match) throw invalidInput(`Invalid ARN: ${arn} is not the ARN of an IAM user, group or role.`);
  const [, kind, , name] = match as unknown as [string, 'user' | 'group' | 'role', string, string];
  if (kind === 'group')
    return { identity: holderPolicies(state, findGroup(state, name), 'group'), boundary: undefined };
  const holder = kind === 'user' ? findUser(state, name) : findRole(state, name);
  const identity = holderPolicies(state, holder, kind);
  if (kind === 'user') {
    const all = groups(state);
    for (const key of findUser(state, name).groupKeys)
      if (all[key]) identity.push(...holderPolicies(state, all[key], 'group'));
  }
  return {
    identity,
    boundary: holder.permissionsBoundary ? managed(state, holder.permissionsBoundary) : undefined,
  };
}

/** Context entries as the evaluator reads them: list types keep every value, the others their first. */
function contextOf(entries: readonly ContextEntry[] | undefined): Map<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const entry of entries ?? []) {
    if (!entry.ContextKeyName) continue;
    const given = entry.ContextKeyValues ?? [];
    values[entry.ContextKeyName] = entry.ContextKeyType?.endsWith('List') ? given : (given[0] ?? '');
  }
  return contextValues(values) as Map<string, string | string[]>;
}

interface Simulation {
  identity: SimulatedPolicy[];
  boundary: SimulatedPolicy[] | undefined;
  resource: SimulatedPolicy[];
  callerArn: string;
  accountId: string;
  input: Pick<
    SimulateCustomPolicyRequest,
    'ActionNames' | 'ResourceArns' | 'ContextEntries' | 'MaxItems' | 'Marker'
  >;
}

function checkActions(actions: readonly string[]): void {
  const bad = actions.find((a) => !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(a));
  if (bad !== undefined) throw invalidInput(`Action name ${bad} is not valid: it must be service:Operation.`);
}

function simulate(simulation: Simulation): SimulatePolicyResponse {
  const { input } = simulation;
  checkActions(input.ActionNames ?? []);
  const context = contextOf(input.ContextEntries);
  const resources = input.ResourceArns?.length ? input.ResourceArns : ['*'];
  const results = (input.ActionNames ?? []).flatMap((action) =>
    resources.map((resource) =>
      evaluate(simulation, {
        action,
        resource,
        context,
        principal: { type: 'AWS', arn: simulation.callerArn, account: simulation.accountId },
      }),
    ),
  );
  const { page, nextToken } = paginate(results, input.MaxItems, input.Marker);
  return {
    EvaluationResults: page,
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
}

const DECISIONS = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

function evaluate(simulation: Simulation, request: AccessRequest): EvaluationResult {
  const { identity, boundary, resource } = simulation;
  const decision = evaluateAccess({ identity, resource, ...(boundary ? { boundary } : {}) }, request);
  const effect = decision.decision === 'ExplicitDeny' ? 'Deny' : 'Allow';
  const matched =
    decision.decision === 'ImplicitDeny'
      ? []
      : [...identity, ...resource].flatMap((policy) => matchedStatements(policy, request, effect));
  const all = [...identity, ...resource, ...(boundary ?? [])];
  return {
    EvalActionName: request.action,
    EvalResourceName: request.resource,
    EvalDecision: DECISIONS[decision.decision],
    MatchedStatements: matched,
    MissingContextValues: missingContextValues(all, request),
    ...(boundary
      ? {
          PermissionsBoundaryDecisionDetail: {
            AllowedByPermissionsBoundary: boundary.some(
              (p) => matchedStatements(p, request, 'Allow').length > 0,
            ),
          },
        }
      : {}),
  };
}

function matchedStatements(
  policy: SimulatedPolicy,
  request: AccessRequest,
  effect: 'Allow' | 'Deny',
): Statement[] {
  const naming = policy.type === 'resource' ? 'account' : undefined;
  return policy.document.Statement.flatMap((statement, index) =>
    statement.Effect === effect && statementApplies(statement, request, naming)
      ? [
          {
            SourcePolicyId: policy.source,
            SourcePolicyType: policy.type,
            ...statementPosition(policy.text, index),
          },
        ]
      : [],
  );
}

/** Condition keys of the statements that cover the action and resource, that the request lacks. */
function missingContextValues(policies: SimulatedPolicy[], request: AccessRequest): string[] {
  const missing = new Set<string>();
  for (const policy of policies) {
    for (const statement of policy.document.Statement) {
      if (!statement.Condition) continue;
      if (!statementApplies({ ...statement, Condition: undefined }, request, undefined)) continue;
      for (const key of Object.values(statement.Condition).flatMap((keys) => Object.keys(keys))) {
        if (!request.context.has(key.toLowerCase())) missing.add(key);
      }
    }
  }
  return [...missing];
}

/**
 * Where the `index`th statement of a document's text begins and ends: the Statement member's
 * array element (or its single object), found by scanning the JSON text outside strings.
 */
export function statementPosition(
  text: string,
  index: number,
): Pick<Statement, 'StartPosition' | 'EndPosition'> {
  let depth = 0;
  let inString = false;
  let key = '';
  let keyStart = -1;
  let statementDepth = -1;
  let seen = -1;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        if (depth === 1) key = text.slice(keyStart + 1, i);
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      keyStart = i;
    } else if (c === '{' || c === '[') {
      depth++;
      if (statementDepth === -1 && depth === 2 && key === 'Statement') {
        statementDepth = c === '[' ? 3 : 2;
        if (c === '{') seen = 0;
        if (c === '{' && index === 0) start = i;
      } else if (statementDepth === 3 && depth === 3 && c === '{' && ++seen === index) start = i;
    } else if (c === '}' || c === ']') {
      if (start >= 0 && depth === statementDepth)
        return { StartPosition: position(text, start), EndPosition: position(text, i) };
      depth--;
    } else if (c === ',' && depth === 1) key = '';
  }
  return {};
}

function position(text: string, offset: number): { Line: number; Column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { Line: line, Column: offset - before.lastIndexOf('\n') + 1 };
}

export const simulatePrincipalPolicy: Handler<
  Checked<SimulatePrincipalPolicyRequest, 'PolicySourceArn' | 'ActionNames'>,
  SimulatePolicyResponse,
  IamState
> = (input, ctx) => {
  const principal = principalPolicies(ctx.state, input.PolicySourceArn);
  return simulate({
    identity: [...principal.identity, ...inputPolicies(input.PolicyInputList, 'PolicyInputList')],
    boundary: input.PermissionsBoundaryPolicyInputList?.length
      ? inputPolicies(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList')
      : principal.boundary,
    resource: input.ResourcePolicy
      ? [simulated('ResourcePolicy', 'resource', input.ResourcePolicy, 'resource')]
      : [],
    callerArn: input.CallerArn ?? input.PolicySourceArn,
    accountId: ctx.accountId,
    input,
  });
};

export const simulateCustomPolicy: Handler<
  Checked<SimulateCustomPolicyRequest, 'PolicyInputList' | 'ActionNames'>,
  SimulatePolicyResponse,
  IamState
> = (input, ctx) =>
  simulate({
    identity: inputPolicies(input.PolicyInputList, 'PolicyInputList'),
    boundary: input.PermissionsBoundaryPolicyInputList?.length
      ? inputPolicies(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList')
      : undefined,
    resource: input.ResourcePolicy
      ? [simulated('ResourcePolicy', 'resource', input.ResourcePolicy, 'resource')]
      : [],
    callerArn: input.CallerArn ?? `arn:aws:iam::${ctx.accountId}:root`,
    accountId: ctx.accountId,
    input,
  });

/** The condition keys and policy variables the documents reference, each once, as first spelled. */
function contextKeys(policies: readonly PolicyDocument[]): GetContextKeysForPolicyResponse {
  const keys = new Map<string, string>();
  const add = (key: string) => {
    if (!keys.has(key.toLowerCase())) keys.set(key.toLowerCase(), key);
  };
  for (const document of policies) {
    for (const statement of document.Statement) {
      for (const [, block] of Object.entries(statement.Condition ?? {}))
        for (const key of Object.keys(block)) add(key);
      const texts = [
        ...asList(statement.Resource),
        ...asList(statement.NotResource),
        ...Object.values(statement.Condition ?? {}).flatMap((block) =>
          Object.values(block).flatMap((v) => asList(v).map(String)),
        ),
      ];
      for (const text of texts) {
        for (const [, name] of text.matchAll(/\$\{([^},]+)/g))
          if (!['*', '?', '$'].includes(name!.trim())) add(name!.trim());
      }
    }
  }
  return { ContextKeyNames: [...keys.values()] };
}

export const getContextKeysForCustomPolicy: Handler<
  Checked<GetContextKeysForCustomPolicyRequest, 'PolicyInputList'>,
  GetContextKeysForPolicyResponse,
  IamState
> = (input) => contextKeys(inputPolicies(input.PolicyInputList, 'PolicyInputList').map((p) => p.document));

export const getContextKeysForPrincipalPolicy: Handler<
  Checked<GetContextKeysForPrincipalPolicyRequest, 'PolicySourceArn'>,
  GetContextKeysForPolicyResponse,
  IamState
> = (input, ctx) =>
  contextKeys(
    [
      ...principalPolicies(ctx.state, input.PolicySourceArn).identity,
      ...inputPolicies(input.PolicyInputList, 'PolicyInputList'),
    ].map((p) => p.document),
  );
