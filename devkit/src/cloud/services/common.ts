/** What the services share — ARNs, ids, pagination — and nothing else (they never import each other). */
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../protocol/errors.ts';

export function arn(service: string, region: string, accountId: string, resource: string): string {
  return `arn:aws:${service}:${region}:${accountId}:${resource}`;
}

/** `vpc-0a1b2c3d4e5f67890`: AWS's resource ids are a prefix and 17 hex digits. */
export function resourceId(prefix: string, hexDigits = 17): string {
  return `${prefix}-${randomBytes(Math.ceil(hexDigits / 2))
    .toString('hex')
    .slice(0, hexDigits)}`;
}

export function hexId(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * One page of `items` from an opaque `nextToken` (an offset, encoded so callers do not rely on it).
 * A token that does not decode gets the error most services return for it.
 */
export function paginate<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  defaultPageSize = 100,
): { page: T[]; nextToken: string | undefined } {
  let start = 0;
  if (nextToken) {
    start = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) {
      throw new ServiceError('The specified nextToken is invalid.', { code: 'InvalidParameterException' });
    }
  }
  const size = maxResults && maxResults > 0 ? maxResults : defaultPageSize;
  const page = items.slice(start, start + size);
  const end = start + page.length;
  return { page, nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

/**
 * An empty record keyed by names clients choose. It has no prototype, so `__proto__`,
 * `constructor` or `toString` are ordinary names rather than Object.prototype's members; it stays
 * plain JSON data (the state store revives persisted objects without a prototype too).
 */
export function nameMap<T>(entries?: Iterable<readonly [string, T]>): Record<string, T> {
  const map = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries ?? []) map[key] = value;
  return map;
}

/** AWS's limit on the tags one resource may carry, the same in every service here. */
export const MAX_TAGS_PER_RESOURCE = 50;

/** How many tags a resource would carry once `added` keys are set on top of `existing` ones. */
export function mergedTagCount(existing: Iterable<string>, added: Iterable<string>): number {
  return new Set([...existing, ...added]).size;
}

/** Epoch milliseconds (how state stores times) to the Date the SDK shapes expect. */
export function toDate(epochMs: number | undefined): Date | undefined {
  return epochMs === undefined ? undefined : new Date(epochMs);
}

/** An ELBv2 listener's default rule's ARN: the listener's, with `listener-rule` and a fixed last segment. */
export function defaultListenerRuleArn(listenerArn: string): string {
  return `${listenerArn.replace(':listener/', ':listener-rule/')}/0000000000000000`;
}

/** The target group ARNs an ELBv2 action list forwards to (ECS reads its blue/green rules' too). */
export function forwardedGroups(actions: readonly Action[]): string[] {
  return actions.flatMap((a) =>
    a.Type !== 'forward'
      ? []
      : a.ForwardConfig?.TargetGroups?.length
        ? a.ForwardConfig.TargetGroups.flatMap((t) => (t.TargetGroupArn ? [t.TargetGroupArn] : []))
        : a.TargetGroupArn
          ? [a.TargetGroupArn]
          : [],
  );
}
