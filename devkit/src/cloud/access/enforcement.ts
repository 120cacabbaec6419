/**
 * IAM enforcement of every call (issue 19), in one place: the gateway asks `authorize` after it
 * knows the caller and has decoded the request, before any handler runs. The account's root
 * (`test`/`test`, any key the local cloud did not issue) is allowed, as root is on AWS; a role
 * session's call is evaluated as IAM documents it — its role's identity policies (inline and
 * attached, AWS managed included), the resource's own policy, the role's permissions boundary and
 * the session's policies — for each action the operation's catalogue entry names; an IAM user's
 * the same way with its own and its groups' policies and its boundary (a federated user's also
 * capped by its session policy). Refusals carry AWS's code and wording for the service's protocol.
 *
 * Every decision about a session's call is kept (the most recent ones), by the call's request id,
 * to answer "why was this denied"; and each allowed action is recorded with the resources it was
 * used on, per role, to print the least-privilege policy the role actually needed.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../protocol/errors.ts';
import type { StateStore } from '../state/store.ts';
import {
  arnBuilder,
  requiredActions,
  type AuthorizationCatalogue,
  type RequiredAction,
  type RequestInput,
} from './authorization.ts';
import { decodedMessage, encodeAuthorizationMessage } from './authorization-message.ts';
import type { Caller } from './caller.ts';
import type { Tag } from '@aws-sdk/client-iam';
import {
  groupsOfUser,
  managedPolicyDocument,
  roleByArn,
  type PolicyHolder,
  type SessionRecord,
} from './identities.ts';
import { contextValues } from './policy-conditions.ts';
import { parsePolicyDocument, type PolicyDocument, type PolicyStatement } from './policy-document.ts';
import { notAuthorizedMessage } from './denial.ts';
import {
  evaluateAccess,
  type AccessDecision,
  type ApplicablePolicies,
  type LabeledPolicy,
  type PolicyType,
  type RequestPrincipal,
} from './policy-evaluation.ts';
import { leastPrivilegePolicy, UsedPermissions } from './used-permissions.ts';

/** How a service's protocol names a refusal. */
export type DenialProtocol = 'json' | 'query' | 'ec2';

/** A role session as evaluation needs it: a gateway caller's, or one an AWS service holds (a task's execution role). */
export type ServiceSession = Pick<
  SessionRecord,
  'roleArn' | 'roleName' | 'assumedRoleId' | 'assumedRoleArn'
> &
  Partial<Pick<SessionRecord, 'webIdentity' | 'sessionPolicy' | 'sessionPolicyArns'>>;

export interface AccessCall {
  requestId: string;
  operation: string;
  input: RequestInput;
  caller: Caller;
  region: string;
  sourceIp: string | undefined;
  catalogue: AuthorizationCatalogue<never> | undefined;
  /** The service's state for the request's region (catalogue entries read resources from it). */
  state: unknown;
  protocol: DenialProtocol;
}

/** One action checked: what was asked, with which context, and what decided. */
export interface ActionCheck {
  action: string;
  resource: string;
  context: Record<string, string | readonly string[]>;
  decision: AccessDecision;
}

export interface DecisionRecord {
  requestId: string;
  timeMs: number;
  /** The caller: `arn:aws:sts::<account>:assumed-role/<role>/<session>`, `arn:aws:iam::<account>:user/<name>`. */
  principal: string;
  /** The role (or IAM user) whose policies decided. */
  roleArn: string;
  operation: string;
  allowed: boolean;
  /** Whether enforcement was on: off, a denial is recorded but the call went ahead. */
  enforced: boolean;
  /** The policies considered, by type (their names or ARNs). */
  policies: Partial<Record<PolicyType, string[]>>;
  checks: ActionCheck[];
  /** The refusal's message, when denied. */
  message?: string;
}

const KEPT_DECISIONS = 1000;
const PARSED_CACHE = 1000;

export class AccessControl {
  readonly enforced: boolean;
  private readonly store: StateStore;
  private readonly accountId: string;
  private readonly decisions = new Map<string, DecisionRecord>();
  private readonly parsed = new Map<string, PolicyDocument | null>();
  private readonly used = new UsedPermissions();

  constructor(options: { enforce: boolean; store: StateStore; accountId: string }) {
    this.enforced = options.enforce;
    this.store = options.store;
    this.accountId = options.accountId;
  }

