/**
 * Security group rules: the IpPermissions EC2's API speaks turned into one rule per source and
 * back, and the question the ECS runtime asks — does any ingress rule admit this port?
 */
import type { IpPermission, SecurityGroupRule, SecurityGroupRuleRequest } from '@aws-sdk/client-ec2';
import { resourceId } from '../common.ts';
import { cidrContains, parseCidr } from '../../../net/cidr.ts';
import type { Ec2State, SecurityGroupRecord, SecurityGroupRuleRecord } from './state.ts';
import { ec2Error, find } from './state.ts';
import { checkPrefixListId, prefixListCidrs } from './prefix-lists.ts';
import { tagsOf } from './tags.ts';

const PROTOCOL_NAMES: ReadonlyMap<string, string> = new Map([
  ['6', 'tcp'],
  ['17', 'udp'],
  ['1', 'icmp'],
  ['all', '-1'],
]);

function normalizeProtocol(raw: string | undefined): string {
  const protocol = (raw ?? '').toLowerCase();
  const name = PROTOCOL_NAMES.get(protocol) ?? protocol;
  if (['tcp', 'udp', 'icmp', '-1'].includes(name)) return name;
  if (/^\d+$/.test(name) && Number(name) <= 255) return name;
  throw ec2Error('InvalidParameterValue', `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
}

function portRange(permission: IpPermission, protocol: string): [number, number] {
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') return [-1, -1];
  const { FromPort: from, ToPort: to } = permission;
  if (from === undefined || to === undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange`,
    );
  }
  if (protocol !== 'icmp' && (from < 0 || to > 65535 || from > to)) {
    throw ec2Error('InvalidParameterValue', `Invalid TCP/UDP port range: ${from}-${to}`);
  }
  return [from, to];
}

/** One rule per source in the permissions, in the order given. */
export function rulesFromPermissions(
  state: Ec2State,
  permissions: IpPermission[],
  isEgress: boolean,
): Omit<SecurityGroupRuleRecord, 'id'>[] {
  return permissions.flatMap((permission) => {
    const ipProtocol = normalizeProtocol(permission.IpProtocol);
    const [fromPort, toPort] = portRange(permission, ipProtocol);
    const base = { isEgress, ipProtocol, fromPort, toPort };
    const described = (description: string | undefined) => (description === undefined ? {} : { description });
    const rules = [
      ...(permission.IpRanges ?? []).map((r) => {
        if (!r.CidrIp || !parseCidr(r.CidrIp)) {
          throw ec2Error('InvalidParameterValue', `CIDR block ${r.CidrIp} is malformed`);
        }
        return { ...base, cidrIpv4: r.CidrIp, ...described(r.Description) };
      }),
      ...(permission.Ipv6Ranges ?? []).map((r) => ({
        ...base,
        cidrIpv6: r.CidrIpv6!,
        ...described(r.Description),
      })),
      ...(permission.UserIdGroupPairs ?? []).map((pair) => {
        const group = find(state, 'sg', pair.GroupId ?? '');
        return { ...base, referencedGroupId: group.id, ...described(pair.Description) };
      }),
      ...(permission.PrefixListIds ?? []).map((pl) => ({
        ...base,
        prefixListId: checkPrefixListId(state, state.region, pl.PrefixListId ?? ''),
        ...described(pl.Description),
      })),
    ];
    if (!rules.length) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter ipPermissions.source');
    }
    return rules;
  });
}

function sameRule(a: Omit<SecurityGroupRuleRecord, 'id'>, b: Omit<SecurityGroupRuleRecord, 'id'>): boolean {
  return (
    a.isEgress === b.isEgress &&
    a.ipProtocol === b.ipProtocol &&
    a.fromPort === b.fromPort &&
    a.toPort === b.toPort &&
    a.cidrIpv4 === b.cidrIpv4 &&
    a.cidrIpv6 === b.cidrIpv6 &&
    a.referencedGroupId === b.referencedGroupId &&
    a.prefixListId === b.prefixListId
  );
}

function describeForDuplicate(rule: Omit<SecurityGroupRuleRecord, 'id'>): string {
  const peer = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? rule.prefixListId;
  const protocol = rule.ipProtocol === '-1' ? 'ALL' : rule.ipProtocol.toUpperCase();
  const ports = rule.fromPort === -1 ? '' : `, from port: ${rule.fromPort}, to port: ${rule.toPort}`;
  return `peer: ${peer}, ${protocol}${ports}, ALLOW`;
}

