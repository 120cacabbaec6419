/** DescribeDhcpOptions: the region's default DHCP options set, which every VPC uses. */
import type { DescribeDhcpOptionsRequest, DescribeDhcpOptionsResult, DhcpOptions } from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';

/** What AWS's default set holds: the region's internal domain and the VPC's own resolver. */
function configuration(region: string): Array<{ key: string; values: string[] }> {
  return [
    { key: 'domain-name', values: [region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`] },
    { key: 'domain-name-servers', values: ['AmazonProvidedDNS'] },
  ];
}

export const describeDhcpOptions: Handler<DescribeDhcpOptionsRequest, DescribeDhcpOptionsResult, Ec2State> = (
  input,
  ctx,
) => {
  const { state } = ctx;
  for (const id of input.DhcpOptionsIds ?? []) {
    if (id !== state.dhcpOptionsId) {
      throw ec2Error('InvalidDhcpOptionID.NotFound', `The dhcpOption ID '${id}' does not exist`);
    }
  }
  const config = configuration(state.region);
  const sets = applyFilters(state, [{ id: state.dhcpOptionsId }], input.Filters, {
    'dhcp-options-id': (s) => s.id,
    key: () => config.map((c) => c.key),
    value: () => config.flatMap((c) => c.values),
    'owner-id': () => ctx.accountId,
  });
  const { page, nextToken } = paginate(sets, input.MaxResults, input.NextToken, 1000);
  const DhcpOptions: DhcpOptions[] = page.map((s) => ({
    DhcpOptionsId: s.id,
    OwnerId: ctx.accountId,
    DhcpConfigurations: config.map((c) => ({ Key: c.key, Values: c.values.map((Value) => ({ Value })) })),
    Tags: [],
  }));
  return { DhcpOptions, ...(nextToken ? { NextToken: nextToken } : {}) };
};