  /** Throws AWS's refusal when enforcement is on and a call (anyone's but the root's) is not allowed. */
  authorize(call: AccessCall): void {
    if (call.caller.kind === 'root') return;
    const catalogue = call.catalogue;
    const prefix = catalogue?.prefix ?? call.operation;
    const entry =
      catalogue && Object.hasOwn(catalogue.operations, call.operation)
        ? catalogue.operations[call.operation]
        : undefined;
    const action = `${prefix}:${call.operation}`;
    const required: RequiredAction[] = entry
      ? requiredActions(entry, call.input, {
          region: call.region,
          accountId: this.accountId,
          state: call.state as never,
          store: this.store,
          action,
          caller: call.caller,
          arn: arnBuilder(prefix, call.region, this.accountId),
        })
      : [{ action, resource: '*' }];
    if (required.length === 0) return;
    const subject =
      call.caller.kind === 'session'
        ? this.sessionSubject(call.caller.session)
        : this.userSubject(call.caller);
    const denied = this.decide(subject, required, {
      requestId: call.requestId,
      operation: action,
      region: call.region,
      sourceIp: call.sourceIp,
    });
    if (!denied || !this.enforced) return;
    if (call.protocol !== 'ec2') throw denialError(call.protocol, denied.message);
    const { check, statement } = denied;
    const encoded = encodeAuthorizationMessage(
      this.store,
      decodedMessage({
        principal: { id: principalId(call.caller), arn: call.caller.arn },
        action: check.action,
        resource: check.resource,
        context: check.context,
        decision: check.decision as Exclude<AccessDecision, { decision: 'Allow' }>,
        ...(statement ? { statement } : {}),
      }),
    );
    throw denialError('ec2', denied.message, encoded);
  }

  /**
   * One action a call needs for each item it handles, decided apart from the call itself
   * (BatchGetSecretValue's GetSecretValue on each secret: a denied secret is listed in the reply's
   * Errors while the others are returned). AWS's refusal sentence when enforcement denies it;
   * undefined when allowed, for the root, or when enforcement is off (the denial is still kept).
   */
  itemRefusal(
    call: Pick<AccessCall, 'requestId' | 'caller' | 'region' | 'sourceIp'>,
    need: RequiredAction,
  ): string | undefined {
    if (call.caller.kind === 'root') return undefined;
    const subject =
      call.caller.kind === 'session'
        ? this.sessionSubject(call.caller.session)
        : this.userSubject(call.caller);
    const denied = this.decide(subject, [need], {
      // Its own record beside the call's, found by the call's id and the resource.
      requestId: `${call.requestId} ${need.resource}`,
      operation: need.action,
      region: call.region,
      sourceIp: call.sourceIp,
    });
    return denied && this.enforced ? denied.message : undefined;
  }

  /**
   * A call an AWS service makes for the account as a role's session (the ECS agent with a task's
   * execution role: registry auth, image pull, secrets, log streams). Evaluated, kept and recorded
   * as a gateway call is; the refusal's sentence when denied, else undefined.
   */
  authorizeServiceCall(session: ServiceSession, region: string, need: RequiredAction): string | undefined {
    return this.decide(this.sessionSubject(session), [need], {
      requestId: randomUUID(),
      operation: need.action,
      region,
    })?.message;
  }

  /** Evaluates each required action in turn (the first refusal ends it), keeps the decision and records use. */
  private decide(
    subject: Subject,
    required: RequiredAction[],
    call: { requestId: string; operation: string; region: string; sourceIp?: string | undefined },
  ): { check: ActionCheck; message: string; statement?: PolicyStatement } | undefined {
    const { policies, principal } = subject;
    const base = { ...this.baseContext(call.region, call.sourceIp), ...subject.context };
    const checks: ActionCheck[] = [];
    let denied: ActionCheck | undefined;
    for (const need of required) {
      const context = { ...base, ...definedOnly(need.context) };
      const resource = this.resourcePolicy(need);
      const decision = evaluateAccess(
        { ...policies, ...(resource ? { resource: [resource] } : {}) },
        { action: need.action, resource: need.resource, principal, context: contextValues(context) },
        { resourceRequired: need.resourcePolicy?.kind === 'trust' },
      );
      const check = { action: need.action, resource: need.resource, context, decision };
      checks.push(check);
      if (decision.decision !== 'Allow') {
        denied = check;
        break;
      }
    }
    const message =
      denied && denied.decision.decision !== 'Allow'
        ? notAuthorizedMessage(principal.arn, denied.action, denied.resource, denied.decision)
        : undefined;
    this.keep({
      requestId: call.requestId,
      timeMs: Date.now(),
      principal: principal.arn,
      roleArn: subject.identityArn,
      operation: call.operation,
      allowed: denied === undefined,
      enforced: this.enforced,
      policies: {
        identity: policies.identity?.map((p) => p.source) ?? [],
        ...(policies.boundary ? { boundary: policies.boundary.map((p) => p.source) } : {}),
        ...(policies.session ? { session: policies.session.map((p) => p.source) } : {}),
        ...(required.some((r) => r.resourcePolicy)
          ? { resource: required.flatMap((r) => (r.resourcePolicy ? [r.resourcePolicy.source] : [])) }
          : {}),
      },
      checks,
      ...(message ? { message } : {}),
    });
    if (subject.roleName !== undefined && (!denied || !this.enforced))
      this.used.record(subject.roleName, required);
    if (!denied || !message) return undefined;
    const by = denied.decision.decision === 'ExplicitDeny' ? denied.decision.by : undefined;
    // The deny statement itself, for EC2's encoded message (its actions, resources, conditions).
    const statement = by
      ? (by.policyType === 'resource'
          ? this.resourcePolicy(required[checks.length - 1]!)
          : policies[by.policyType]?.find((p) => p.source === by.source)
        )?.document.Statement[by.index]
      : undefined;
    return { check: denied, message, ...(statement ? { statement } : {}) };
  }

