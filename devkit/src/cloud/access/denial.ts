/**
 * How AWS words a refused call: "User: <principal> is not authorized to perform: <action> on
 * resource: <resource> because no identity-based policy allows the <action> action", the tail
 * naming the kind of policy that decided (an explicit deny, or which kind lacked an Allow).
 */
import type { AccessDecision } from './policy-evaluation.ts';

export function notAuthorizedMessage(
  principalArn: string,
  action: string,
  resource: string,
  decision: Exclude<AccessDecision, { decision: 'Allow' }>,
): string {
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${denialReason(action, decision)}`;
}

function denialReason(action: string, decision: Exclude<AccessDecision, { decision: 'Allow' }>): string {
  if (decision.decision === 'ExplicitDeny') {
    return `with an explicit deny in ${KIND_OF_POLICY[decision.by.policyType]}`;
  }
  return `because no ${KIND[decision.missing]} allows the ${action} action`;
}

const KIND = {
  identity: 'identity-based policy',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
};
const KIND_OF_POLICY = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
};
