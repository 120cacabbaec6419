/**
 * Account-scoped resource policies (PutResourcePolicy, DescribeResourcePolicies,
 * DeleteResourcePolicy): what lets AWS services (Route 53, EventBridge...) write to the account's
 * log groups; stored, checked with IAM's resource-policy grammar, at most 10 per region as AWS
 * allows. Resource-scoped policies (`resourceArn`) are not kept by the local cloud and are refused
 * clearly. Where the reference is silent: a missing policyName is InvalidParameterException; an
 * unknown one on delete is ResourceNotFoundException `Policy with name [<name>] does not exist`.
 */
import type {
  DeleteResourcePolicyRequest,
  DescribeResourcePoliciesRequest,
  DescribeResourcePoliciesResponse,
  PutResourcePolicyRequest,
  PutResourcePolicyResponse,
  ResourcePolicy,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Handler } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import { checkedPolicy } from './destinations.ts';
import {
  checkRange,
  InvalidParameterException,
  LimitExceededException,
  ResourceNotFoundException,
} from './errors.ts';
import type { LogsState, ResourcePolicyRecord } from './state.ts';

const MAX_POLICIES = 10;

function policies(state: LogsState): Record<string, ResourcePolicyRecord> {
  return (state.resourcePolicies ??= nameMap());
}

function policyShape(p: ResourcePolicyRecord): ResourcePolicy {
  return {
    policyName: p.policyName,
    policyDocument: p.policyDocument,
    lastUpdatedTime: p.lastUpdatedTime,
    policyScope: 'ACCOUNT',
  };
}

/** The account-scoped policy a request names (resource-scoped ones are refused). */
function policyNameOf(input: { policyName?: string; resourceArn?: string }): string {
  if (input.resourceArn !== undefined) {
    throw new InvalidParameterException(
      'The local cloud keeps account-scoped resource policies only: resourceArn is not supported.',
    );
  }
  if (!input.policyName)
    throw new InvalidParameterException('policyName is required for an account-scoped policy.');
  return input.policyName;
}

export const putResourcePolicy: Handler<PutResourcePolicyRequest, PutResourcePolicyResponse, LogsState> = (
  input,
  ctx,
) => {
  const name = policyNameOf(input);
  if (input.policyDocument === undefined) throw new InvalidParameterException('policyDocument is required.');
  const policyDocument = checkedPolicy(input.policyDocument);
  const all = policies(ctx.state);
  if (!Object.hasOwn(all, name) && Object.keys(all).length >= MAX_POLICIES) {
    throw new LimitExceededException('Resource limit exceeded.');
  }
  const policy = { policyName: name, policyDocument, lastUpdatedTime: Date.now() };
  all[name] = policy;
  return { resourcePolicy: policyShape(policy) };
};

export const describeResourcePolicies: Handler<
  DescribeResourcePoliciesRequest,
  DescribeResourcePoliciesResponse,
  LogsState
> = (input, ctx) => {
  checkRange(input.limit, 'limit', 1, 50);
  // Resource-scoped policies are not kept, so asking for them (or for one resource's) finds none.
  const listed =
    input.policyScope === 'RESOURCE' || input.resourceArn !== undefined
      ? []
      : Object.values(policies(ctx.state));
  const { page, nextToken } = paginate(listed, input.limit, input.nextToken, 50);
  return { resourcePolicies: page.map(policyShape), ...(nextToken ? { nextToken } : {}) };
};

export const deleteResourcePolicy: Handler<DeleteResourcePolicyRequest, void, LogsState> = (input, ctx) => {
  const name = policyNameOf(input);
  const all = policies(ctx.state);
  if (!Object.hasOwn(all, name))
    throw new ResourceNotFoundException(`Policy with name [${name}] does not exist`);
  delete all[name];
};
