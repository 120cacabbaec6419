/**
 * Data protection policies (Put/Get/DeleteDataProtectionPolicy on a log group; the account's one is
 * PutAccountPolicy's DATA_PROTECTION_POLICY), as AWS documents them: the document is checked as
 * AWS's policy grammar asks (a Name, Version 2021-06-01, exactly two statements: an Audit one with a
 * FindingsDestination and a Deidentify one with a MaskConfig, naming the same non-empty
 * DataIdentifier list of managed identifier ARNs and the Configuration's custom identifiers), and
 * acts at ingestion, as AWS's "Sensitive data is detected and masked when it is ingested" says:
 * each event's occurrences of the identifiers (the group's policy and the account's together) are
 * masked, the event keeping its original text for readers allowed `logs:Unmask` (GetLogEvents,
 * FilterLogEvents and GetLogRecord with `unmask`, Insights' `unmask()`), and the Audit statement's
 * findings report is written to its CloudWatch Logs destination. Events stored before the policy
 * stay as they were.
 *
 * Where the reference is silent or offline can't: each masked character becomes one `*` (the
 * message keeps its length, so findings' offsets point into what readers see); a findings report's
 * `start` is the occurrence's 0-based offset and `end` its last character's; reports go to a stream
 * named after the log group they are about (created when missing); Firehose and S3 findings
 * destinations are refused (the local cloud has neither); a managed identifier the local cloud does
 * not implement (data-identifiers.ts) is refused by name; a bad document is InvalidParameterException
 * `Invalid data protection policy: <why>`; deleting a policy the group does not have is
 * ResourceNotFoundException.
 */
