/**
 * DescribeRegions: AWS's commercial regions. The local cloud answers in any of them, so the regions
 * a new account must opt in to are reported `opted-in`.
 */
import type { DescribeRegionsRequest, DescribeRegionsResult, Region } from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';

/** Enabled in every account. */
const DEFAULT_REGIONS = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

/** Launched since March 2019: an account opts in to each. */
const OPT_IN_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
];

export const describeRegions: Handler<DescribeRegionsRequest, DescribeRegionsResult, Ec2State> = (
  input,
  ctx,
) => {
  const all = [
    ...DEFAULT_REGIONS.map((name) => ({ id: name, optIn: 'opt-in-not-required' })),
    ...OPT_IN_REGIONS.map((name) => ({ id: name, optIn: 'opted-in' })),
  ].sort((a, b) => a.id.localeCompare(b.id));
  const unknown = (input.RegionNames ?? []).filter((name) => !all.some((r) => r.id === name));
  if (unknown.length > 0) {
    throw ec2Error('InvalidParameterValue', `Invalid region names: ${unknown.join(', ')}`);
  }
  const named = input.RegionNames?.length ? all.filter((r) => input.RegionNames!.includes(r.id)) : all;
  const endpoint = (name: string) => `ec2.${name}.amazonaws.com`;
  const matching = applyFilters(ctx.state, named, input.Filters, {
    'region-name': (r) => r.id,
    endpoint: (r) => endpoint(r.id),
    'opt-in-status': (r) => r.optIn,
  });
  const Regions: Region[] = matching.map((r) => ({
    Endpoint: endpoint(r.id),
    RegionName: r.id,
    OptInStatus: r.optIn,
  }));
  return { Regions };
};
