/**
 * A role's policy against the least one it needs, as lines a person reads: each action and
 * resource the minimal policy has that the role is not granted ("missing"), and each grant of the
 * role the minimal policy does not need ("broader": a wildcard, another resource, a dropped
 * condition). Compared statement by statement on Allow grants; `*` and `?` are IAM's wildcards.
 */
export interface PolicyDocumentJson {
  Statement?: unknown;
}

interface Grant {
  action: string;
  resource: string;
  /** The statement's Condition as canonical text ('' for none). */
  condition: string;
  /** NotAction / NotResource: everything but what is named. */
  negated: boolean;
}

export interface PolicyDifference {
  kind: 'missing' | 'broader';
  line: string;
}

export function policyDifferences(
  minimal: PolicyDocumentJson,
  granted: PolicyDocumentJson,
): PolicyDifference[] {
  const needed = grants(minimal);
  const given = grants(granted);
  const differences: PolicyDifference[] = [];
  for (const need of needed) {
    const covered = given.some(
      (g) =>
        (g.negated || (matches(g.action, need.action) && matches(g.resource, need.resource))) &&
        (g.condition === '' || g.condition === need.condition),
    );
    if (!covered) differences.push({ kind: 'missing', line: `missing ${describe(need)}` });
  }
  for (const grant of given) {
    const needs =
      !grant.negated &&
      needed.some(
        (n) =>
          matches(n.action, grant.action) &&
          matches(n.resource, grant.resource) &&
          (n.condition === '' || n.condition === grant.condition),
      );
    if (!needs) differences.push({ kind: 'broader', line: `broader than needed: ${describe(grant)}` });
  }
  return differences;
}

function describe(grant: Grant): string {
  const condition = grant.condition ? ` when ${grant.condition}` : '';
  return grant.negated
    ? `every action and resource but ${grant.action} on ${grant.resource}${condition}`
    : `${grant.action} on ${grant.resource}${condition}`;
}

const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

function grants(document: PolicyDocumentJson): Grant[] {
  const statements = Array.isArray(document.Statement)
    ? (document.Statement as Record<string, unknown>[])
    : document.Statement
      ? [document.Statement as Record<string, unknown>]
      : [];
  return statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => {
      const negated = s.NotAction !== undefined || s.NotResource !== undefined;
      const actions = list(s.Action ?? s.NotAction);
      const resources = list(s.Resource ?? s.NotResource);
      const condition = s.Condition === undefined ? '' : JSON.stringify(s.Condition);
      return actions.flatMap((action) =>
        resources.map((resource) => ({ action, resource, condition, negated })),
      );
    });
}

/** Whether IAM pattern `pattern` (with `*` and `?`) covers `value` taken literally; actions ignore case. */
function matches(pattern: string, value: string): boolean {
  const caseless = /^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(pattern) && !pattern.startsWith('arn:');
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`, caseless ? 'is' : 's').test(value);
}
