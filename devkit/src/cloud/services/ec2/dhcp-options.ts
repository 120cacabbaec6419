/**
 * DHCP options sets: the region's default one (its internal domain and the VPC's own resolver),
 * which new VPCs use, and sets of the user's making, associated with VPCs by AssociateDhcpOptions
 * (`default` leaves a VPC with none). A set in use by a VPC cannot be deleted.
 * Where the reference is silent: an unknown option key or a bad value is InvalidParameterValue.
 */
import type {
  AssociateDhcpOptionsRequest,
  CreateDhcpOptionsRequest,
  CreateDhcpOptionsResult,
  DeleteDhcpOptionsRequest,
  DescribeDhcpOptionsRequest,
  DescribeDhcpOptionsResult,
  DhcpOptions,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { parseCidr } from '../../../net/cidr.ts';
import { applyFilters } from './filters.ts';
import type { DhcpOptionsRecord, Ec2State } from './state.ts';
import { dependencyViolation, ec2Error, find, records } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';
import { dhcpOptionsOf } from './vpcs.ts';

/** What AWS's default set holds: the region's internal domain and the VPC's own resolver. */
function defaultSet(state: Ec2State): DhcpOptionsRecord {
  const region = state.region;
  return {
    id: state.dhcpOptionsId,
    configurations: [
      {
        key: 'domain-name',
        values: [region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`],
      },
      { key: 'domain-name-servers', values: ['AmazonProvidedDNS'] },
    ],
  };
}

/** Every set of the region, the default one first (unless it was deleted). */
function allSets(state: Ec2State): DhcpOptionsRecord[] {
  return [...(state.dhcpOptionsId ? [defaultSet(state)] : []), ...Object.values(records(state, 'dopt'))];
}

function setNamed(state: Ec2State, id: string): DhcpOptionsRecord {
  if (state.dhcpOptionsId && id === state.dhcpOptionsId) return defaultSet(state);
  return find(state, 'dopt', id);
}

const isIpv4 = (value: string) => parseCidr(`${value}/32`) !== undefined;

/** The options EC2 knows, each with how its values are checked and how many it takes. */
const OPTIONS: ReadonlyMap<string, { max: number; valid: (value: string) => boolean }> = new Map([
  ['domain-name', { max: 1, valid: (v: string) => /^[A-Za-z0-9.-]{1,255}( [A-Za-z0-9.-]{1,255})*$/.test(v) }],
  ['domain-name-servers', { max: 4, valid: (v: string) => v === 'AmazonProvidedDNS' || isIpv4(v) }],
  ['ntp-servers', { max: 4, valid: isIpv4 }],
  ['netbios-name-servers', { max: 4, valid: isIpv4 }],
  ['netbios-node-type', { max: 1, valid: (v: string) => ['1', '2', '4', '8'].includes(v) }],
  [
    'ipv6-address-preferred-lease-time',
    { max: 1, valid: (v: string) => /^\d{3,10}$/.test(v) && Number(v) >= 140 && Number(v) <= 2147483647 },
  ],
]);

function optionsShape(state: Ec2State, set: DhcpOptionsRecord, accountId: string): DhcpOptions {
  return {
    DhcpOptionsId: set.id,
    OwnerId: accountId,
    DhcpConfigurations: set.configurations.map((c) => ({
      Key: c.key,
      Values: c.values.map((Value) => ({ Value })),
    })),
    Tags: tagsOf(state, set.id),
  };
}

export const describeDhcpOptions: Handler<DescribeDhcpOptionsRequest, DescribeDhcpOptionsResult, Ec2State> = (
  input,
  ctx,
) => {
  const { state } = ctx;
  const chosen = input.DhcpOptionsIds?.length
    ? input.DhcpOptionsIds.map((id) => setNamed(state, id))
    : allSets(state);
  const sets = applyFilters(state, chosen, input.Filters, {
    'dhcp-options-id': (s) => s.id,
    key: (s) => s.configurations.map((c) => c.key),
    value: (s) => s.configurations.flatMap((c) => c.values),
    'owner-id': () => ctx.accountId,
  });
  const { page, nextToken } = paginate(sets, input.MaxResults, input.NextToken, 1000);
  return {
    DhcpOptions: page.map((s) => optionsShape(state, s, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const createDhcpOptions: Handler<
  Checked<CreateDhcpOptionsRequest, 'DhcpConfigurations'>,
  CreateDhcpOptionsResult,
  Ec2State
> = (input, ctx) => {
  const configurations: DhcpOptionsRecord['configurations'] = [];
  for (const { Key: key = '', Values: values = [] } of input.DhcpConfigurations) {
    const option = OPTIONS.get(key);
    if (!option) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${key}) for parameter key is invalid. Unknown DHCP option`,
      );
    }
    if (configurations.some((c) => c.key === key)) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${key}) for parameter key is invalid. Duplicate DHCP option`,
      );
    }
    if (values.length === 0 || values.length > option.max) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value for parameter ${key} is invalid. It takes from 1 to ${option.max} value${option.max > 1 ? 's' : ''}`,
      );
    }
    const bad = values.find((v) => !option.valid(v));
    if (bad !== undefined) {
      throw ec2Error('InvalidParameterValue', `Value (${bad}) for parameter ${key} is invalid.`);
    }
    configurations.push({ key, values: [...values] });
  }
  if (configurations.length === 0) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter dhcpConfiguration');
  }
  const set: DhcpOptionsRecord = { id: resourceId('dopt'), configurations };
  records(ctx.state, 'dopt')[set.id] = set;
  applyTagSpecifications(ctx.state, set.id, 'dhcp-options', input.TagSpecifications);
  return { DhcpOptions: optionsShape(ctx.state, set, ctx.accountId) };
};

export const associateDhcpOptions: Handler<
  Checked<AssociateDhcpOptionsRequest, 'DhcpOptionsId' | 'VpcId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const set = input.DhcpOptionsId === 'default' ? 'default' : setNamed(ctx.state, input.DhcpOptionsId).id;
  find(ctx.state, 'vpc', input.VpcId).dhcpOptionsId = set;
};

export const deleteDhcpOptions: Handler<
  Checked<DeleteDhcpOptionsRequest, 'DhcpOptionsId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const set = setNamed(state, input.DhcpOptionsId);
  if (Object.values(state.vpcs).some((vpc) => dhcpOptionsOf(state, vpc) === set.id)) {
    throw dependencyViolation('dhcpOptions', set.id);
  }
  if (set.id === state.dhcpOptionsId) state.dhcpOptionsId = '';
  else delete records(state, 'dopt')[set.id];
  dropTags(state, set.id);
};
