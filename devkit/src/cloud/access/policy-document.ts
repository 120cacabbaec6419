/**
 * Policy documents: the grammar IAM checks before storing one (MalformedPolicyDocument, in the
 * order and with the wording IAM uses: JSON, then syntax, then legacy parsing, then the
 * statements' required parts, resource ARNs and action vendors), and the URL encoding IAM applies
 * when it returns one. Trust policies (a role's AssumeRolePolicyDocument) name principals and no
 * resources; permissions policies name resources and no principals; resource policies (a
 * secret's, a repository's) name principals, and resources where the service wants them.
 */
import { ServiceError } from '../protocol/errors.ts';

/** Who may assume a role (trust), what an identity may do (permissions), who may use a resource (resource). */
export type PolicyKind = 'trust' | 'permissions' | 'resource';

/** A condition block: operator → condition key → one value or several. */
export type ConditionBlock = Record<string, Record<string, ConditionValue | ConditionValue[]>>;
export type ConditionValue = string | number | boolean;

/** `"*"`, or principal type (AWS, Federated, Service, CanonicalUser) → one value or several. */
export type PrincipalBlock = '*' | Record<string, string | string[]>;

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: PrincipalBlock;
  NotPrincipal?: PrincipalBlock;
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

const VERSIONS = new Set(['2008-10-17', '2012-10-17']);
const TOP_ELEMENTS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
  'Principal',
  'NotPrincipal',
]);
const PRINCIPAL_TYPES = new Set(['AWS', 'Federated', 'Service', 'CanonicalUser']);

/** Every condition operator IAM knows, before an optional `IfExists` and after `ForAnyValue:`/`ForAllValues:`. */
export const CONDITION_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
]);

/** An operator's parts: `ForAnyValue:StringLikeIfExists` → set qualifier, base operator, IfExists. */
export interface ConditionOperator {
  set?: 'ForAnyValue' | 'ForAllValues';
  base: string;
  ifExists: boolean;
}

export function parseConditionOperator(name: string): ConditionOperator {
  let rest = name;
  let set: ConditionOperator['set'];
  for (const qualifier of ['ForAnyValue', 'ForAllValues'] as const) {
    if (rest.startsWith(`${qualifier}:`)) {
      set = qualifier;
      rest = rest.slice(qualifier.length + 1);
    }
  }
  const ifExists = rest.endsWith('IfExists');
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  return { ...(set ? { set } : {}), base: rest, ifExists };
}

function malformed(message: string): ServiceError {
  return new ServiceError(message, { code: 'MalformedPolicyDocument' });
}

/** A string, or a list of them: how policies give actions, resources and principals. */
export function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const isStringOrStrings = (value: unknown): boolean =>
  typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
const isConditionValue = (value: unknown): boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Parses and checks a document, returning its statements as a list. */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (!isObject(parsed)) throw malformed('Syntax errors in policy.');
  const statements = checkSyntax(parsed, kind);
  checkLegacyParsing(statements);
  checkRequiredParts(statements, kind);
  for (const statement of statements) {
    for (const resource of [...asList(statement.Resource), ...asList(statement.NotResource)]) {
      const problem = resourceProblem(resource);
      if (problem) throw malformed(problem);
    }
  }
  for (const statement of statements) {
    for (const action of [...asList(statement.Action), ...asList(statement.NotAction)]) {
      const problem = actionProblem(action);
      if (problem) throw malformed(problem);
    }
    if (kind !== 'permissions') {
      for (const block of [statement.Principal, statement.NotPrincipal]) checkPrincipal(block);
    }
  }
  return {
    ...(parsed.Version === undefined ? {} : { Version: parsed.Version as string }),
    ...(parsed.Id === undefined ? {} : { Id: parsed.Id as string }),
    Statement: statements,
  };
}

