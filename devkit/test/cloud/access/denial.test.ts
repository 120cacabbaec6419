/** AWS's wording of a refused call, for each way the evaluator can refuse. */
import { describe, expect, it } from 'vitest';
import { notAuthorizedMessage } from '../../../src/cloud/access/denial.ts';
import {
  evaluateAccess,
  type AccessRequest,
  type LabeledPolicy,
} from '../../../src/cloud/access/policy-evaluation.ts';
import { contextValues } from '../../../src/cloud/access/policy-conditions.ts';

const principal = 'arn:aws:sts::000000000000:assumed-role/deploy/ci';
const request: AccessRequest = {
  action: 'ecs:RegisterTaskDefinition',
  resource: '*',
  principal: { type: 'AWS', arn: principal, account: '000000000000' },
  context: contextValues({}),
};
const allowAll: LabeledPolicy = {
  source: 'all',
  document: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};

function message(policies: Parameters<typeof evaluateAccess>[0]): string {
  const decision = evaluateAccess(policies, request);
  if (decision.decision === 'Allow') throw new Error('allowed');
  return notAuthorizedMessage(principal, request.action, request.resource, decision);
}

describe('notAuthorizedMessage', () => {
  it('names the kind of policy that lacked an Allow, or that denied', () => {
    const prefix = `User: ${principal} is not authorized to perform: ecs:RegisterTaskDefinition on resource: * `;
    expect(message({})).toBe(
      `${prefix}because no identity-based policy allows the ecs:RegisterTaskDefinition action`,
    );
    expect(message({ identity: [allowAll], boundary: [] })).toBe(
      `${prefix}because no permissions boundary allows the ecs:RegisterTaskDefinition action`,
    );
    const deny: LabeledPolicy = {
      source: 'deny',
      document: { Statement: [{ Effect: 'Deny', Action: 'ecs:*', Resource: '*' }] },
    };
    expect(message({ identity: [allowAll, deny] })).toBe(
      `${prefix}with an explicit deny in an identity-based policy`,
    );
    expect(message({ identity: [allowAll], boundary: [deny] })).toBe(
      `${prefix}with an explicit deny in a permissions boundary`,
    );
  });
});
