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
  };
}

export const STACK_TAG = 'devkit:stack';
export const STAGE_TAG = 'devkit:stage';

export function stackTags(stack: Stack): Record<string, string> {
  return { [STACK_TAG]: stack.config.name, [STAGE_TAG]: stack.stage };
}

/** Where the local cloud's load balancer for the service listens; AWS ignores the tag. */
export const LOAD_BALANCER_PORT_TAG = 'devkit:load-balancer-port';

/** The service's tags: the stack's, plus the load balancer port when the stage names a service.url. */
export function serviceTags(stack: Stack): Record<string, string> {
  const url = stack.config.service.url;
  if (!url) return stackTags(stack);
  const { port, protocol } = new URL(url);
  return { ...stackTags(stack), [LOAD_BALANCER_PORT_TAG]: port || (protocol === 'https:' ? '443' : '80') };
}