/** The JSON shape: known elements only, each of its type ("Syntax errors in policy."). */
function checkSyntax(document: Record<string, unknown>, kind: PolicyKind): PolicyStatement[] {
  const syntaxError = () => malformed('Syntax errors in policy.');
  if (Object.keys(document).some((key) => !TOP_ELEMENTS.has(key))) throw syntaxError();
  if (document.Version !== undefined && !VERSIONS.has(document.Version as string)) throw syntaxError();
  if (document.Id !== undefined && typeof document.Id !== 'string') throw syntaxError();
  const statements = asList(document.Statement as unknown);
  if (statements.length === 0) throw syntaxError();
  for (const statement of statements) {
    if (!isObject(statement)) throw syntaxError();
    if (kind === 'permissions' && ('Principal' in statement || 'NotPrincipal' in statement)) {
      throw malformed('Policy document should not specify a principal.');
    }
    if (Object.keys(statement).some((key) => !STATEMENT_ELEMENTS.has(key))) throw syntaxError();
    const both = (a: string, b: string) => a in statement && b in statement;
    if (both('Action', 'NotAction') || both('Resource', 'NotResource') || both('Principal', 'NotPrincipal')) {
      throw syntaxError();
    }
    const effect = statement.Effect;
    if (typeof effect !== 'string' || !['allow', 'deny'].includes(effect.toLowerCase())) throw syntaxError();
    for (const element of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
      if (element in statement && !isStringOrStrings(statement[element])) throw syntaxError();
    }
    if ('Sid' in statement && typeof statement.Sid !== 'string') throw syntaxError();
    if ('Condition' in statement) checkConditionSyntax(statement.Condition, syntaxError);
  }
  return statements as PolicyStatement[];
}

function checkConditionSyntax(condition: unknown, syntaxError: () => ServiceError): void {
  if (!isObject(condition)) throw syntaxError();
  for (const [operator, block] of Object.entries(condition)) {
    if (!isObject(block)) throw syntaxError();
    for (const value of Object.values(block)) {
      const ok = Array.isArray(value) ? value.every(isConditionValue) : isConditionValue(value);
      if (!ok) throw syntaxError();
    }
    // An operator IAM does not know passes only with nothing under it.
    const { base } = parseConditionOperator(operator);
    if (!CONDITION_OPERATORS.has(base) && Object.keys(block).length > 0) throw syntaxError();
  }
}

/** IAM's older parser: Effect is case-sensitive, dates must be dates ("The policy failed legacy parsing"). */
function checkLegacyParsing(statements: PolicyStatement[]): void {
  const failed = () => malformed('The policy failed legacy parsing');
  for (const statement of statements) {
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw failed();
    for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
      if (!parseConditionOperator(operator).base.startsWith('Date')) continue;
      for (const value of Object.values(block).flatMap((v) => asList(v))) {
        if (parseConditionDate(String(value)) === undefined) throw failed();
      }
    }
  }
}

/** A policy date: ISO 8601 (`2026-01-01`, `2026-01-01T00:00:00Z`) or epoch seconds. */
export function parseConditionDate(value: string): number | undefined {
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  if (!/^\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?)?$/i.test(value)) {
    return undefined;
  }
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function checkRequiredParts(statements: PolicyStatement[], kind: PolicyKind): void {
  const sids = new Set<string>();
  for (const { Sid } of statements) {
    if (!Sid) continue;
    if (sids.has(Sid)) throw malformed('Statement IDs (SID) in a single policy must be unique.');
    sids.add(Sid);
  }
  for (const statement of statements) {
    if (asList(statement.Action).length === 0 && asList(statement.NotAction).length === 0) {
      throw malformed('Policy statement must contain actions.');
    }
  }
  for (const statement of statements) {
    const hasResource = statement.Resource !== undefined || statement.NotResource !== undefined;
    if (kind !== 'permissions') {
      if (statement.Principal === undefined && statement.NotPrincipal === undefined) {
        throw malformed('Missing required field Principal');
      }
      if (kind === 'trust' && hasResource) throw malformed('Has prohibited field Resource');
    } else if (asList(statement.Resource).length === 0 && asList(statement.NotResource).length === 0) {
      throw malformed('Policy statement must contain resources.');
    }
  }
}

