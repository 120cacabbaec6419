import { createHash } from 'node:crypto';
import type { Stack } from '../stack/load.ts';

/**
 * Every AWS resource of a stage is named `<name>-<stage>[-<role>]` and tagged with the stack and
 * stage, so provisioning finds its own resources again and stages never touch each other's.
 */
export interface ResourceNames {
  prefix: string;
  cluster: string;
  service: string;
  family: string;
  container: string;
  repository: string;
  logGroup: string;
  executionRole: string;
  taskRole: string;
  vpc: string;
  internetGateway: string;
  publicSubnets: [string, string];
  privateSubnets: [string, string];
  publicRouteTable: string;
  privateRouteTable: string;
  securityGroup: string;
  loadBalancerSecurityGroup: string;
  loadBalancer: string;
  targetGroup: string;
}

/** ELBv2 names are at most 32 characters: a longer prefix is cut and made unique by a short hash. */
function elbName(prefix: string): string {
  if (prefix.length <= 32) return prefix;
  const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 6);
  return `${prefix.slice(0, 25).replace(/-+$/, '')}-${hash}`;
}

export function resourceNames(stack: Stack): ResourceNames {
  const prefix = `${stack.config.name}-${stack.stage}`;
  return {
    prefix,
    cluster: prefix,
    service: prefix,
    family: prefix,
    container: stack.config.name,
    repository: prefix,
    logGroup: stack.config.logs.group,
    executionRole: `${prefix}-execution`,
    taskRole: `${prefix}-task`,
    vpc: prefix,
    internetGateway: prefix,
    publicSubnets: [`${prefix}-public-1`, `${prefix}-public-2`],
    privateSubnets: [`${prefix}-private-1`, `${prefix}-private-2`],
    publicRouteTable: `${prefix}-public`,
    privateRouteTable: `${prefix}-private`,
    securityGroup: `${prefix}-app`,
    loadBalancerSecurityGroup: `${prefix}-alb`,
    loadBalancer: elbName(prefix),
    targetGroup: elbName(prefix),
  };
}

export const STACK_TAG = 'devkit:stack';
export const STAGE_TAG = 'devkit:stage';

export function stackTags(stack: Stack): Record<string, string> {
  return { [STACK_TAG]: stack.config.name, [STAGE_TAG]: stack.stage };
}