import type {
  DeleteDataProtectionPolicyRequest,
  GetDataProtectionPolicyRequest,
  GetDataProtectionPolicyResponse,
  PutDataProtectionPolicyRequest,
  PutDataProtectionPolicyResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { MANAGED_IDENTIFIERS, managedSpans, type Span } from './data-identifiers.ts';
import { InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import { compileRegex, RegexSyntaxError } from './insights/regex.ts';
import type { LogGroupRecord, LogsState } from './state.ts';
import { groupByIdentifier } from './state.ts';

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(why: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid data protection policy: ${why}`);
}

const MANAGED_ARN = /^arn:aws[\w-]*:dataprotection::aws:data-identifier\/(.+)$/;
const MAX_CUSTOM_IDENTIFIERS = 10;
const CUSTOM_NAME = /^[A-Za-z0-9_-]{1,128}$/;
/** The characters AWS lists for a custom identifier's regex: alphanumerics, a few symbols, regex syntax. */
const CUSTOM_REGEX = /^[A-Za-z0-9_#=@/;, ^$?[\]{}|\\*+.-]{1,200}$/;

/** A policy as it acts: its identifiers, each finding occurrences, and where its findings go. */
export interface DataProtection {
  identifiers: ReadonlyArray<{ name: string; find: (message: string) => Span[] }>;
  findingsLogGroup: string | undefined;
}

function customIdentifiers(configuration: unknown): Map<string, (message: string) => Span[]> {
  const found = new Map<string, (message: string) => Span[]>();
  if (configuration === undefined) return found;
  if (!isObject(configuration)) throw invalid('Configuration must be an object');
  const list = configuration.CustomDataIdentifier ?? [];
  if (!Array.isArray(list)) throw invalid('Configuration.CustomDataIdentifier must be a list');
  if (list.length > MAX_CUSTOM_IDENTIFIERS) {
    throw invalid(`a policy can have up to ${MAX_CUSTOM_IDENTIFIERS} custom data identifiers`);
  }
  for (const entry of list) {
    if (!isObject(entry) || typeof entry.Name !== 'string' || !CUSTOM_NAME.test(entry.Name)) {
      throw invalid('a custom data identifier needs a Name of up to 128 letters, digits, _ and -');
    }
    const { Name: name, Regex: source } = entry;
    if (MANAGED_IDENTIFIERS.has(name)) {
      throw invalid(`the custom data identifier ${name} has the name of a managed data identifier`);
    }
    if (found.has(name)) throw invalid(`the custom data identifier ${name} is defined twice`);
    if (typeof source !== 'string' || !CUSTOM_REGEX.test(source)) {
      throw invalid(
        `the custom data identifier ${name} needs a Regex of up to 200 characters among those AWS supports`,
      );
    }
    let regex;
    try {
      regex = compileRegex(source);
    } catch (error) {
      if (!(error instanceof RegexSyntaxError)) throw error;
      throw invalid(`the custom data identifier ${name} has an invalid Regex: ${error.message}`);
    }
    found.set(name, (message) => regex.spans(message));
  }
  return found;
}

function findingsLogGroup(audit: Record<string, unknown>, groupExists: (name: string) => boolean) {
  const destination = audit.FindingsDestination;
  if (!isObject(destination)) throw invalid('the Audit operation needs a FindingsDestination object');
  for (const other of ['Firehose', 'S3']) {
    if (destination[other] !== undefined) {
      throw invalid(
        `the local cloud has no ${other}: only CloudWatchLogs findings destinations are supported`,
      );
    }
  }
  const logs = destination.CloudWatchLogs;
  if (logs === undefined) return undefined;
  if (!isObject(logs) || typeof logs.LogGroup !== 'string' || logs.LogGroup === '') {
    throw invalid('FindingsDestination.CloudWatchLogs needs a LogGroup');
  }
  if (!groupExists(logs.LogGroup)) {
    throw invalid(`the findings destination log group ${logs.LogGroup} does not exist`);
  }
  return logs.LogGroup;
}

/** A data protection document checked as AWS checks it, and what it does. */
export function compileDataProtection(
  text: string,
  groupExists: (name: string) => boolean = () => true,
): DataProtection {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw invalid('the document is not valid JSON');
  }
  if (!isObject(policy)) throw invalid('the document must be a JSON object');
  if (typeof policy.Name !== 'string' || policy.Name === '') throw invalid('Name is required');
  if (policy.Version !== '2021-06-01') throw invalid("Version must be '2021-06-01'");
  const custom = customIdentifiers(policy.Configuration);
  const statements = policy.Statement;
  if (!Array.isArray(statements) || statements.length !== 2 || !statements.every(isObject)) {
    throw invalid('Statement must hold exactly two statements, an Audit one and a Deidentify one');
  }
  const operationOf = (s: Record<string, unknown>) =>
    isObject(s.Operation) ? Object.keys(s.Operation).sort().join(',') : '';
  const audit = statements.find((s) => operationOf(s) === 'Audit');
  const deidentify = statements.find((s) => operationOf(s) === 'Deidentify');
  if (!audit || !deidentify) {
    throw invalid('one statement must have the Audit operation and the other the Deidentify operation');
  }
  const mask = (deidentify.Operation as Record<string, unknown>).Deidentify;
  if (!isObject(mask) || !isObject(mask.MaskConfig)) {
    throw invalid('the Deidentify operation must contain "MaskConfig": {}');
  }
  const lists = [audit.DataIdentifier, deidentify.DataIdentifier];
  for (const list of lists) {
    if (!Array.isArray(list) || list.length === 0 || !list.every((d) => typeof d === 'string' && d !== '')) {
      throw invalid('each statement needs a non-empty DataIdentifier list');
    }
  }
  const [a, b] = lists.map((list) => [...new Set(list as string[])].sort());
  if (a!.join('\n') !== b!.join('\n')) {
    throw invalid('the Audit and Deidentify statements must name the same data identifiers');
  }
  const identifiers = a!.map((entry) => {
    const managed = MANAGED_ARN.exec(entry)?.[1];
    if (managed !== undefined) {
      const identifier = MANAGED_IDENTIFIERS.get(managed);
      if (!identifier) {
        throw invalid(
          `the managed data identifier ${managed} is not one the local cloud finds (it finds ${[...MANAGED_IDENTIFIERS.keys()].join(', ')})`,
        );
      }
      return { name: managed, find: (message: string) => managedSpans(identifier, message) };
    }
    const find = custom.get(entry);
    if (!find) {
      throw invalid(
        `${entry} is neither a managed data identifier ARN nor a custom data identifier of the Configuration`,
      );
    }
    return { name: entry, find };
  });
  return {
    identifiers,
    findingsLogGroup: findingsLogGroup(
      (audit.Operation as Record<string, unknown>).Audit as Record<string, unknown>,
      groupExists,
    ),
  };
}

/** Compiled policies by document text: ingestion compiles each document once. */
const compiled = new Map<string, DataProtection>();
const MAX_COMPILED = 256;

function compiledPolicy(text: string): DataProtection | undefined {
  let policy = compiled.get(text);
  if (!policy) {
    try {
      policy = compileDataProtection(text);
    } catch {
      return undefined; // stored before the local cloud checked documents: it protects nothing
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(text, policy);
  }
  return policy;
}

/** The policies acting on a group's ingestion: its own and the account's (AWS applies both). */
export function dataProtectionOf(state: LogsState, group: LogGroupRecord): DataProtection[] {
  const documents = [
    group.dataProtectionPolicy?.document,
    ...Object.values(state.accountPolicies?.DATA_PROTECTION_POLICY ?? {}).map((p) => p.policyDocument),
  ];
  return documents.flatMap((text) => (text === undefined ? [] : (compiledPolicy(text) ?? [])));
}

/** One findings report, as AWS's "Audit findings reports" shows it. */
export interface FindingsReport {
  auditTimestamp: string;
  resourceArn: string;
  dataIdentifiers: Array<{ name: string; count: number; detections: Array<{ start: number; end: number }> }>;
}

export interface Protected {
  /** The message with every occurrence masked (unchanged when nothing was found). */
  masked: string;
  /** Per policy with a findings log group, the report for this event. */
  findings: Array<{ logGroup: string; report: FindingsReport }>;
}

/** Finds the policies' identifiers in `message`, masks them, and writes the findings reports. */
export function protect(
  policies: readonly DataProtection[],
  message: string,
  resourceArn: string,
  now: number,
): Protected {
  const spans: Span[] = [];
  const findings: Protected['findings'] = [];
  for (const policy of policies) {
    const dataIdentifiers: FindingsReport['dataIdentifiers'] = [];
    for (const identifier of policy.identifiers) {
      const found = identifier.find(message);
      if (found.length === 0) continue;
      spans.push(...found);
      dataIdentifiers.push({
        name: identifier.name,
        count: found.length,
        detections: found.map(([start, end]) => ({ start, end: end - 1 })),
      });
    }
    if (dataIdentifiers.length > 0 && policy.findingsLogGroup !== undefined) {
      const auditTimestamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      findings.push({
        logGroup: policy.findingsLogGroup,
        report: { auditTimestamp, resourceArn, dataIdentifiers },
      });
    }
  }
  if (spans.length === 0) return { masked: message, findings };
  const chars = message.split('');
  for (const [start, end] of spans) for (let i = start; i < end; i++) chars[i] = '*';
  return { masked: chars.join(''), findings };
}

export const putDataProtectionPolicy: Handler<
  Checked<PutDataProtectionPolicyRequest, 'logGroupIdentifier' | 'policyDocument'>,
  PutDataProtectionPolicyResponse,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  compileDataProtection(input.policyDocument, (name) => Object.hasOwn(ctx.state.groups, name));
  const policy = { document: input.policyDocument, lastUpdatedTime: Date.now() };
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
