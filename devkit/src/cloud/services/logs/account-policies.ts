/**
 * Account-level policies (PutAccountPolicy, DescribeAccountPolicies, DeleteAccountPolicy), stored
 * per region by type and name, with the rules the API reference gives each type: one data
 * protection policy and one subscription filter policy per account and region (a second name is
 * refused: the existing one must be named to update it); one transformer or field index policy for
 * all log groups, or up to 20 scoped by non-overlapping `LogGroupNamePrefix` selection criteria
 * (field index: 20 more by `DataSourceName`/`DataSourceType`). Documents are checked as their type
 * asks: data protection with the log-group policy's grammar (data-protection.ts), a subscription
 * filter's pattern with the filter-pattern parser. An account data protection policy masks and
 * audits every log group's ingestion alongside the group's own (data-protection.ts), and
 * DescribeLogGroups lists it in every group's inheritedProperties.
 *
 * Where the reference is silent: a document or selection criteria breaking these rules is
 * InvalidParameterException; a policy past a type's count is LimitExceededException; deleting an
 * unknown policy is ResourceNotFoundException `Policy with name [<name>] does not exist`;
 * DescribeAccountPolicies with a policyName that does not exist lists none; metric extraction
 * policies (in the installed model too) are checked as JSON objects, 20 at most.
 */
import type {
  AccountPolicy,
  DeleteAccountPolicyRequest,
  DescribeAccountPoliciesRequest,
  DescribeAccountPoliciesResponse,
  PolicyType,
  PutAccountPolicyRequest,
  PutAccountPolicyResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import { compileDataProtection } from './data-protection.ts';
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException } from './errors.ts';
import { parseFilterPattern } from './filter-pattern.ts';
import { indexedFields } from './index-policies.ts';
import { checkedTransformerConfig } from './transformers.ts';
import type { AccountPolicyRecord, LogsState } from './state.ts';

const MAX_DOCUMENT_CHARS = 30_720;
const MAX_SCOPED_POLICIES = 20;

type Criteria =
  | { kind: 'none' }
  | { kind: 'excludedGroups'; names: string[] }
  | { kind: 'prefixes'; prefixes: string[] }
  | { kind: 'dataSource'; name: string; type: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(message: string): InvalidParameterException {
  return new InvalidParameterException(message);
}

/** `["a", "b"]`: a JSON list of non-empty strings. */
function stringList(text: string, what: string): string[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    list = undefined;
  }
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s !== '')) {
    throw invalid(`Invalid selection criteria: ${what} needs a list of quoted, non-empty names`);
  }
  return list as string[];
}

/** The selection criteria grammar each type accepts (the reference's list). */
function parseCriteria(type: PolicyType, text: string | undefined): Criteria {
  if (text === undefined) return { kind: 'none' };
  if (Buffer.byteLength(text) > 25_000) throw invalid('Selection criteria can be up to 25KB long.');
  const criteria = text.trim();
  const excluded = /^LogGroupName\s+NOT\s+IN\s+(\[.*\])$/s.exec(criteria);
  const prefixes = /^LogGroupNamePrefix\s+IN\s+(\[.*\])$/s.exec(criteria);
  const source = /^DataSourceName\s*=\s*"([^"]+)"\s+AND\s+DataSourceType\s*=\s*"([^"]+)"$/s.exec(criteria);
  switch (type) {
    case 'SUBSCRIPTION_FILTER_POLICY':
      if (excluded) return { kind: 'excludedGroups', names: stringList(excluded[1]!, 'LogGroupName NOT IN') };
      throw invalid(
        'A subscription filter policy supports only the selection criteria LogGroupName NOT IN [...].',
      );
    case 'TRANSFORMER_POLICY':
      if (prefixes) return { kind: 'prefixes', prefixes: stringList(prefixes[1]!, 'LogGroupNamePrefix IN') };
      throw invalid('A transformer policy supports only the selection criteria LogGroupNamePrefix IN [...].');
    case 'FIELD_INDEX_POLICY':
      if (prefixes) return { kind: 'prefixes', prefixes: stringList(prefixes[1]!, 'LogGroupNamePrefix IN') };
      if (source) return { kind: 'dataSource', name: source[1]!, type: source[2]! };
      throw invalid(
        'A field index policy supports the selection criteria LogGroupNamePrefix IN [...], or DataSourceName = "..." AND DataSourceType = "...".',
      );
    default:
      throw invalid(
        'selectionCriteria is valid only for SUBSCRIPTION_FILTER_POLICY, FIELD_INDEX_POLICY and TRANSFORMER_POLICY.',
      );
  }
}

function parsedObject(text: string, type: PolicyType): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    document = undefined;
  }
  if (!isObject(document)) throw invalid(`Invalid ${type} document: it must be a JSON object.`);
  return document;
}

