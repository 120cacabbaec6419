/**
 * Field index policies (PutIndexPolicy, DescribeIndexPolicies, DeleteIndexPolicy) and the field
 * indexes found in ingested events (DescribeFieldIndexes), as the API reference describes them: a
 * log group's own policy overrides the account's FIELD_INDEX_POLICY that selects it; a document
 * names up to 20 fields (`Fields`, and `FieldsV2` with a type, FIELD_INDEX or FACET, the two
 * mutually exclusive), each up to 100 characters, matched case-sensitively. Each event ingested is
 * scanned for the indexed fields and for the default ones (`@logStream`, and `traceId` in a JSON
 * event), so DescribeFieldIndexes lists the indexes discovered in log data with their first and
 * last event times.
 *
 * Where the reference is silent: the times are kept per log stream (a deleted stream's go with
 * it) and described as the group's earliest and latest; only the indexes of the policy in effect
 * and the defaults are listed; a field index's `logGroupIdentifier` is the group's ARN when a
 * log-group policy names it; data source account policies (DataSourceName/DataSourceType) select
 * no log group (the local cloud has no data sources); a non-Standard group refuses a policy with
 * InvalidParameterException; deleting a policy the group does not have is ResourceNotFoundException.
 */
import type {
  DeleteIndexPolicyRequest,
  DescribeFieldIndexesRequest,
  DescribeFieldIndexesResponse,
  DescribeIndexPoliciesRequest,
  DescribeIndexPoliciesResponse,
  FieldIndex,
  IndexPolicy,
  IndexType,
  PutIndexPolicyRequest,
  PutIndexPolicyResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import { InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import { discoveredFields } from './insights/fields.ts';
import type {
  AccountPolicyRecord,
  LogEventRecord,
  LogGroupRecord,
  LogsState,
  LogStreamRecord,
} from './state.ts';
import { groupByIdentifier } from './state.ts';

const MAX_FIELDS = 20;
const MAX_FIELD_CHARS = 100;
const DEFAULT_INDEXES = ['@logStream', 'traceId'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(why: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid field index policy: ${why}`);
}

/** A field index policy document, checked as the reference asks: its fields and their types. */
export function indexedFields(text: string): Map<string, IndexType> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    document = undefined;
  }
  if (!isObject(document)) throw invalid('the document must be a JSON object');
  const fields = document.Fields ?? [];
  const typed = document.FieldsV2 ?? {};
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'string' && f !== '') || !isObject(typed)) {
    throw invalid('Fields must be a list of field names and FieldsV2 an object of fields and their types');
  }
  const found = new Map<string, IndexType>();
  for (const field of fields as string[]) found.set(field, 'FIELD_INDEX');
  for (const [field, spec] of Object.entries(typed)) {
    if (!isObject(spec) || (spec.type !== 'FIELD_INDEX' && spec.type !== 'FACET')) {
      throw invalid('each FieldsV2 field needs a type, FIELD_INDEX or FACET');
    }
    if (found.has(field)) throw invalid('field names within Fields and FieldsV2 must be mutually exclusive');
    found.set(field, spec.type);
  }
  if (found.size === 0) throw invalid('the policy must include at least one field index');
  if (found.size > MAX_FIELDS) throw invalid(`a policy can include up to ${MAX_FIELDS} fields`);
  const long = [...found.keys()].find((f) => f.length > MAX_FIELD_CHARS);
  if (long !== undefined)
    throw invalid(`the field name ${long} is longer than ${MAX_FIELD_CHARS} characters`);
  return found;
}

/** Whether an account FIELD_INDEX_POLICY's selection criteria take the group (none: every group). */
function selects(policy: AccountPolicyRecord, group: string): boolean {
  if (policy.selectionCriteria === undefined) return true;
  const list = /^\s*LogGroupNamePrefix\s+IN\s+(\[.*\])\s*$/s.exec(policy.selectionCriteria)?.[1];
  if (list === undefined) return false; // a data source policy
  const prefixes = JSON.parse(list) as string[];
  return prefixes.some((p) => group.startsWith(p));
}

interface EffectivePolicy {
  policy: IndexPolicy;
  fields: Map<string, IndexType>;
}

/** The policy indexing the group: its own, else the account's that selects it (a prefix one first). */
function effectivePolicy(state: LogsState, group: LogGroupRecord): EffectivePolicy | undefined {
  if (group.indexPolicy) {
    const { policyDocument, lastUpdateTime } = group.indexPolicy;
    return {
      policy: { logGroupIdentifier: group.arn, policyDocument, lastUpdateTime, source: 'LOG_GROUP' },
      fields: indexedFields(policyDocument),
    };
  }
  const policies = Object.values(state.accountPolicies?.FIELD_INDEX_POLICY ?? {});
  const chosen =
    policies.find((p) => p.selectionCriteria !== undefined && selects(p, group.name)) ??
    policies.find((p) => p.selectionCriteria === undefined);
  if (!chosen) return undefined;
  let fields: Map<string, IndexType>;
  try {
    fields = indexedFields(chosen.policyDocument);
  } catch {
    fields = new Map(); // kept before the field quotas were checked: it indexes nothing
  }
  return {
    policy: {
      logGroupIdentifier: group.arn,
      policyName: chosen.policyName,
      policyDocument: chosen.policyDocument,
      lastUpdateTime: chosen.lastUpdatedTime,
      source: 'ACCOUNT',
    },
    fields,
  };
}

/** Notes, on the stream, when the indexed fields (and the default ones) appear in stored events. */
export function indexEvents(
  state: LogsState,
  group: LogGroupRecord,
  stream: LogStreamRecord,
  events: readonly LogEventRecord[],
  now: number,
): void {
  if (events.length === 0) return;
  const fields = effectivePolicy(state, group)?.fields;
  const seen = (stream.fieldIndexes ??= nameMap());
  const note = (field: string, timestamp: number) => {
    const times = (seen[field] ??= {
      firstEventTime: timestamp,
      lastEventTime: timestamp,
      lastScanTime: now,
    });
    times.firstEventTime = Math.min(times.firstEventTime, timestamp);
    times.lastEventTime = Math.max(times.lastEventTime, timestamp);
    times.lastScanTime = now;
  };
  for (const event of events) {
    note('@logStream', event.timestamp);
    for (const [field] of discoveredFields(event.message)) {
      if (field === 'traceId' || fields?.has(field)) note(field, event.timestamp);
    }
  }
}

export const putIndexPolicy: Handler<
  Checked<PutIndexPolicyRequest, 'logGroupIdentifier' | 'policyDocument'>,
  PutIndexPolicyResponse,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  if (group.logGroupClass !== 'STANDARD') {
    throw new InvalidParameterException(
      `Only log groups in the Standard log class support field index policies; ${group.name} is ${group.logGroupClass}.`,
    );
  }
  indexedFields(input.policyDocument);
  group.indexPolicy = { policyDocument: input.policyDocument, lastUpdateTime: Date.now() };
  return { indexPolicy: effectivePolicy(ctx.state, group)!.policy };
};

export const describeIndexPolicies: Handler<
  Checked<DescribeIndexPoliciesRequest, 'logGroupIdentifiers'>,
  DescribeIndexPoliciesResponse,
  LogsState
> = (input, ctx) => {
  const policies = input.logGroupIdentifiers.flatMap((id) => {
    const effective = effectivePolicy(ctx.state, groupByIdentifier(ctx.state, id));
    return effective ? [effective.policy] : [];
  });
  const { page, nextToken } = paginate(policies, undefined, input.nextToken, 50);
  return { indexPolicies: page, ...(nextToken ? { nextToken } : {}) };
};

export const deleteIndexPolicy: Handler<
  Checked<DeleteIndexPolicyRequest, 'logGroupIdentifier'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  if (!group.indexPolicy) {
    throw new ResourceNotFoundException('The specified log group has no field index policy.');
  }
  delete group.indexPolicy;
};

export const describeFieldIndexes: Handler<
  Checked<DescribeFieldIndexesRequest, 'logGroupIdentifiers'>,
  DescribeFieldIndexesResponse,
  LogsState
> = (input, ctx) => {
  const indexes = input.logGroupIdentifiers.flatMap((id) => {
    const group = groupByIdentifier(ctx.state, id);
    const effective = effectivePolicy(ctx.state, group);
    const types = new Map<string, IndexType>([
      ...DEFAULT_INDEXES.map((f) => [f, 'FIELD_INDEX'] as const),
      ...(effective?.fields ?? []),
    ]);
    const found = new Map<string, FieldIndex>();
    for (const stream of Object.values(group.streams)) {
      for (const [field, times] of Object.entries(stream.fieldIndexes ?? {})) {
        const type = types.get(field);
        if (type === undefined) continue;
        const known = found.get(field);
        found.set(field, {
          ...(effective?.policy.source === 'LOG_GROUP' && effective.fields.has(field)
            ? { logGroupIdentifier: group.arn }
            : {}),
          fieldIndexName: field,
          type,
          firstEventTime: Math.min(known?.firstEventTime ?? Infinity, times.firstEventTime),
          lastEventTime: Math.max(known?.lastEventTime ?? -Infinity, times.lastEventTime),
          lastScanTime: Math.max(known?.lastScanTime ?? -Infinity, times.lastScanTime),
        });
      }
    }
    return [...found.values()].sort((a, b) => (a.fieldIndexName! < b.fieldIndexName! ? -1 : 1));
  });
  const { page, nextToken } = paginate(indexes, undefined, input.nextToken, 100);
  return { fieldIndexes: page, ...(nextToken ? { nextToken } : {}) };
};
