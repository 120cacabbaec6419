/**
 * What each AWS operation asks of IAM, as AWS's Service Authorization Reference lists it: the
 * action(s), the resource ARN(s) built from the request, the condition keys the request brings
 * (request tags, the resource's tags, iam:PassedToService), and where the service has them the
 * resource's own policy. Each service keeps one table, operation name → entry (its
 * authorization.ts); the gateway evaluates the entry's answer for every call a role session makes.
 */
import type { StateStore } from '../state/store.ts';
import type { Caller } from './caller.ts';

/** One action a call needs: the policies must allow `action` on `resource`. */
export interface RequiredAction {
  action: string;
  /** An ARN, or `*` where the reference lists no resource type. */
  resource: string;
  /** Condition keys this action adds to the request's context, as AWS spells them. */
  context?: Record<string, string | readonly string[] | undefined>;
  /** The resource's own policy (a secret's, a repository's, a role's trust policy), as stored. */
  resourcePolicy?: { source: string; text: string; kind?: 'trust' };
}

/** Where a request is evaluated: its region and account, and the service's state for that region. */
export interface AuthorizationScope<S = unknown> {
  region: string;
  accountId: string;
  state: S;
  store: StateStore;
  /** The operation's own action (`ecs:RegisterTaskDefinition`). */
  action: string;
  /** Who calls (IAM's operations on "my own" user name the caller's user as the resource). */
  caller: Caller;
  /** `arn:aws:<service>:<region>:<account>:<resource>` in this scope (the service's IAM prefix). */
  arn(resource: string, options?: { service?: string; region?: string }): string;
}

// The request as decoded from the wire: each entry reads the members its operation has.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RequestInput = any;

/**
 * An operation's entry: the resources its own action needs (a string or list: the operation's
 * action on each), or the full list of required actions when it needs others too (PassRole).
 * `none`: the operation needs no permission (sts:GetCallerIdentity, unsigned web identity calls).
 */
export type OperationAuthorization<S = unknown> = (
  input: RequestInput,
  scope: AuthorizationScope<S>,
) => string | readonly string[] | readonly RequiredAction[] | 'none';

export interface AuthorizationCatalogue<S = unknown> {
  /** The service's prefix in IAM actions and ARNs (`cloudwatch` for the monitoring endpoint). */
  prefix: string;
  operations: Record<string, OperationAuthorization<S>>;
}

/** Every resource, for actions the reference lists without a resource type. */
export const anyResource: OperationAuthorization = () => '*';
export const noPermission: OperationAuthorization = () => 'none';

/** The actions a call needs, from its entry's answer. */
export function requiredActions<S>(
  entry: OperationAuthorization<S>,
  input: RequestInput,
  scope: AuthorizationScope<S>,
): RequiredAction[] {
  const answer = entry(input, scope);
  if (answer === 'none') return [];
  const list = typeof answer === 'string' ? [answer] : answer;
  return list.map((item) => (typeof item === 'string' ? { action: scope.action, resource: item } : item));
}

/** The scope's ARN builder: `arn:aws:<service>:<region>:<account>:<resource>`. */
export function arnBuilder(prefix: string, region: string, accountId: string): AuthorizationScope['arn'] {
  return (resource, options = {}) =>
    `arn:aws:${options.service ?? prefix}:${options.region ?? region}:${accountId}:${resource}`;
}

/** `iam:PassRole` on each role given, with the service the role is passed to. */
export function passRoles(
  roleArns: ReadonlyArray<string | undefined>,
  passedToService: string,
  accountId: string,
): RequiredAction[] {
  return roleArns.flatMap((role) =>
    role
      ? [
          {
            action: 'iam:PassRole',
            // A role may be named by its name alone (ECS accepts that); IAM evaluates its ARN.
            resource: role.startsWith('arn:') ? role : `arn:aws:iam::${accountId}:role/${role}`,
            context: { 'iam:PassedToService': passedToService },
          },
        ]
      : [],
  );
}

/**
 * A create call that carries tags needs the service's tagging action on the new resource too (each
 * service's "tag on create" rule: ecr:TagResource, ec2:CreateTags, iam:TagRole, ...), with the
 * create's condition keys and the tagging's own (ecs:CreateAction): the created entry, and the
 * tagging one when `tagged`.
 */
export function taggedOnCreate(
  created: RequiredAction,
  tagged: boolean,
  tagging: { action: string; resource?: string; context?: RequiredAction['context'] },
): RequiredAction[] {
  if (!tagged) return [created];
  return [
    created,
    {
      ...created,
      action: tagging.action,
      resource: tagging.resource ?? created.resource,
      context: { ...created.context, ...tagging.context },
    },
  ];
}

/** The request's tags as condition keys: `aws:RequestTag/<key>` and `aws:TagKeys`. */
export function requestTags(
  tags: ReadonlyArray<{ key?: string; value?: string; Key?: string; Value?: string }> | undefined,
): Record<string, string | readonly string[]> {
  if (!tags || tags.length === 0) return {};
  const keys: string[] = [];
  const values: Record<string, string> = {};
  for (const tag of tags) {
    const key = tag.key ?? tag.Key;
    if (key === undefined) continue;
    keys.push(key);
    values[`aws:RequestTag/${key}`] = tag.value ?? tag.Value ?? '';
  }
  return { ...values, 'aws:TagKeys': keys };
}

/** A resource's tags as condition keys: `aws:ResourceTag/<key>`. */
export function resourceTags(
  tags: ReadonlyArray<{ key?: string; value?: string; Key?: string; Value?: string }> | undefined,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const tag of tags ?? []) {
    const key = tag.key ?? tag.Key;
    if (key !== undefined) values[`aws:ResourceTag/${key}`] = tag.value ?? tag.Value ?? '';
  }
  return values;
}