  /** The decision taken on a request, by its request id, while it is among the recent ones. */
  decision(requestId: string): DecisionRecord | undefined {
    return this.decisions.get(requestId);
  }

  /** The most recent decisions, newest first. */
  recentDecisions(limit = 50, options: { deniedOnly?: boolean } = {}): DecisionRecord[] {
    const all = [...this.decisions.values()].reverse();
    return (options.deniedOnly ? all.filter((d) => !d.allowed) : all).slice(0, limit);
  }

  /** The least-privilege policy for what a role's sessions were allowed to do; undefined if none seen. */
  usedPolicy(roleName: string): PolicyDocument | undefined {
    const used = this.used.of(roleName);
    return used ? leastPrivilegePolicy(used) : undefined;
  }

  /** Roles whose sessions made calls, by name. */
  usedRoles(): string[] {
    return this.used.roles();
  }

  private keep(record: DecisionRecord): void {
    this.decisions.set(record.requestId, record);
    if (this.decisions.size > KEPT_DECISIONS) this.decisions.delete(this.decisions.keys().next().value!);
  }

  /** A role session: its role's policies and boundary, its session policies. */
  private sessionSubject(session: ServiceSession): Subject {
    const role = roleByArn(this.store, session.roleArn);
    return {
      identityArn: session.roleArn,
      roleName: session.roleName,
      principal: {
        type: 'AWS',
        arn: session.assumedRoleArn,
        account: this.accountId,
        roleArn: session.roleArn,
      },
      policies: {
        identity: role ? this.holderPolicies(role) : [],
        ...(role?.permissionsBoundary ? { boundary: this.managed(role.permissionsBoundary) } : {}),
        ...this.sessionPolicies(session),
      },
      context: {
        'aws:PrincipalArn': session.roleArn,
        'aws:PrincipalType': 'AssumedRole',
        'aws:userid': session.assumedRoleId,
        ...(session.webIdentity ? { 'aws:FederatedProvider': session.webIdentity.providerArn } : {}),
        ...principalTags(role?.tags),
      },
    };
  }

  /**
   * An IAM user (its key, or a GetSessionToken session acting as it): its own and its groups'
   * policies, its boundary. A federated user: those (everything, for the root's) ∩ its session
   * policy; without one it may do nothing, as AWS documents for GetFederationToken.
   */
  private userSubject(caller: Extract<Caller, { kind: 'user' | 'federated' }>): Subject {
    const { user } = caller;
    const identity = user
      ? [
          this.holderPolicies(user),
          ...groupsOfUser(this.store, user).map((g) => this.holderPolicies(g)),
        ].flat()
      : ROOT_POLICIES;
    const federated = caller.kind === 'federated' ? caller.session.federatedUser : undefined;
    return {
      identityArn: user?.arn ?? `arn:aws:iam::${this.accountId}:root`,
      principal: { type: 'AWS', arn: caller.arn, account: this.accountId },
      policies: {
        identity,
        ...(user?.permissionsBoundary ? { boundary: this.managed(user.permissionsBoundary) } : {}),
        ...(caller.kind === 'federated'
          ? { session: this.sessionPolicies(caller.session).session ?? [] }
          : {}),
      },
      context: federated
        ? {
            'aws:PrincipalArn': federated.arn,
            'aws:PrincipalType': 'FederatedUser',
            'aws:userid': federated.id,
          }
        : {
            'aws:PrincipalArn': user!.arn,
            'aws:PrincipalType': 'User',
            'aws:userid': user!.id,
            'aws:username': user!.name,
            ...principalTags(user!.tags),
          },
    };
  }

  /** A role's, user's or group's attached and inline policies. */
  private holderPolicies(holder: PolicyHolder): LabeledPolicy[] {
    return [
      ...holder.attachedPolicyArns.flatMap((arn) => this.managed(arn)),
      ...Object.entries(holder.inlinePolicies).flatMap(([name, text]) => this.labeled(name, text)),
    ];
  }

