/**
 * The local cloud's IAM record, read over HTTP as the deploy side reads everything of the cloud
 * (`/_devkit/iam/*`, cloud/access/decisions-route.ts): the least-privilege policy a role's sessions
 * needed (for the rehearsal's report and `devkit doctor`'s comparison), and why a call was denied —
 * by its request id, or from EC2's encoded authorization failure message, which STS decodes.
 */
import { DecodeAuthorizationMessageCommand, STSClient } from '@aws-sdk/client-sts';
import { emulatorCredentials } from './target.ts';

/** An IAM policy document as the cloud prints it. */
export interface PolicyJson {
  Version: string;
  Statement: Array<Record<string, unknown>>;
}

/** One decision as the cloud keeps it (cloud/access/enforcement.ts, DecisionRecord). */
export interface DecisionJson {
  requestId: string;
  timeMs: number;
  principal: string;
  roleArn: string;
  operation: string;
  allowed: boolean;
  enforced: boolean;
  policies: Record<string, string[]>;
  checks: Array<{
    action: string;
    resource: string;
    context: Record<string, string | string[]>;
    decision:
      | {
          decision: 'Allow' | 'ExplicitDeny';
          by: { policyType: string; source: string; index: number; sid?: string };
        }
      | { decision: 'ImplicitDeny'; missing: string };
  }>;
  message?: string;
}

async function getJson<T>(endpoint: string, path: string): Promise<T | undefined> {
  const response = await fetch(new URL(path, endpoint), { signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`${endpoint} answered ${response.status} for ${path}`);
  return (await response.json()) as T;
}

/** The minimal policy for what `roleName`'s sessions were allowed to do; undefined when none called. */
export async function leastPrivilegePolicy(
  endpoint: string,
  roleName: string,
): Promise<PolicyJson | undefined> {
  const body = await getJson<{ policy: PolicyJson }>(
    endpoint,
    `/_devkit/iam/least-privilege/${encodeURIComponent(roleName)}`,
  );
  return body?.policy;
}

/** One call's decision by its request id, or the latest denial when no id is given. */
export async function iamDecision(endpoint: string, requestId?: string): Promise<DecisionJson | undefined> {
  if (requestId)
    return getJson<DecisionJson>(endpoint, `/_devkit/iam/decisions/${encodeURIComponent(requestId)}`);
  const recent = await getJson<{ decisions: DecisionJson[] }>(
    endpoint,
    '/_devkit/iam/decisions?denied=1&limit=1',
  );
  return recent?.decisions[0];
}

/** A decision as lines: the call, each action checked with what decided it, the inputs. */
export function explainDecision(decision: DecisionJson): string[] {
  const verdict = decision.allowed
    ? 'ALLOWED'
    : decision.enforced
      ? 'DENIED'
      : 'would be DENIED (not enforced)';
  const lines = [
    `request ${decision.requestId} at ${new Date(decision.timeMs).toISOString()}: ${decision.operation} by ${decision.principal}: ${verdict}`,
  ];
  if (decision.message) lines.push(`  message: ${decision.message}`);
  for (const check of decision.checks) {
    const d = check.decision;
    const why =
      d.decision === 'ImplicitDeny'
        ? `denied: no ${d.missing} policy allows it`
        : `${d.decision === 'Allow' ? 'allowed' : 'denied (explicit deny)'} by statement ${d.by.index}${d.by.sid ? ` (Sid ${d.by.sid})` : ''} of ${d.by.policyType} policy ${d.by.source}`;
    lines.push(`  ${check.action} on ${check.resource}: ${why}`);
    const keys = Object.entries(check.context).map(
      ([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(', ')}]` : v}`,
    );
    lines.push(`    context: ${keys.join(', ')}`);
  }
  for (const [type, sources] of Object.entries(decision.policies)) {
    lines.push(`  ${type} policies: ${sources.length > 0 ? sources.join(', ') : '(none)'}`);
  }
  return lines;
}

/** What EC2's "Encoded authorization failure message" decodes to (AWS's DecodedMessage). */
export interface DecodedMessageJson {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements: {
    items: Array<{
      statementId: string;
      effect: string;
      actions: { items: Array<{ value: string }> };
      resources: { items: Array<{ value: string }> };
    }>;
  };
  context: {
    principal: { id: string; arn: string };
    action: string;
    resource: string;
    conditions: { items: Array<{ key: string; values: { items: Array<{ value: string }> } }> };
  };
}

/**
 * The encoded message in `text` (the message alone, or the whole EC2 error that ends with it);
 * undefined when `text` is a request id.
 */
export function encodedMessageIn(text: string): string | undefined {
  const encoded = text.split('Encoded authorization failure message:').at(-1)!.trim();
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(encoded)
    ? undefined
    : encoded;
}

/** Decodes it with sts:DecodeAuthorizationMessage, as the account's root of the local cloud. */
export async function decodeAuthorizationMessage(
  endpoint: string,
  encoded: string,
  region = 'us-east-1',
): Promise<DecodedMessageJson> {
  const sts = new STSClient({ endpoint, region, credentials: emulatorCredentials() });
  try {
    const { DecodedMessage } = await sts.send(
      new DecodeAuthorizationMessageCommand({ EncodedMessage: encoded }),
    );
    return JSON.parse(DecodedMessage ?? '{}') as DecodedMessageJson;
  } finally {
    sts.destroy();
  }
}

/** A decoded message as lines: the call, whether an explicit deny decided (which statement), the context. */
export function explainDecodedMessage(message: DecodedMessageJson): string[] {
  const values = (list: { items: Array<{ value: string }> }) => list.items.map((i) => i.value).join(', ');
  const { context } = message;
  const lines = [
    `${context.action} on ${context.resource} by ${context.principal.arn}: ${message.allowed ? 'ALLOWED' : 'DENIED'}`,
    message.explicitDeny
      ? '  an explicit deny decided:'
      : '  no policy allowed it (an implicit deny: no statement matched)',
  ];
  for (const statement of message.matchedStatements.items) {
    lines.push(
      `    statement ${statement.statementId || '(no Sid)'}: ${statement.effect} ${values(statement.actions)} on ${values(statement.resources)}`,
    );
  }
  const keys = context.conditions.items.map((c) => `${c.key}=${values(c.values)}`);
  lines.push(`  context: ${keys.join(', ')}`);
  return lines;
}