/** Adds rules, refusing one that exists already (the whole call fails, as in EC2). */
export function addRules(
  group: SecurityGroupRecord,
  rules: Omit<SecurityGroupRuleRecord, 'id'>[],
): SecurityGroupRuleRecord[] {
  for (const rule of rules) {
    if (group.rules.some((existing) => sameRule(existing, rule))) {
      throw ec2Error(
        'InvalidPermission.Duplicate',
        `the specified rule "${describeForDuplicate(rule)}" already exists`,
      );
    }
  }
  const added = rules.map((rule) => ({ id: resourceId('sgr'), ...rule }));
  group.rules.push(...added);
  return added;
}

/** Removes rules; every one must exist. */
export function removeRules(group: SecurityGroupRecord, rules: Omit<SecurityGroupRuleRecord, 'id'>[]): void {
  for (const rule of rules) {
    if (!group.rules.some((existing) => sameRule(existing, rule))) {
      throw ec2Error(
        'InvalidPermission.NotFound',
        'The specified rule does not exist in this security group.',
      );
    }
  }
  group.rules = group.rules.filter((existing) => !rules.some((rule) => sameRule(existing, rule)));
}

export function ruleById(
  group: SecurityGroupRecord,
  id: string,
  isEgress?: boolean,
): SecurityGroupRuleRecord {
  const rule = group.rules.find((r) => r.id === id && (isEgress === undefined || r.isEgress === isEgress));
  if (!rule) {
    throw ec2Error(
      'InvalidSecurityGroupRuleId.NotFound',
      `The security group rule ID '${id}' does not exist`,
    );
  }
  return rule;
}

/**
 * ModifySecurityGroupRules: each named rule becomes the one described, keeping its id and its
 * direction. Everything is checked before anything changes.
 */
export function modifyRules(
  state: Ec2State,
  group: SecurityGroupRecord,
  changes: Array<{ id: string; rule: SecurityGroupRuleRequest }>,
): void {
  const replaced = changes.map(({ id, rule: request }) => {
    const current = ruleById(group, id);
    const permission: IpPermission = {
      IpProtocol: request.IpProtocol,
      FromPort: request.FromPort,
      ToPort: request.ToPort,
      ...(request.CidrIpv4 === undefined
        ? {}
        : { IpRanges: [{ CidrIp: request.CidrIpv4, Description: request.Description }] }),
      ...(request.CidrIpv6 === undefined
        ? {}
        : { Ipv6Ranges: [{ CidrIpv6: request.CidrIpv6, Description: request.Description }] }),
      ...(request.ReferencedGroupId === undefined
        ? {}
        : { UserIdGroupPairs: [{ GroupId: request.ReferencedGroupId, Description: request.Description }] }),
      ...(request.PrefixListId === undefined
        ? {}
        : { PrefixListIds: [{ PrefixListId: request.PrefixListId, Description: request.Description }] }),
    };
    const rules = rulesFromPermissions(state, [permission], current.isEgress);
    if (rules.length !== 1) {
      throw ec2Error(
        'InvalidParameterCombination',
        'A security group rule has exactly one source: CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId',
      );
    }
    return { ...rules[0]!, id };
  });
  for (const rule of replaced) {
    const others = [...group.rules.filter((r) => !replaced.some((x) => x.id === r.id)), ...replaced];
    if (others.some((other) => other !== rule && sameRule(other, rule))) {
      throw ec2Error(
        'InvalidPermission.Duplicate',
        `the specified rule "${describeForDuplicate(rule)}" already exists`,
      );
    }
  }
  group.rules = group.rules.map((r) => replaced.find((x) => x.id === r.id) ?? r);
}

/**
 * UpdateSecurityGroupRuleDescriptions*: the rules named by id, or matched by IpPermissions (each
 * source's description), get the new descriptions; an empty or absent one removes it.
 */
export function describeRules(
  state: Ec2State,
  group: SecurityGroupRecord,
  isEgress: boolean,
  permissions: IpPermission[] | undefined,
  byId: Array<{ SecurityGroupRuleId?: string; Description?: string }> | undefined,
): void {
  if (!permissions?.length && !byId?.length) {
    throw ec2Error(
      'MissingParameter',
      'The request must contain the parameter IpPermissions or SecurityGroupRuleDescriptions',
    );
  }
  const updates: Array<[SecurityGroupRuleRecord, string | undefined]> = [
    ...rulesFromPermissions(state, permissions ?? [], isEgress).map(
      (wanted): [SecurityGroupRuleRecord, string | undefined] => {
        const rule = group.rules.find((r) => sameRule(r, wanted));
        if (!rule) {
          throw ec2Error(
            'InvalidPermission.NotFound',
            'The specified rule does not exist in this security group.',
          );
        }
        return [rule, wanted.description];
      },
    ),
    ...(byId ?? []).map((d): [SecurityGroupRuleRecord, string | undefined] => [
      ruleById(group, d.SecurityGroupRuleId ?? '', isEgress),
      d.Description,
    ]),
  ];
  for (const [rule, description] of updates) {
    if (description) rule.description = description;
    else delete rule.description;
  }
}

