/**
 * Network ACLs: the default one EC2 makes with each VPC (rule 100 allows everything in and out),
 * ACLs of the user's making (nothing allowed until entries are added), their numbered entries and
 * their subnet associations (a subnet always has exactly one ACL; the VPC's default one unless
 * ReplaceNetworkAclAssociation moved it). Rule 32767, the catch-all deny, is implicit and fixed.
 *
 * Where the API reference is silent, the local cloud chose: entries' protocols are kept as numbers
 * (`tcp` → `6`), as DescribeNetworkAcls reports them; NetworkAclEntryAlreadyExists / InvalidNetworkAclEntry.NotFound
 * say `The network acl entry identified by <n> already exists.` / `does not exist.`; a rule number
 * outside 1-32766, an unknown protocol or a bad port range is InvalidParameterValue; a missing
 * port range (TCP/UDP) or ICMP type (ICMP) is MissingParameter.
 */
import type {
  CreateNetworkAclEntryRequest,
  CreateNetworkAclRequest,
  CreateNetworkAclResult,
  DeleteNetworkAclEntryRequest,
  DeleteNetworkAclRequest,
  DescribeNetworkAclsRequest,
  DescribeNetworkAclsResult,
  NetworkAcl,
  NetworkAclEntry,
  ReplaceNetworkAclAssociationRequest,
  ReplaceNetworkAclAssociationResult,
  ReplaceNetworkAclEntryRequest,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { parseCidr } from '../../../net/cidr.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State, NetworkAclEntryRecord, NetworkAclRecord, SubnetRecord, VpcRecord } from './state.ts';
import { dependencyViolation, ec2Error, find, records, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

const PROTOCOL_NUMBERS: ReadonlyMap<string, string> = new Map([
  ['tcp', '6'],
  ['udp', '17'],
  ['icmp', '1'],
  ['icmpv6', '58'],
  ['all', '-1'],
]);
const IMPLICIT_RULE = 32767;

const ALLOW_ALL = (egress: boolean): NetworkAclEntryRecord => ({
  ruleNumber: 100,
  egress,
  protocol: '-1',
  ruleAction: 'allow',
  cidrBlock: '0.0.0.0/0',
});

export function addNetworkAcl(state: Ec2State, vpc: VpcRecord, isDefault: boolean): NetworkAclRecord {
  const acl: NetworkAclRecord = {
    id: resourceId('acl'),
    vpcId: vpc.id,
    isDefault,
    entries: isDefault ? [ALLOW_ALL(false), ALLOW_ALL(true)] : [],
  };
  state.networkAcls[acl.id] = acl;
  return acl;
}

/** The ACL's entries, kept from now on (state saved before entries were kept gets the defaults). */
function entriesOf(acl: NetworkAclRecord): NetworkAclEntryRecord[] {
  return (acl.entries ??= acl.isDefault ? [ALLOW_ALL(false), ALLOW_ALL(true)] : []);
}

function defaultAclOf(state: Ec2State, vpcId: string): NetworkAclRecord | undefined {
  return Object.values(state.networkAcls).find((a) => a.vpcId === vpcId && a.isDefault);
}

/** A subnet's ACL and association id. */
function associationOf(state: Ec2State, subnet: SubnetRecord): { id: string; networkAclId?: string } {
  const moved = records(state, 'aclassoc')[subnet.id];
  return (
    moved ?? {
      id: `aclassoc-${subnet.id.slice('subnet-'.length)}`,
      networkAclId: defaultAclOf(state, subnet.vpcId)?.id,
    }
  );
}

/** A deleted subnet leaves its ACL. */
export function forgetSubnetAcl(state: Ec2State, subnetId: string): void {
  delete records(state, 'aclassoc')[subnetId];
}

/** Whether a VPC has ACLs of the user's making (it cannot be deleted until they are). */
export function vpcHasCustomAcls(state: Ec2State, vpcId: string): boolean {
  return Object.values(state.networkAcls).some((a) => a.vpcId === vpcId && !a.isDefault);
}

function entryShape(entry: NetworkAclEntryRecord): NetworkAclEntry {
  return {
    RuleNumber: entry.ruleNumber,
    Protocol: entry.protocol,
    RuleAction: entry.ruleAction,
    Egress: entry.egress,
    ...(entry.cidrBlock === undefined ? {} : { CidrBlock: entry.cidrBlock }),
    ...(entry.ipv6CidrBlock === undefined ? {} : { Ipv6CidrBlock: entry.ipv6CidrBlock }),
    ...(entry.portRange ? { PortRange: { From: entry.portRange.from, To: entry.portRange.to } } : {}),
    ...(entry.icmpTypeCode
      ? { IcmpTypeCode: { Type: entry.icmpTypeCode.type, Code: entry.icmpTypeCode.code } }
      : {}),
  };
}

/** Egress entries then ingress ones, each by rule number, the implicit deny last. */
function sortedEntries(acl: NetworkAclRecord): NetworkAclEntryRecord[] {
  return [true, false].flatMap((egress) => [
    ...entriesOf(acl)
      .filter((e) => e.egress === egress)
      .sort((a, b) => a.ruleNumber - b.ruleNumber),
    {
      ruleNumber: IMPLICIT_RULE,
      egress,
      protocol: '-1',
      ruleAction: 'deny' as const,
      cidrBlock: '0.0.0.0/0',
    },
  ]);
}

function aclShape(state: Ec2State, acl: NetworkAclRecord, accountId: string): NetworkAcl {
  return {
    NetworkAclId: acl.id,
    VpcId: acl.vpcId,
    IsDefault: acl.isDefault,
    OwnerId: accountId,
    Entries: sortedEntries(acl).map(entryShape),
    Associations: Object.values(state.subnets)
      .filter((s) => s.vpcId === acl.vpcId)
      .flatMap((s) => {
        const association = associationOf(state, s);
        return association.networkAclId === acl.id
          ? [{ NetworkAclAssociationId: association.id, NetworkAclId: acl.id, SubnetId: s.id }]
          : [];
      }),
    Tags: tagsOf(state, acl.id),
  };
}

export const describeNetworkAcls: Handler<DescribeNetworkAclsRequest, DescribeNetworkAclsResult, Ec2State> = (
  input,
  ctx,
) => {
  const { state } = ctx;
  const associations = (a: NetworkAclRecord) => aclShape(state, a, ctx.accountId).Associations ?? [];
  const entries = (a: NetworkAclRecord) => sortedEntries(a);
  const acls = applyFilters(state, selectByIds(state, 'acl', input.NetworkAclIds), input.Filters, {
    'network-acl-id': (a) => a.id,
    'vpc-id': (a) => a.vpcId,
    default: (a) => a.isDefault,
    'owner-id': () => ctx.accountId,
    'association.association-id': (a) => associations(a).map((x) => x.NetworkAclAssociationId),
    'association.network-acl-id': (a) => (associations(a).length ? a.id : undefined),
    'association.subnet-id': (a) => associations(a).map((x) => x.SubnetId),
    'entry.cidr': (a) => entries(a).map((e) => e.cidrBlock),
    'entry.ipv6-cidr': (a) => entries(a).map((e) => e.ipv6CidrBlock),
    'entry.egress': (a) => entries(a).map((e) => e.egress),
    'entry.protocol': (a) => entries(a).map((e) => e.protocol),
    'entry.rule-action': (a) => entries(a).map((e) => e.ruleAction),
    'entry.rule-number': (a) => entries(a).map((e) => e.ruleNumber),
    'entry.port-range.from': (a) => entries(a).map((e) => e.portRange?.from),
    'entry.port-range.to': (a) => entries(a).map((e) => e.portRange?.to),
    'entry.icmp.type': (a) => entries(a).map((e) => e.icmpTypeCode?.type),
    'entry.icmp.code': (a) => entries(a).map((e) => e.icmpTypeCode?.code),
  });
  const { page, nextToken } = paginate(acls, input.MaxResults, input.NextToken, 1000);
  return {
    NetworkAcls: page.map((a) => aclShape(state, a, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const createNetworkAcl: Handler<
  Checked<CreateNetworkAclRequest, 'VpcId'>,
  CreateNetworkAclResult,
  Ec2State
> = (input, ctx) => {
  const acl = addNetworkAcl(ctx.state, find(ctx.state, 'vpc', input.VpcId), false);
  applyTagSpecifications(ctx.state, acl.id, 'network-acl', input.TagSpecifications);
  return {
    NetworkAcl: aclShape(ctx.state, acl, ctx.accountId),
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
};

export const deleteNetworkAcl: Handler<Checked<DeleteNetworkAclRequest, 'NetworkAclId'>, void, Ec2State> = (
  input,
  ctx,
) => {
  const { state } = ctx;
  const acl = find(state, 'acl', input.NetworkAclId);
  if (acl.isDefault) {
    throw ec2Error('InvalidParameterValue', `cannot delete default network ACL ${acl.id}`);
  }
  if (Object.values(records(state, 'aclassoc')).some((a) => a.networkAclId === acl.id)) {
    throw dependencyViolation('networkAcl', acl.id);
  }
  delete state.networkAcls[acl.id];
  dropTags(state, acl.id);
};

type EntryRequest = Checked<
  CreateNetworkAclEntryRequest,
  'NetworkAclId' | 'RuleNumber' | 'Protocol' | 'RuleAction' | 'Egress'
>;

function invalidValue(parameter: string, value: unknown, why: string) {
  return ec2Error(
    'InvalidParameterValue',
    `Value (${String(value)}) for parameter ${parameter} is invalid. ${why}`,
  );
}

function checkedRuleNumber(ruleNumber: number): number {
  if (!Number.isInteger(ruleNumber) || ruleNumber < 1 || ruleNumber >= IMPLICIT_RULE) {
    throw invalidValue('ruleNumber', ruleNumber, 'Rule number must be between 1 and 32766.');
  }
  return ruleNumber;
}

/** The entry a Create/ReplaceNetworkAclEntry request describes, checked as EC2 checks it. */
function entryFrom(input: EntryRequest): NetworkAclEntryRecord {
  const raw = input.Protocol.trim().toLowerCase();
  const protocol = PROTOCOL_NUMBERS.get(raw) ?? raw;
  if (!/^(?:-1|\d{1,3})$/.test(protocol) || Number(protocol) > 255) {
    throw invalidValue(
      'protocol',
      input.Protocol,
      'Protocol must be -1 (all), a protocol number from 0 to 255, tcp, udp or icmp.',
    );
  }
  const { CidrBlock: cidr, Ipv6CidrBlock: ipv6 } = input;
  if (cidr === undefined && ipv6 === undefined) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter cidrBlock or ipv6CidrBlock');
  }
  if (cidr !== undefined && ipv6 !== undefined) {
    throw ec2Error('InvalidParameterCombination', 'Only one of cidrBlock and ipv6CidrBlock may be specified');
  }
  if (cidr !== undefined && !parseCidr(cidr)) {
    throw invalidValue('cidrBlock', cidr, 'This is not a valid CIDR block.');
  }
  if (ipv6 !== undefined && !/^[0-9a-f:]+\/\d{1,3}$/i.test(ipv6)) {
    throw invalidValue('ipv6CidrBlock', ipv6, 'This is not a valid IPv6 CIDR block.');
  }
  const entry: NetworkAclEntryRecord = {
    ruleNumber: checkedRuleNumber(input.RuleNumber),
    egress: input.Egress,
    protocol,
    ruleAction: input.RuleAction,
    ...(cidr === undefined ? {} : { cidrBlock: cidr }),
    ...(ipv6 === undefined ? {} : { ipv6CidrBlock: ipv6 }),
  };
  // Ports matter for TCP and UDP only, ICMP types for ICMP only (EC2 ignores them for the rest).
  if (protocol === '6' || protocol === '17') {
    const from = input.PortRange?.From;
    const to = input.PortRange?.To;
    if (from === undefined || to === undefined) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter portRange');
    }
    if (from < 0 || to > 65535 || from > to) {
      throw invalidValue(
        'portRange',
        `${from}-${to}`,
        'Ports must be from 0 to 65535, from no greater than to.',
      );
    }
    entry.portRange = { from, to };
  }
  if (protocol === '1' || protocol === '58') {
    const type = input.IcmpTypeCode?.Type;
    const code = input.IcmpTypeCode?.Code;
    if (type === undefined || code === undefined) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter icmpTypeCode');
    }
    if (type < -1 || type > 255 || code < -1 || code > 255) {
      throw invalidValue('icmpTypeCode', `${type}/${code}`, 'ICMP types and codes are -1 (all) or 0 to 255.');
    }
    entry.icmpTypeCode = { type, code };
  }
  return entry;
}

function sameSlot(a: { ruleNumber: number; egress: boolean }, b: { ruleNumber: number; egress: boolean }) {
  return a.ruleNumber === b.ruleNumber && a.egress === b.egress;
}

export const createNetworkAclEntry: Handler<EntryRequest, void, Ec2State> = (input, ctx) => {
  const acl = find(ctx.state, 'acl', input.NetworkAclId);
  const entry = entryFrom(input);
  const entries = entriesOf(acl);
  if (entries.some((e) => sameSlot(e, entry))) {
    throw ec2Error(
      'NetworkAclEntryAlreadyExists',
      `The network acl entry identified by ${entry.ruleNumber} already exists.`,
    );
  }
  entries.push(entry);
};

function existingEntry(acl: NetworkAclRecord, slot: { ruleNumber: number; egress: boolean }): number {
  const index = entriesOf(acl).findIndex((e) => sameSlot(e, slot));
  if (index < 0) {
    throw ec2Error(
      'InvalidNetworkAclEntry.NotFound',
      `The network acl entry identified by ${slot.ruleNumber} does not exist.`,
    );
  }
  return index;
}

export const replaceNetworkAclEntry: Handler<
  Checked<
    ReplaceNetworkAclEntryRequest,
    'NetworkAclId' | 'RuleNumber' | 'Protocol' | 'RuleAction' | 'Egress'
  >,
  void,
  Ec2State
> = (input, ctx) => {
  const acl = find(ctx.state, 'acl', input.NetworkAclId);
  const entry = entryFrom(input);
  entriesOf(acl)[existingEntry(acl, entry)] = entry;
};

export const deleteNetworkAclEntry: Handler<
  Checked<DeleteNetworkAclEntryRequest, 'NetworkAclId' | 'RuleNumber' | 'Egress'>,
  void,
  Ec2State
> = (input, ctx) => {
  const acl = find(ctx.state, 'acl', input.NetworkAclId);
  const slot = { ruleNumber: checkedRuleNumber(input.RuleNumber), egress: input.Egress };
  entriesOf(acl).splice(existingEntry(acl, slot), 1);
};

export const replaceNetworkAclAssociation: Handler<
  Checked<ReplaceNetworkAclAssociationRequest, 'AssociationId' | 'NetworkAclId'>,
  ReplaceNetworkAclAssociationResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const subnet = Object.values(state.subnets).find((s) => associationOf(state, s).id === input.AssociationId);
  if (!subnet) {
    throw ec2Error(
      'InvalidAssociationID.NotFound',
      `The association ID '${input.AssociationId}' does not exist`,
    );
  }
  const acl = find(state, 'acl', input.NetworkAclId);
  if (acl.vpcId !== subnet.vpcId) {
    throw ec2Error(
      'InvalidParameterValue',
      `Network ACL ${acl.id} and subnet ${subnet.id} belong to different networks`,
    );
  }
  const association = { id: resourceId('aclassoc'), networkAclId: acl.id };
  records(state, 'aclassoc')[subnet.id] = association;
  return { NewAssociationId: association.id };
};
