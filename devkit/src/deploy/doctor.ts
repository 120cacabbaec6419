/**
 * Preflight findings about a stage as it stands in its target: what would stop a deploy or break the
 * service, each with the fix. Read-only: it inspects the stage's resources the way provisioning does.
 */
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames } from './names.ts';
import { newProvisionContext } from './provision.ts';
import type { InspectedResource } from './provision/resources.ts';
import { inspectAll, stageResources } from './provision/resources.ts';

export type FindingStatus = 'pass' | 'warn' | 'fail';

export interface Finding {
  check: string;
  status: FindingStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export async function stageFindings(clients: AwsClients, stack: Stack): Promise<Finding[]> {
  const ctx = await newProvisionContext(clients, stack);
  const resources = await inspectAll(stageResources(ctx));
  const names = resourceNames(stack);
  const deployFix = `\`devkit deploy --stage ${stack.stage}\` corrects it (provisioning puts every resource back as the stack says)`;
  const byName = (type: string, name: string) => resources.find((r) => r.type === type && r.name === name);
  return [
    ingressFinding(
      stack,
      'load-balancer',
      byName('load balancer security group', names.loadBalancerSecurityGroup),
      deployFix,
    ),
    ingressFinding(stack, 'app', byName('security group', names.securityGroup), deployFix),
    zonesFinding(
      stack,
      resources.filter((r) => r.type.endsWith(' subnet')),
      deployFix,
    ),
    taskRoleFinding(stack, byName('IAM role', names.taskRole), deployFix),
    roleDriftFinding('execution role', byName('IAM role', names.executionRole), stack, deployFix),
    ...Object.values(stack.config.task.secrets).map((name) =>
      secretFinding(stack, name, byName('secret', name)),
    ),
  ];
}

const notProvisioned = (check: string, what: string, stack: Stack): Finding => ({
  check,
  status: 'warn',
  detail: `${what} is not provisioned yet`,
  fix: `\`devkit deploy --stage ${stack.stage}\` creates it`,
});

/**
 * The load balancer's group admits its listener port from the ingress CIDR; the app's admits the
 * container port from the load balancer's group alone.
 */
function ingressFinding(
  stack: Stack,
  role: 'app' | 'load-balancer',
  group: InspectedResource | undefined,
  fix: string,
): Finding {
  const names = resourceNames(stack);
  const forApp = role === 'app';
  const check = forApp ? 'security group ingress' : 'load balancer ingress';
  const name = forApp ? names.securityGroup : names.loadBalancerSecurityGroup;
  const rule = forApp
    ? `tcp/${stack.config.task.port} from security group ${names.loadBalancerSecurityGroup} only`
    : `tcp/${stack.config.loadBalancer.port} from ${stack.config.network.ingressCidr}`;
  if (!group?.exists) return notProvisioned(check, `security group ${name}`, stack);
  if (group.drift.length > 0)
    return {
      check,
      status: 'fail',
      detail: `does not admit ${forApp ? 'the app port' : 'the listener port'} as declared: ${group.drift.join('; ')}`,
      fix,
    };
  return { check, status: 'pass', detail: `${group.name} allows ${rule}` };
}

function zonesFinding(stack: Stack, subnets: InspectedResource[], fix: string): Finding {
  const check = 'subnets in two AZs';
  const zones = stack.config.network.publicSubnets.map((s) => s.availabilityZone);
  const misplaced = subnets.filter((s) => s.drift.some((d) => d.startsWith('zone ')));
  if (misplaced.length > 0) {
    return {
      check,
      status: 'fail',
      detail: misplaced.map((s) => `${s.name}: ${s.drift.join('; ')}`).join(', '),
      fix: `a subnet cannot move zones: \`devkit remove --stage ${stack.stage}\`, then deploy again`,
    };
  }
  if (new Set(zones).size < 2)
    return { check, status: 'fail', detail: `public subnets share zone ${zones[0]}`, fix };
  const provisioned = subnets.every((s) => s.exists);
  return {
    check,
    status: 'pass',
    detail: `public subnets in ${zones.join(' and ')}${provisioned ? '' : ' (not provisioned yet)'}`,
  };
}

function taskRoleFinding(stack: Stack, role: InspectedResource | undefined, fix: string): Finding {
  const check = 'task role least privilege';
  const wide = stack.config.iam.taskRole.statements.filter(
    (s) =>
      s.effect === 'Allow' &&
      (s.resources.includes('*') || s.actions.some((a) => a.endsWith(':*') || a === '*')),
  );
  if (wide.length > 0) {
    return {
      check,
      status: 'warn',
      detail: `the stack grants ${wide.map((s) => `${s.actions.join(',')} on ${s.resources.join(',')}`).join('; ')}`,
      fix: 'name the exact actions and resource ARNs under iam.taskRole.statements',
    };
  }
  if (role?.exists && role.drift.length > 0)
    return {
      check,
      status: 'fail',
      detail: `${role.name} has more or other than declared: ${role.drift.join('; ')}`,
      fix,
    };
  const declared = stack.config.iam.taskRole.statements.length;
  return {
    check,
    status: 'pass',
    detail: `${declared === 0 ? 'no permissions' : `only the ${declared} declared statement(s)`}${role?.exists ? '' : ' (not provisioned yet)'}`,
  };
}

function roleDriftFinding(
  check: string,
  role: InspectedResource | undefined,
  stack: Stack,
  fix: string,
): Finding {
  if (!role?.exists) return notProvisioned(check, `IAM role ${resourceNames(stack).executionRole}`, stack);
  if (role.drift.length > 0)
    return { check, status: 'fail', detail: `${role.name}: ${role.drift.join('; ')}`, fix };
  return {
    check,
    status: 'pass',
    detail: `${role.name}: pulls its repository, writes its log group, reads its secrets; nothing else`,
  };
}

function secretFinding(stack: Stack, name: string, secret: InspectedResource | undefined): Finding {
  const check = `secret ${name}`;
  if (secret?.exists) return { check, status: 'pass', detail: 'present' };
  return {
    check,
    status: 'fail',
    detail: 'missing: tasks cannot start without it (ResourceInitializationError)',
    fix: `\`devkit deploy --stage ${stack.stage}\` creates a placeholder; then set the value: aws secretsmanager put-secret-value --secret-id ${name} --secret-string ...`,
  };
}
