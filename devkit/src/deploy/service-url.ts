/**
 * Where users call the service: the stage's service.url when the stack sets one (a name of its own
 * in front of the load balancer), else the load balancer's DNS name on its listener port.
 */
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames } from './names.ts';
import { unlessNotFound } from './provision/resource.ts';

export function serviceUrl(stack: Stack, dnsName: string | undefined): string | undefined {
  if (stack.config.service.url) return stack.config.service.url;
  if (!dnsName) return undefined;
  const { port } = stack.config.loadBalancer;
  return `http://${dnsName}${port === 80 ? '' : `:${port}`}`;
}

/** The stage's service URL as deployed: undefined while its load balancer does not exist. */
export async function deployedServiceUrl(clients: AwsClients, stack: Stack): Promise<string | undefined> {
  if (stack.config.service.url) return stack.config.service.url;
  const found = await unlessNotFound(
    clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: [resourceNames(stack).loadBalancer] })),
  );
  return serviceUrl(stack, found?.LoadBalancers?.[0]?.DNSName);
}
