/**
 * Data protection policies (Put/Get/DeleteDataProtectionPolicy), as stored state on the log group:
 * the document is checked as AWS's policy grammar asks (a Name, Version 2021-06-01 and exactly two
 * statements: one Audit operation and one Deidentify operation, naming the same non-empty
 * DataIdentifier list) and kept as given; DescribeLogGroups then reports `dataProtectionStatus:
 * ACTIVATED`. The local cloud masks nothing in the events it returns. Where the reference is
 * silent: a document breaking those rules is InvalidParameterException `Invalid data protection
 * policy: <why>`; deleting a policy the group does not have is ResourceNotFoundException.
 */
import type {
  DeleteDataProtectionPolicyRequest,
  GetDataProtectionPolicyRequest,
  GetDataProtectionPolicyResponse,
  PutDataProtectionPolicyRequest,
  PutDataProtectionPolicyResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import type { LogsState } from './state.ts';
import { groupByIdentifier } from './state.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(why: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid data protection policy: ${why}`);
}

/** A data protection document, checked as the log-group and account policies both require. */
export function checkedDataProtectionDocument(text: string): string {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw invalid('the document is not valid JSON');
  }
  if (!isObject(policy)) throw invalid('the document must be a JSON object');
  if (typeof policy.Name !== 'string' || policy.Name === '') throw invalid('Name is required');
  if (policy.Version !== '2021-06-01') throw invalid("Version must be '2021-06-01'");
  const statements = policy.Statement;
  if (!Array.isArray(statements) || statements.length !== 2 || !statements.every(isObject)) {
    throw invalid('Statement must hold exactly two statements, an Audit one and a Deidentify one');
  }
  const operationOf = (s: Record<string, unknown>) =>
    isObject(s.Operation) ? Object.keys(s.Operation).sort().join(',') : '';
  const kinds = statements.map(operationOf).sort();
  if (kinds[0] !== 'Audit' || kinds[1] !== 'Deidentify') {
    throw invalid('one statement must have the Audit operation and the other the Deidentify operation');
  }
  const identifiers = statements.map((s) => s.DataIdentifier);
  for (const list of identifiers) {
    if (!Array.isArray(list) || list.length === 0 || !list.every((d) => typeof d === 'string' && d !== '')) {
      throw invalid('each statement needs a non-empty DataIdentifier list');
    }
  }
  const [a, b] = identifiers.map((list) => [...new Set(list as string[])].sort().join('\n'));
  if (a !== b) throw invalid('the Audit and Deidentify statements must name the same data identifiers');
  return text;
}

export const putDataProtectionPolicy: Handler<
  Checked<PutDataProtectionPolicyRequest, 'logGroupIdentifier' | 'policyDocument'>,
  PutDataProtectionPolicyResponse,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  const policy = {
    document: checkedDataProtectionDocument(input.policyDocument),
    lastUpdatedTime: Date.now(),
  };
  group.dataProtectionPolicy = policy;
  return {
    logGroupIdentifier: input.logGroupIdentifier,
    policyDocument: policy.document,
    lastUpdatedTime: policy.lastUpdatedTime,
  };
};

export const getDataProtectionPolicy: Handler<
  Checked<GetDataProtectionPolicyRequest, 'logGroupIdentifier'>,
  GetDataProtectionPolicyResponse,
  LogsState
> = (input, ctx) => {
  const policy = groupByIdentifier(ctx.state, input.logGroupIdentifier).dataProtectionPolicy;
  return {
    logGroupIdentifier: input.logGroupIdentifier,
    ...(policy ? { policyDocument: policy.document, lastUpdatedTime: policy.lastUpdatedTime } : {}),
  };
};

export const deleteDataProtectionPolicy: Handler<
  Checked<DeleteDataProtectionPolicyRequest, 'logGroupIdentifier'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  if (!group.dataProtectionPolicy) {
    throw new ResourceNotFoundException('The specified log group has no data protection policy.');
  }
  delete group.dataProtectionPolicy;
};
