/**
 * The policy evaluator's cost per decision, for issue 19's enforcement on every call (aim: ≤ 0.2 ms
 * added per call): the deploy role's policy from `devkit bootstrap` (three statements, a condition)
 * and a GitHub trust policy, already parsed (enforcement would cache parsed documents), evaluated
 * for an allowed and an implicitly denied request. Printed: median µs per decision, with the load.
 */
import { loadavg } from 'node:os';
import { contextValues } from '../src/cloud/access/policy-conditions.ts';
import { parsePolicyDocument } from '../src/cloud/access/policy-document.ts';
import {
  evaluateAccess,
  type AccessRequest,
  type ApplicablePolicies,
} from '../src/cloud/access/policy-evaluation.ts';
import { bootstrapPlan } from '../src/deploy/bootstrap.ts';
import { loadStack } from '../src/stack/load.ts';
import { fmt, median } from './stats.ts';

const ACCOUNT = '000000000000';
const ROUNDS = 7;
const PER_ROUND = 20_000;

function microsPerDecision(policies: ApplicablePolicies, request: AccessRequest, options = {}): number {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < PER_ROUND; i++) evaluateAccess(policies, request, options);
    samples.push(((performance.now() - started) * 1000) / PER_ROUND);
  }
  return median(samples);
}

export default async function policyEvaluationBench(): Promise<void> {
  const stack = loadStack(new URL('../../stack.yml', import.meta.url).pathname, { stage: 'prod', env: {} });
  const plan = bootstrapPlan(stack, ACCOUNT, 'acme/iscoolgpt');
  const identity: ApplicablePolicies = {
    identity: [{ source: 'devkit-deploy', document: parsePolicyDocument(plan.deployPolicy, 'permissions') }],
  };
  const trust: ApplicablePolicies = {
    resource: [{ source: 'trust', document: parsePolicyDocument(plan.trustPolicy, 'trust') }],
  };
  const session = {
    type: 'AWS' as const,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${plan.roleName}/ci`,
    account: ACCOUNT,
  };
  const passRole: AccessRequest = {
    action: 'iam:PassRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/iscoolgpt-prod-execution`,
    principal: session,
    context: contextValues({ 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }),
  };
  const denied: AccessRequest = { ...passRole, action: 'secretsmanager:GetSecretValue', resource: '*' };
  const webIdentity: AccessRequest = {
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: plan.roleArn,
    principal: { type: 'Federated', id: plan.providerArn },
    context: contextValues({
      'token.actions.githubusercontent.com:sub': 'repo:acme/iscoolgpt:ref:refs/heads/main',
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
    }),
  };
  console.log(
    `load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')}`,
  );
  for (const [label, policies, request, options] of [
    ['deploy policy, PassRole allowed (last statement)', identity, passRole, {}],
    ['deploy policy, implicit deny (every statement)', identity, denied, {}],
    ['trust policy, web identity allowed', trust, webIdentity, { resourceRequired: true }],
  ] as const) {
    console.log(
      `${label.padEnd(52)} ${fmt(microsPerDecision(policies, request, options), 2)} µs per decision`,
    );
  }
}