/** The document, checked as its type's reference asks. */
function checkedDocument(type: PolicyType, text: string, state: LogsState): string {
  if (text.length > MAX_DOCUMENT_CHARS) {
    throw invalid(`The policy document can be up to ${MAX_DOCUMENT_CHARS} characters long.`);
  }
  if (type === 'DATA_PROTECTION_POLICY') {
    compileDataProtection(text, (name) => Object.hasOwn(state.groups, name));
    return text;
  }
  const document = parsedObject(text, type);
  if (type === 'SUBSCRIPTION_FILTER_POLICY') {
    const { DestinationArn, RoleArn, FilterPattern, Distribution } = document;
    if (typeof DestinationArn !== 'string' || !DestinationArn.startsWith('arn:')) {
      throw invalid('A subscription filter policy needs a DestinationArn.');
    }
    if (RoleArn !== undefined && (typeof RoleArn !== 'string' || !RoleArn.startsWith('arn:'))) {
      throw invalid('RoleArn must be an IAM role ARN.');
    }
    if (FilterPattern !== undefined) {
      if (typeof FilterPattern !== 'string') throw invalid('FilterPattern must be a string.');
      parseFilterPattern(FilterPattern);
    }
    if (Distribution !== undefined && Distribution !== 'Random' && Distribution !== 'ByLogStream') {
      throw invalid('Distribution must be Random or ByLogStream.');
    }
  } else if (type === 'FIELD_INDEX_POLICY') {
    indexedFields(text);
  } else if (type === 'TRANSFORMER_POLICY') {
    if (!Array.isArray(document.transformerConfig)) {
      throw invalid('A transformer policy needs a transformerConfig list of processors.');
    }
    checkedTransformerConfig(document.transformerConfig);
  }
  return text;
}

function policiesOf(state: LogsState, type: PolicyType): Record<string, AccountPolicyRecord> {
  const all = (state.accountPolicies ??= nameMap());
  return (all[type] ??= nameMap());
}

/** What a new or updated policy may not share with the type's others (counts and overlaps). */
function checkAgainstOthers(
  type: PolicyType,
  name: string,
  criteria: Criteria,
  others: AccountPolicyRecord[],
): void {
  const rest = others.filter((p) => p.policyName !== name);
  if (type === 'DATA_PROTECTION_POLICY' || type === 'SUBSCRIPTION_FILTER_POLICY') {
    if (rest.length > 0) {
      throw new LimitExceededException(
        `The account already has a ${type} (${rest[0]!.policyName}): name it to update it.`,
      );
    }
    return;
  }
  if (type === 'METRIC_EXTRACTION_POLICY') {
    if (rest.length >= MAX_SCOPED_POLICIES) throw new LimitExceededException('Resource limit exceeded.');
    return;
  }
  const restCriteria = rest.map((p) => parseCriteria(type, p.selectionCriteria));
  const sameKind = restCriteria.filter((c) => c.kind === criteria.kind);
  if (criteria.kind === 'none' ? sameKind.length > 0 : sameKind.length >= MAX_SCOPED_POLICIES) {
    throw new LimitExceededException(
      criteria.kind === 'none'
        ? `The account already has a ${type} for all log groups: name it to update it.`
        : `An account can have up to ${MAX_SCOPED_POLICIES} such ${type}s.`,
    );
  }
  if (criteria.kind === 'prefixes') {
    const taken = restCriteria.flatMap((c) => (c.kind === 'prefixes' ? c.prefixes : []));
    const overlap = criteria.prefixes.find((p) => taken.some((t) => p.startsWith(t) || t.startsWith(p)));
    if (overlap !== undefined) {
      throw invalid(`The log group name prefix ${overlap} overlaps another ${type}'s prefixes.`);
    }
  }
}

function policyShape(p: AccountPolicyRecord, accountId: string): AccountPolicy {
  return {
    policyName: p.policyName,
    policyDocument: p.policyDocument,
    lastUpdatedTime: p.lastUpdatedTime,
    policyType: p.policyType,
    scope: 'ALL',
    ...(p.selectionCriteria === undefined ? {} : { selectionCriteria: p.selectionCriteria }),
    accountId,
  };
}

export const putAccountPolicy: Handler<
  Checked<PutAccountPolicyRequest, 'policyName' | 'policyDocument' | 'policyType'>,
  PutAccountPolicyResponse,
  LogsState
> = (input, ctx) => {
  const { policyName, policyType } = input;
  if (policyName.startsWith('aws/')) throw invalid('A policy name cannot start with aws/.');
  const criteria = parseCriteria(policyType, input.selectionCriteria);
  const policyDocument = checkedDocument(policyType, input.policyDocument, ctx.state);
  const policies = policiesOf(ctx.state, policyType);
  checkAgainstOthers(policyType, policyName, criteria, Object.values(policies));
  const policy: AccountPolicyRecord = {
    policyName,
    policyType,
    policyDocument,
    lastUpdatedTime: Date.now(),
    ...(input.selectionCriteria === undefined ? {} : { selectionCriteria: input.selectionCriteria }),
  };
  policies[policyName] = policy;
  return { accountPolicy: policyShape(policy, ctx.accountId) };
};

export const describeAccountPolicies: Handler<
  Checked<DescribeAccountPoliciesRequest, 'policyType'>,
  DescribeAccountPoliciesResponse,
  LogsState
> = (input, ctx) => {
  // Other accounts' policies (a monitoring account's view) are none of the local cloud's.
  const ours = !input.accountIdentifiers?.length || input.accountIdentifiers.includes(ctx.accountId);
  const all = Object.values(ctx.state.accountPolicies?.[input.policyType] ?? {});
  const listed = ours
    ? all.filter((p) => input.policyName === undefined || p.policyName === input.policyName)
    : [];
  const { page, nextToken } = paginate(listed, undefined, input.nextToken, 50);
  return {
    accountPolicies: page.map((p) => policyShape(p, ctx.accountId)),
    ...(nextToken ? { nextToken } : {}),
  };
};

export const deleteAccountPolicy: Handler<
  Checked<DeleteAccountPolicyRequest, 'policyName' | 'policyType'>,
  void,
  LogsState
> = (input, ctx) => {
  const policies = policiesOf(ctx.state, input.policyType);
  if (!Object.hasOwn(policies, input.policyName)) {
    throw new ResourceNotFoundException(`Policy with name [${input.policyName}] does not exist`);
  }
  delete policies[input.policyName];
};
