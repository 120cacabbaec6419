/**
 * Lifecycle policies as ECR reads and applies them: rules in rulePriority order; an image whose
 * tags a rule selects is that rule's to keep or expire and no later rule sees it; `imageCountMoreThan`
 * keeps the newest N, `sinceImagePushed` expires images older than N days. ECR applies policies
 * within a day; the local cloud applies them at once (after every push and when a policy is put).
 */
import { InvalidParameterException } from './errors.ts';
import type { ImageRecord, RepositoryRecord } from './state.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface LifecycleRule {
  rulePriority: number;
  tagStatus: 'tagged' | 'untagged' | 'any';
  tagPrefixList: string[];
  tagPatternList: RegExp[];
  countType: 'imageCountMoreThan' | 'sinceImagePushed';
  countNumber: number;
}

function invalid(reason: string): InvalidParameterException {
  return new InvalidParameterException(
    `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${reason}'`,
  );
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string') || value.length === 0) {
    throw invalid(`${field} must be a non-empty list of strings`);
  }
  return value as string[];
}

/** `prod*` → /^prod.*$/: ECR's tag patterns have `*` as their only wildcard. */
function tagPattern(pattern: string): RegExp {
  if ((pattern.match(/\*/g) ?? []).length > 4)
    throw invalid(`tag pattern ${pattern} has more than 4 wildcards`);
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

export function parseLifecyclePolicy(text: string): LifecycleRule[] {
  let policy: { rules?: unknown };
  try {
    policy = JSON.parse(text) as { rules?: unknown };
  } catch {
    throw invalid('the policy is not valid JSON');
  }
  if (!Array.isArray(policy?.rules) || policy.rules.length === 0)
    throw invalid('rules must be a non-empty list');
  const rules = (policy.rules as Array<Record<string, unknown>>).map((rule): LifecycleRule => {
    const selection = (rule?.selection ?? {}) as Record<string, unknown>;
    const action = (rule?.action ?? {}) as Record<string, unknown>;
    const { rulePriority } = rule;
    const { tagStatus, countType, countNumber, countUnit } = selection;
    if (!Number.isInteger(rulePriority) || (rulePriority as number) < 1) {
      throw invalid('rulePriority must be a positive integer');
    }
    if (tagStatus !== 'tagged' && tagStatus !== 'untagged' && tagStatus !== 'any') {
      throw invalid('tagStatus must be one of tagged, untagged, any');
    }
    if (countType !== 'imageCountMoreThan' && countType !== 'sinceImagePushed') {
      throw invalid('countType must be one of imageCountMoreThan, sinceImagePushed');
    }
    if (!Number.isInteger(countNumber) || (countNumber as number) < 1) {
      throw invalid('countNumber must be a positive integer');
    }
    if (countType === 'sinceImagePushed' ? countUnit !== 'days' : countUnit !== undefined) {
      throw invalid(
        countType === 'sinceImagePushed'
          ? "countUnit must be 'days' with sinceImagePushed"
          : 'countUnit must not be set with imageCountMoreThan',
      );
    }
    if (action.type !== 'expire') throw invalid("action type must be 'expire'");
    const tagPrefixList = stringList(selection.tagPrefixList, 'tagPrefixList');
    const tagPatternList = stringList(selection.tagPatternList, 'tagPatternList').map(tagPattern);
    const filtered = tagPrefixList.length + tagPatternList.length > 0;
    if (tagStatus === 'tagged' && !filtered) {
      throw invalid('tagPrefixList or tagPatternList is required when tagStatus is tagged');
    }
    if (tagStatus !== 'tagged' && filtered) {
      throw invalid('tagPrefixList and tagPatternList can only be used when tagStatus is tagged');
    }
    return {
      rulePriority: rulePriority as number,
      tagStatus,
      tagPrefixList,
      tagPatternList,
      countType,
      countNumber: countNumber as number,
    };
  });
  const priorities = new Set(rules.map((r) => r.rulePriority));
  if (priorities.size !== rules.length) throw invalid('rulePriority values must be unique');
  const last = Math.max(...priorities);
  if (rules.some((r) => r.tagStatus === 'any' && r.rulePriority !== last)) {
    throw invalid("a rule with tagStatus 'any' must have the highest rulePriority");
  }
  return rules.sort((a, b) => a.rulePriority - b.rulePriority);
}

/** With several prefixes or patterns, only images carrying a tag for each one are selected. */
function selects(rule: LifecycleRule, image: ImageRecord): boolean {
  if (rule.tagStatus === 'any') return true;
  if (rule.tagStatus === 'untagged') return image.tags.length === 0;
  return (
    image.tags.length > 0 &&
    rule.tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix))) &&
    rule.tagPatternList.every((pattern) => image.tags.some((tag) => pattern.test(tag)))
  );
}

/** An image a rule expires, and which rule (a preview reports its priority). */
export interface Expiry {
  image: ImageRecord;
  rulePriority: number;
}

/** The images the rules expire among `images`, the one place both a policy and its preview evaluate. */
export function expiredImages(rules: LifecycleRule[], images: ImageRecord[], nowMs: number): Expiry[] {
  const claimed = new Set<string>();
  const expired: Expiry[] = [];
  for (const rule of rules) {
    const selected = images.filter((image) => !claimed.has(image.digest) && selects(rule, image));
    for (const image of selected) claimed.add(image.digest);
    const doomed =
      rule.countType === 'imageCountMoreThan'
        ? selected.sort((a, b) => b.pushedMs - a.pushedMs).slice(rule.countNumber)
        : selected.filter((image) => image.pushedMs < nowMs - rule.countNumber * DAY_MS);
    expired.push(...doomed.map((image) => ({ image, rulePriority: rule.rulePriority })));
  }
  return expired;
}

/** Applies the repository's policy, if it has one; returns the expired digests. */
export function applyLifecyclePolicy(repository: RepositoryRecord, nowMs: number): string[] {
  const policy = repository.lifecyclePolicy;
  if (!policy) return [];
  const expired = expiredImages(parseLifecyclePolicy(policy.text), Object.values(repository.images), nowMs);
  for (const { image } of expired) delete repository.images[image.digest];
  policy.lastEvaluatedMs = nowMs;
  return expired.map(({ image }) => image.digest);
}
