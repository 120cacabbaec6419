/**
 * Least privilege as output: what a role's sessions were allowed to do, action by action with the
 * resources each was used on, and the smallest policy that allows exactly that — actions sharing
 * the same resources in one statement, `iam:PassRole` with the service the role went to.
 */
import type { RequiredAction } from './authorization.ts';
import type { PolicyDocument, PolicyStatement } from './policy-document.ts';

/** Per action: resource → the services a role was passed to (PassRole only; empty otherwise). */
export type ActionUse = Map<string, Map<string, Set<string>>>;

/** A bound on what one role keeps, so a long session cannot grow the record without end. */
const MAX_RESOURCES_PER_ACTION = 500;

export class UsedPermissions {
  private readonly byRole = new Map<string, { name: string; actions: ActionUse }>();

  record(roleName: string, required: readonly RequiredAction[]): void {
    const key = roleName.toLowerCase();
    let role = this.byRole.get(key);
    if (!role) this.byRole.set(key, (role = { name: roleName, actions: new Map() }));
    for (const { action, resource, context } of required) {
      let resources = role.actions.get(action);
      if (!resources) role.actions.set(action, (resources = new Map()));
      let services = resources.get(resource);
      if (!services) {
        if (resources.size >= MAX_RESOURCES_PER_ACTION) continue;
        resources.set(resource, (services = new Set()));
      }
      const passedTo = context?.['iam:PassedToService'];
      if (typeof passedTo === 'string') services.add(passedTo);
    }
  }

  of(roleName: string): ActionUse | undefined {
    return this.byRole.get(roleName.toLowerCase())?.actions;
  }

  roles(): string[] {
    return [...this.byRole.values()].map((r) => r.name).sort();
  }
}

const one = (values: string[]): string | string[] => (values.length === 1 ? values[0]! : values);

/** The minimal policy allowing what was used: exact resources, `*` where an action needed it. */
export function leastPrivilegePolicy(used: ActionUse): PolicyDocument {
  const groups = new Map<string, { actions: string[]; resources: string[] }>();
  const passRoles = new Map<string, Set<string>>();
  for (const [action, resources] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
    if (action === 'iam:PassRole') {
      for (const [role, services] of resources) {
        for (const service of services.size > 0 ? services : new Set([''])) {
          if (!passRoles.has(service)) passRoles.set(service, new Set());
          passRoles.get(service)!.add(role);
        }
      }
      continue;
    }
    const list = resources.has('*') ? ['*'] : [...resources.keys()].sort();
    const key = list.join('\n');
    const group = groups.get(key);
    if (group) group.actions.push(action);
    else groups.set(key, { actions: [action], resources: list });
  }
  const statements: PolicyStatement[] = [...groups.values()].map(({ actions, resources }) => ({
    Effect: 'Allow',
    Action: one(actions),
    Resource: one(resources),
  }));
  for (const [service, roles] of [...passRoles].sort(([a], [b]) => a.localeCompare(b))) {
    statements.push({
      Sid: service
        ? `PassRoleTo${service.split('.')[0]!.replace(/(^|-)(\w)/g, (_, _d, c: string) => c.toUpperCase())}`
        : 'PassRole',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: one([...roles].sort()),
      ...(service ? { Condition: { StringEquals: { 'iam:PassedToService': service } } } : {}),
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