  /** The session policies a session was given (inline and managed), if any. */
  private sessionPolicies(session: {
    sessionPolicy?: string | undefined;
    sessionPolicyArns?: string[] | undefined;
  }): { session?: LabeledPolicy[] } {
    if (session.sessionPolicy === undefined && !session.sessionPolicyArns) return {};
    return {
      session: [
        ...(session.sessionPolicy !== undefined ? this.labeled('session policy', session.sessionPolicy) : []),
        ...(session.sessionPolicyArns ?? []).flatMap((arn) => this.managed(arn)),
      ],
    };
  }

  private managed(arn: string): LabeledPolicy[] {
    const text = managedPolicyDocument(this.store, arn);
    return text === undefined ? [] : this.labeled(arn, text);
  }

  /** Documents are parsed once per text (the same policies decide call after call). */
  private labeled(
    source: string,
    text: string,
    kind: 'permissions' | 'resource' = 'permissions',
  ): LabeledPolicy[] {
    const key = `${kind}\n${text}`;
    let document = this.parsed.get(key);
    if (document === undefined) {
      document = parseStored(text, kind);
      if (this.parsed.size >= PARSED_CACHE) this.parsed.clear();
      this.parsed.set(key, document);
    }
    return document ? [{ source, document }] : [];
  }

  private resourcePolicy(need: RequiredAction): LabeledPolicy | undefined {
    return need.resourcePolicy
      ? this.labeled(need.resourcePolicy.source, need.resourcePolicy.text, 'resource')[0]
      : undefined;
  }

  private baseContext(
    region: string,
    sourceIp: string | undefined,
  ): Record<string, string | readonly string[]> {
    const now = Date.now();
    return {
      'aws:RequestedRegion': region,
      'aws:PrincipalAccount': this.accountId,
      'aws:CurrentTime': new Date(now).toISOString(),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      'aws:SecureTransport': 'false',
      'aws:ViaAWSService': 'false',
      ...(sourceIp ? { 'aws:SourceIp': sourceIp } : {}),
    };
  }
}

/** Who a decision is about: the principal, the policies that apply, its own condition keys. */
interface Subject {
  /** The role or IAM user whose policies decide (the root's ARN for the root's federated users). */
  identityArn: string;
  /** A role session's role, whose use is recorded for its least-privilege policy. */
  roleName?: string;
  principal: Extract<RequestPrincipal, { type: 'AWS' }>;
  policies: ApplicablePolicies;
  context: Record<string, string | readonly string[]>;
}

/** The root's own permissions: everything (a federated user of the root gets its session policy's). */
const ROOT_POLICIES: LabeledPolicy[] = [
  {
    source: 'account root',
    document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  },
];

function principalTags(tags: readonly Tag[] | undefined): Record<string, string> {
  const context: Record<string, string> = {};
  for (const tag of tags ?? [])
    if (tag.Key !== undefined) context[`aws:PrincipalTag/${tag.Key}`] = tag.Value ?? '';
  return context;
}

/** The line `devkit cloud`, `devkit status` and the rehearsal say about enforcement. */
export function iamEnforcementLine(enforced: boolean): string {
  return enforced
    ? 'iam: enforced (calls of IAM users, role sessions and their tasks are evaluated against IAM policies; test/test acts as the account root)'
    : 'iam: not enforced (any credentials may call anything; --enforce-iam evaluates IAM users and role sessions as AWS does)';
}

/** A stored document, or null when it cannot be read (it then grants nothing). */
function parseStored(text: string, kind: 'permissions' | 'resource'): PolicyDocument | null {
  try {
    return parsePolicyDocument(text, kind);
  } catch {
    return null;
  }
}

function definedOnly(context: RequiredAction['context']): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const [key, value] of Object.entries(context ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

/** The refusal as the service's protocol answers it (EC2's with its encoded message). */
function denialError(protocol: DenialProtocol, message: string, encoded?: string): ServiceError {
  switch (protocol) {
    case 'json':
      return new ServiceError(message, { code: 'AccessDeniedException', status: 400 });
    case 'query':
      return new ServiceError(message, { code: 'AccessDenied', status: 403 });
    case 'ec2':
      return new ServiceError(
        `You are not authorized to perform this operation. ${message}. Encoded authorization failure message: ${encoded}`,
        { code: 'UnauthorizedOperation', status: 403 },
      );
  }
}

function principalId(caller: Caller): string {
  if (caller.kind === 'session') return caller.session.assumedRoleId;
  if (caller.kind === 'federated') return caller.session.federatedUser?.id ?? caller.accountId;
  return caller.kind === 'user' ? caller.user.id : caller.accountId;
}
