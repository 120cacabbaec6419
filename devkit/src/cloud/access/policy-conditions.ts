/**
 * A statement's Condition block against a request's context, as IAM documents it: every operator
 * and every key in it must hold (AND); a key's values are alternatives (OR), and for the negated
 * operators none may match (NOR). A key missing from the request fails the positive operators and
 * passes the negated ones; `...IfExists` passes it; `Null` tests for it. `ForAnyValue:` /
 * `ForAllValues:` compare each of a multi-valued key's values (an absent key: false / true).
 * Keys are case-insensitive; string values are compared case-sensitively unless the operator says.
 */
import { addressInBlock } from '../../net/cidr.ts';
import { wildcardMatcher, type WildcardMatcher } from '../services/wildcard.ts';
import {
  asList,
  parseConditionDate,
  parseConditionOperator,
  type ConditionBlock,
  type ConditionValue,
} from './policy-document.ts';

/** Condition keys → values, keys lower-cased (`token.actions.githubusercontent.com:sub`). */
export type RequestContextValues = ReadonlyMap<string, string | readonly string[]>;

/** Builds a request context from keys as AWS spells them (`aws:PrincipalArn`). */
export function contextValues(
  entries: Record<string, string | readonly string[] | undefined>,
): RequestContextValues {
  const values = new Map<string, string | readonly string[]>();
  for (const [key, value] of Object.entries(entries))
    if (value !== undefined) values.set(key.toLowerCase(), value);
  return values;
}

/**
 * A policy variable's value (`${aws:username}`, `${aws:PrincipalTag/team}`, `${aws:username, 'x'}`),
 * substituted into a Resource or condition value; `${*}`, `${?}`, `${$}` stand for the characters.
 * Undefined when a variable has no single value and no default: the element then matches nothing.
 */
export function expandVariables(text: string, context: RequestContextValues): string | undefined {
  if (!text.includes('${')) return text;
  let missing = false;
  const expanded = text.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    if (inner === '*' || inner === '?' || inner === '$') return inner;
    const [key = '', fallback] = inner.split(',').map((part) => part.trim());
    const value = context.get(key.toLowerCase());
    if (typeof value === 'string') return value;
    const quoted = fallback === undefined ? undefined : /^'(.*)'$/.exec(fallback)?.[1];
    if (quoted !== undefined) return quoted;
    missing = true;
    return '';
  });
  return missing ? undefined : expanded;
}

/** One request value against the policy's values: whether it matches any of them (before negation). */
type Match = (requestValue: string, policyValues: readonly string[]) => boolean;

const matchers = new Map<string, WildcardMatcher>();

/** Patterns recur across calls (the same policies): compiled once, the cache bounded. */
function like(pattern: string, value: string): boolean {
  let matcher = matchers.get(pattern);
  if (!matcher) {
    if (matchers.size >= 4096) matchers.clear();
    matchers.set(pattern, (matcher = wildcardMatcher(pattern, { questionMark: true })));
  }
  return matcher(value);
}

