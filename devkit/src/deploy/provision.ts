import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames, stackTags } from './names.ts';
import { serviceUrl } from './service-url.ts';
import type { PlannedChange, Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';
import type { ProvisionContext } from './provision/resource.ts';
import type { InspectedResource } from './provision/resources.ts';
import { inspectAll, stageResources } from './provision/resources.ts';

/** What later steps need from the stage's infrastructure. */
export interface ProvisionedStack {
  accountId: string;
  repositoryUri: string;
  executionRoleArn: string;
  taskRoleArn: string;
  /** Secret name → ARN. */
  secretArns: Record<string, string>;
  /** Where tasks run: the public subnets. */
  subnetIds: string[];
  securityGroupId: string;
  cluster: string;
  /** The tasks' target group: the ECS service registers them in it. */
  targetGroupArn: string;
  /** Where the service answers: its load balancer (or the stage's own service.url). */
  url: string;
}

export interface ProvisionResult {
  changes: PlannedChange[];
  /** undefined on a dry run. */
  provisioned: ProvisionedStack | undefined;
}

export async function newProvisionContext(clients: AwsClients, stack: Stack): Promise<ProvisionContext> {
  const { Account } = await clients.sts.send(new GetCallerIdentityCommand({}));
  if (!Account) throw new DeployError('STS GetCallerIdentity returned no account');
  return {
    clients,
    stack,
    names: resourceNames(stack),
    tags: stackTags(stack),
    found: { accountId: Account, secretArns: {}, publicSubnetIds: [], privateSubnetIds: [] },
  };
}

function planOf(resource: InspectedResource): PlannedChange {
  const action = !resource.exists ? 'create' : resource.drift.length > 0 ? 'update' : 'unchanged';
  return { type: resource.type, name: resource.name, action, details: resource.drift };
}

/**
 * Ensures the stage's resources: looks at each, reports the plan (create / update / unchanged), then
 * creates what is missing and corrects what drifted. Running it twice changes nothing the second time.
 */
export function provision(
  clients: AwsClients,
  stack: Stack,
  progress: Progress,
  options: { dryRun?: boolean } = {},
): Promise<ProvisionResult> {
  return runStep(
    progress,
    'provision',
    `${options.dryRun ? 'plan' : 'provision'} ${stack.config.name} (${stack.stage})`,
    async (report) => {
      const ctx = await newProvisionContext(clients, stack);
      const resources = await inspectAll(stageResources(ctx));
      const changes = resources.map(planOf);
      report.plan(changes);
      if (options.dryRun) return { changes, provisioned: undefined };
      // The plan listed what changes; while it is applied, the status says which one is under way.
      const changing = changes.filter((c) => c.action !== 'unchanged').length;
      let applied = 0;
      for (const [index, resource] of resources.entries()) {
        const change = changes[index];
        if (change && change.action !== 'unchanged')
          report.status(`${++applied}/${changing}: ${change.action} ${change.type} ${change.name}`);
        await resource.apply();
      }
      return { changes, provisioned: provisionedStack(ctx) };
    },
    ({ changes }) => summarizePlan(changes),
  );
}

export function summarizePlan(changes: PlannedChange[]): string {
  if (changes.length > 0 && changes.every((c) => c.action === 'unchanged'))
    return `${changes.length} resources unchanged`;
  const count = (action: string) => changes.filter((c) => c.action === action).length;
  return ['create', 'update', 'unchanged', 'delete']
    .filter((action) => count(action) > 0)
    .map((action) => `${count(action)} ${action}`)
    .join(', ');
}

function provisionedStack(ctx: ProvisionContext): ProvisionedStack {
  const { found, names } = ctx;
  const known = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new DeployError(`provisioning left the ${what} unknown`, 'provision');
    return value;
  };
  return {
    accountId: found.accountId,
    repositoryUri: known(found.repositoryUri, 'ECR repository URI'),
    executionRoleArn: known(found.executionRoleArn, 'execution role ARN'),
    taskRoleArn: known(found.taskRoleArn, 'task role ARN'),
    secretArns: found.secretArns,
    subnetIds: found.publicSubnetIds.map((id, index) => known(id, `public subnet ${index + 1} id`)),
    securityGroupId: known(found.securityGroupId, 'security group id'),
    cluster: names.cluster,
    targetGroupArn: known(found.targetGroupArn, 'target group ARN'),
    url: known(serviceUrl(ctx.stack, found.loadBalancerDnsName), "load balancer's DNS name"),
  };
}