/** The group's rules in one direction as IpPermissions, grouped by protocol and ports as EC2 does. */
export function permissionsOf(
  group: SecurityGroupRecord,
  isEgress: boolean,
  accountId: string,
): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  for (const rule of group.rules.filter((r) => r.isEgress === isEgress)) {
    const key = `${rule.ipProtocol}:${rule.fromPort}:${rule.toPort}`;
    let permission = byRange.get(key);
    if (!permission) {
      permission = {
        IpProtocol: rule.ipProtocol,
        ...(rule.fromPort === -1 && rule.ipProtocol !== 'icmp'
          ? {}
          : { FromPort: rule.fromPort, ToPort: rule.toPort }),
        IpRanges: [],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      };
      byRange.set(key, permission);
    }
    const description = rule.description === undefined ? {} : { Description: rule.description };
    if (rule.cidrIpv4) permission.IpRanges!.push({ CidrIp: rule.cidrIpv4, ...description });
    if (rule.cidrIpv6) permission.Ipv6Ranges!.push({ CidrIpv6: rule.cidrIpv6, ...description });
    if (rule.prefixListId)
      permission.PrefixListIds!.push({ PrefixListId: rule.prefixListId, ...description });
    if (rule.referencedGroupId) {
      permission.UserIdGroupPairs!.push({
        GroupId: rule.referencedGroupId,
        UserId: accountId,
        ...description,
      });
    }
  }
  return [...byRange.values()];
}

export function ruleShape(
  state: Ec2State,
  group: SecurityGroupRecord,
  rule: SecurityGroupRuleRecord,
  accountId: string,
): SecurityGroupRule {
  return {
    SecurityGroupRuleId: rule.id,
    GroupId: group.id,
    GroupOwnerId: accountId,
    IsEgress: rule.isEgress,
    IpProtocol: rule.ipProtocol,
    FromPort: rule.fromPort,
    ToPort: rule.toPort,
    ...(rule.cidrIpv4 ? { CidrIpv4: rule.cidrIpv4 } : {}),
    ...(rule.cidrIpv6 ? { CidrIpv6: rule.cidrIpv6 } : {}),
    ...(rule.prefixListId ? { PrefixListId: rule.prefixListId } : {}),
    ...(rule.referencedGroupId
      ? { ReferencedGroupInfo: { GroupId: rule.referencedGroupId, UserId: accountId } }
      : {}),
    ...(rule.description === undefined ? {} : { Description: rule.description }),
    SecurityGroupRuleArn: `arn:aws:ec2:${state.region}:${accountId}:security-group-rule/${rule.id}`,
    Tags: tagsOf(state, rule.id),
  };
}

/**
 * Whether an inbound rule of any of `groupIds` admits TCP (or `protocol`) traffic to `port` from
 * `source`: a rule naming one of the source's security groups, or a CIDR rule (or a prefix list's
 * entry) covering every one of its addresses (an ALB's nodes sit in its subnets). Without a source,
 * any rule for the port counts.
 */
export function ingressAllows(
  state: Ec2State,
  groupIds: readonly string[],
  port: number,
  source?: { groupIds: readonly string[]; cidrs: readonly string[] },
  protocol = 'tcp',
): boolean {
  const wanted = PROTOCOL_NAMES.get(protocol.toLowerCase()) ?? protocol.toLowerCase();
  const fromSource = (rule: SecurityGroupRuleRecord): boolean => {
    if (!source) return true;
    if (rule.referencedGroupId !== undefined) return source.groupIds.includes(rule.referencedGroupId);
    const ranges = (
      rule.prefixListId === undefined
        ? [rule.cidrIpv4]
        : (prefixListCidrs(state, state.region, rule.prefixListId) ?? [])
    ).flatMap((cidr) => (cidr === undefined ? [] : (parseCidr(cidr) ?? [])));
    return (
      source.cidrs.length > 0 &&
      source.cidrs.every((cidr) => {
        const inner = parseCidr(cidr);
        return inner !== undefined && ranges.some((range) => cidrContains(range, inner));
      })
    );
  };
  return groupIds.some((id) =>
    (state.securityGroups[id]?.rules ?? []).some(
      (rule) =>
        !rule.isEgress &&
        (rule.ipProtocol === '-1' ||
          (rule.ipProtocol === wanted && rule.fromPort <= port && port <= rule.toPort)) &&
        fromSource(rule),
    ),
  );
}