/** ARNs compare part by part (the resource part keeps its colons); each part may hold wildcards. */
export function arnLike(pattern: string, arn: string): boolean {
  const patternParts = splitArn(pattern);
  const arnParts = splitArn(arn);
  if (!patternParts || !arnParts) return pattern === '*' || like(pattern, arn);
  return patternParts.every((part, i) => like(part, arnParts[i]!));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

const number = (text: string): number | undefined => {
  const n = text.trim() === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
};

function compareNumbers(test: (a: number, b: number) => boolean): Match {
  return (value, policy) => {
    const a = number(value);
    return a !== undefined && policy.some((p) => number(p) !== undefined && test(a, number(p)!));
  };
}

function compareDates(test: (a: number, b: number) => boolean): Match {
  return (value, policy) => {
    const a = parseConditionDate(value) ?? (Number.isNaN(Date.parse(value)) ? undefined : Date.parse(value));
    return (
      a !== undefined &&
      policy.some((p) => {
        const b = parseConditionDate(p);
        return b !== undefined && test(a, b);
      })
    );
  };
}

const stringEquals: Match = (v, policy) => policy.includes(v);
const stringEqualsIgnoreCase: Match = (v, policy) => policy.some((p) => p.toLowerCase() === v.toLowerCase());
const stringLike: Match = (v, policy) => policy.some((p) => like(p, v));
const arnMatch: Match = (v, policy) => policy.some((p) => arnLike(p, v));
const numericEquals = compareNumbers((a, b) => a === b);
const dateEquals = compareDates((a, b) => a === b);
const ipAddress: Match = (v, policy) => policy.some((p) => addressInBlock(v, p));

/** Each base operator: how one value matches, and whether the operator is the negation of that. */
const OPERATORS: ReadonlyMap<string, { match: Match; negated: boolean }> = new Map([
  ['StringEquals', { match: stringEquals, negated: false }],
  ['StringNotEquals', { match: stringEquals, negated: true }],
  ['StringEqualsIgnoreCase', { match: stringEqualsIgnoreCase, negated: false }],
  ['StringNotEqualsIgnoreCase', { match: stringEqualsIgnoreCase, negated: true }],
  ['StringLike', { match: stringLike, negated: false }],
  ['StringNotLike', { match: stringLike, negated: true }],
  ['NumericEquals', { match: numericEquals, negated: false }],
  ['NumericNotEquals', { match: numericEquals, negated: true }],
  ['NumericLessThan', { match: compareNumbers((a, b) => a < b), negated: false }],
  ['NumericLessThanEquals', { match: compareNumbers((a, b) => a <= b), negated: false }],
  ['NumericGreaterThan', { match: compareNumbers((a, b) => a > b), negated: false }],
  ['NumericGreaterThanEquals', { match: compareNumbers((a, b) => a >= b), negated: false }],
  ['DateEquals', { match: dateEquals, negated: false }],
  ['DateNotEquals', { match: dateEquals, negated: true }],
  ['DateLessThan', { match: compareDates((a, b) => a < b), negated: false }],
  ['DateLessThanEquals', { match: compareDates((a, b) => a <= b), negated: false }],
  ['DateGreaterThan', { match: compareDates((a, b) => a > b), negated: false }],
  ['DateGreaterThanEquals', { match: compareDates((a, b) => a >= b), negated: false }],
  ['Bool', { match: stringEqualsIgnoreCase, negated: false }],
  ['BinaryEquals', { match: stringEquals, negated: false }],
  ['IpAddress', { match: ipAddress, negated: false }],
  ['NotIpAddress', { match: ipAddress, negated: true }],
  ['ArnEquals', { match: arnMatch, negated: false }],
  ['ArnLike', { match: arnMatch, negated: false }],
  ['ArnNotEquals', { match: arnMatch, negated: true }],
  ['ArnNotLike', { match: arnMatch, negated: true }],
]);

/** Whether every operator of `condition` holds for `context` (no condition: true). */
export function conditionHolds(
  condition: ConditionBlock | undefined,
  context: RequestContextValues,
): boolean {
  if (condition === undefined) return true;
  for (const [operatorName, keys] of Object.entries(condition)) {
    const operator = parseConditionOperator(operatorName);
    for (const [key, policyValue] of Object.entries(keys)) {
      const policyValues = asList<ConditionValue>(policyValue).flatMap((v) => {
        const expanded = expandVariables(String(v), context);
        return expanded === undefined ? [] : [expanded];
      });
      const requestValue = context.get(key.toLowerCase());
      if (!keyHolds(operator, policyValues, requestValue)) return false;
    }
  }
  return true;
}

function keyHolds(
  operator: ReturnType<typeof parseConditionOperator>,
  policyValues: readonly string[],
  requestValue: string | readonly string[] | undefined,
): boolean {
  const present = requestValue !== undefined && asList(requestValue as string | string[]).length > 0;
  if (operator.base === 'Null') {
    return policyValues.some((p) => (p.toLowerCase() === 'true' ? !present : present));
  }
  const known = OPERATORS.get(operator.base);
  // An operator the evaluator does not know never holds, so an Allow under it grants nothing; the
  // validator refuses such operators with values before any document is stored.
  if (!known) return false;
  if (!present) {
    if (operator.ifExists) return true;
    if (operator.set === 'ForAllValues') return true;
    if (operator.set === 'ForAnyValue') return false;
    return known.negated;
  }
  const values = asList(requestValue as string | string[]);
  const holdsFor = (value: string) => known.match(value, policyValues) !== known.negated;
  if (operator.set === 'ForAllValues') return values.every(holdsFor);
  if (operator.set === 'ForAnyValue') return values.some(holdsFor);
  // A single-valued operator on several values: any may match; a negated one needs all to miss.
  return known.negated ? values.every(holdsFor) : values.some(holdsFor);
}
