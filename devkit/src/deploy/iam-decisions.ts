/**
 * The local cloud's IAM record, read over HTTP as the deploy side reads everything of the cloud
 * (`/_devkit/iam/*`, cloud/access/decisions-route.ts): the least-privilege policy a role's sessions
 * needed (for the rehearsal's report and `devkit doctor`'s comparison), and why a call was denied.
 */

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