const IAM_RESOURCE_TYPES = [
  'user/',
  'federated-user/',
  'role/',
  'group/',
  'instance-profile/',
  'mfa/',
  'server-certificate/',
  'policy/',
  'sms-mfa/',
  'saml-provider/',
  'oidc-provider/',
  'report/',
  'access-report/',
];

/** Why a Resource value is not one IAM accepts (`*`, or an ARN of a known partition), with IAM's wording. */
function resourceProblem(resource: string): string | undefined {
  if (resource === '*') return undefined;
  const parts = resource.split(':');
  if (parts.length < 2) return `Resource ${resource} must be in ARN format or "*".`;
  const [prefix, partition, service = '', region = ''] = parts;
  if (prefix !== 'arn' || !['aws', 'aws-cn', 'aws-us-gov', '*'].includes(partition!)) {
    if (prefix !== 'arn') return `Resource ${resource} must be in ARN format or "*".`;
    const rest = [parts[2] || '*', parts[3] ?? '*', parts[4] ?? '*', parts.slice(5).join(':') || '*'];
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${rest.join(':')}".`;
  }
  if (parts.length < 6 || service === '' || /[^a-zA-Z0-9*?-]/.test(service)) {
    return 'Resource vendor must be fully qualified and cannot contain regexes.';
  }
  if (service === 'iam') {
    if (region !== '') return `IAM resource ${resource} cannot contain region information.`;
    const path = parts.slice(5).join(':');
    if (path !== '*' && !IAM_RESOURCE_TYPES.some((type) => path.startsWith(type))) {
      return `IAM resource path must either be "*" or start with ${IAM_RESOURCE_TYPES.join(', ')}.`;
    }
  }
  return undefined;
}

/** Why an Action value is not `vendor:operation` (wildcards allowed), with IAM's wording. */
function actionProblem(action: string): string | undefined {
  const parts = action.split(':');
  if (parts.length === 1 && action !== '*') {
    return 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.';
  }
  if (parts.length > 2) return 'Actions/Condition can contain only one colon.';
  const vendor = parts[0]!;
  if (vendor !== '*' && /[^a-zA-Z0-9.-]/.test(vendor)) return `Vendor ${vendor} is not valid`;
  return undefined;
}

const AWS_PRINCIPAL =
  /^(\*|\d{12}|arn:aws:iam::\d{12}:(root|user\/.+|role\/.+)|arn:aws:sts::\d{12}:(assumed-role|federated-user)\/.+)$/;
/** A provider ARN or a host name (`accounts.google.com`); dot-separated labels keep the match linear. */
const FEDERATED_PRINCIPAL =
  /^(arn:aws:iam::\d{12}:(oidc-provider|saml-provider)\/.+|[a-z0-9-]+(\.[a-z0-9-]+)+)$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$|^\*$/;

/** Principals IAM can name: `*`, or typed values of the shapes each type takes ("Invalid principal in policy"). */
function checkPrincipal(block: PrincipalBlock | undefined): void {
  if (block === undefined || block === '*') return;
  if (!isObject(block)) throw malformed('Syntax errors in policy.');
  for (const [type, values] of Object.entries(block)) {
    if (!PRINCIPAL_TYPES.has(type) || !isStringOrStrings(values)) throw malformed('Syntax errors in policy.');
    const shape =
      type === 'AWS' ? AWS_PRINCIPAL : type === 'Federated' ? FEDERATED_PRINCIPAL : SERVICE_PRINCIPAL;
    for (const value of asList(values)) {
      if (type !== 'CanonicalUser' && !shape.test(value)) {
        throw malformed(`Invalid principal in policy: "${type}":"${value}"`);
      }
    }
  }
}

/** IAM returns policy documents URL-encoded (RFC 3986), as the AWS CLI expects to decode them. */
export function encodePolicyDocument(text: string): string {
  return encodeURIComponent(text);
}
