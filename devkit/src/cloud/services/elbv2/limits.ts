/**
 * Elastic Load Balancing's default quotas, by the names DescribeAccountLimits reports them (the
 * quotas pages of the Application, Network and Gateway Load Balancer guides). The Application Load
 * Balancer ones are the limits this service enforces; the others are reported as AWS reports them.
 */
import type {
  DescribeAccountLimitsInput,
  DescribeAccountLimitsOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Handler } from '../../service-definition.ts';
import { page } from './paging.ts';
import type { Elbv2State } from './state.ts';

export const QUOTAS = {
  'application-load-balancers': 50,
  'condition-values-per-alb-rule': 5,
  'condition-wildcards-per-alb-rule': 5,
  'gateway-load-balancers': 100,
  'gateway-load-balancers-per-vpc': 100,
  'geneve-target-groups': 100,
  'listeners-per-application-load-balancer': 50,
  'listeners-per-network-load-balancer': 50,
  'network-load-balancers': 50,
  'rules-per-application-load-balancer': 100,
  'target-groups': 3000,
  'target-groups-per-action-on-application-load-balancer': 5,
  'target-groups-per-action-on-network-load-balancer': 1,
  'target-groups-per-application-load-balancer': 100,
  'targets-per-application-load-balancer': 1000,
  'targets-per-availability-zone-per-gateway-load-balancer': 300,
  'targets-per-availability-zone-per-network-load-balancer': 500,
  'targets-per-network-load-balancer': 3000,
  'certificates-per-application-load-balancer': 25,
  'certificates-per-network-load-balancer': 25,
} as const;

export const describeAccountLimits: Handler<
  DescribeAccountLimitsInput,
  DescribeAccountLimitsOutput,
  Elbv2State
> = (input) => {
  const limits = Object.entries(QUOTAS).map(([Name, max]) => ({ Name, Max: String(max) }));
  const { page: items, NextMarker } = page(limits, input);
  return { Limits: items, ...(NextMarker ? { NextMarker } : {}) };
};
