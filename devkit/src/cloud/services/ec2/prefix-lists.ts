/**
 * Managed prefix lists: AWS's own (the gateway endpoint services' `com.amazonaws.<region>.s3` and
 * `.dynamodb`, endpoint-services.ts), which are read-only, and the account's own, made by
 * CreateManagedPrefixList. An account's list is versioned: each change of its entries makes a new
 * version (ModifyManagedPrefixList with the CurrentVersion it expects), and every version's entries
 * stay readable (GetManagedPrefixListEntries TargetVersion). Security-group rules name lists by id
 * (PrefixListIds); a list in use cannot be deleted.
 *
 * Where AWS is silent: entries that repeat a CIDR, remove one the list lacks, or outgrow MaxEntries
 * are InvalidParameterValue; modifying or deleting an AWS-managed list is UnsupportedOperation;
 * deleting a list a rule names is DependencyViolation. Changes complete at once
 * (`create-complete`, `modify-complete`); a deleted list answers `delete-in-progress` and is gone.
 */
import type {
  AddPrefixListEntry,
  CreateManagedPrefixListRequest,
  CreateManagedPrefixListResult,
  DeleteManagedPrefixListRequest,
  DeleteManagedPrefixListResult,
  DescribeManagedPrefixListsRequest,
  DescribeManagedPrefixListsResult,
  DescribePrefixListsRequest,
  DescribePrefixListsResult,
  GetManagedPrefixListAssociationsRequest,
  GetManagedPrefixListAssociationsResult,
  GetManagedPrefixListEntriesRequest,
  GetManagedPrefixListEntriesResult,
  ManagedPrefixList,
  ModifyManagedPrefixListRequest,
  ModifyManagedPrefixListResult,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { parseCidr } from '../../../net/cidr.ts';
import { formatIpv6Cidr, parseIpv6Cidr } from '../../../net/ipv6-cidr.ts';
import { awsPrefixLists, type AwsPrefixList } from './endpoint-services.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State, PrefixListEntryRecord, PrefixListRecord } from './state.ts';
import { dependencyViolation, ec2Error, records } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

/** AWS's limits: a list holds at most 1,000 entries, and one request adds or removes at most 100. */
const MAX_ENTRIES = 1000;
const MAX_ENTRIES_PER_REQUEST = 100;
const RESERVED_NAME_PREFIXES = ['com.amazonaws.', 'com.amazon.', 'com.aws.'];

/** An account's list or one of AWS's, as the describe calls see both. */
type AnyList = { id: string; own?: PrefixListRecord; aws?: AwsPrefixList };

function isWellFormed(id: string): boolean {
  return /^pl-[0-9a-f]{8}(?:[0-9a-f]{9})?$/.test(id);
}

/** Every list of the region: AWS's, then the account's. */
function allLists(state: Ec2State, region: string): AnyList[] {
  return [
    ...awsPrefixLists(region).map((aws) => ({ id: aws.id, aws })),
    ...Object.values(records(state, 'pl')).map((own) => ({ id: own.id, own })),
  ];
}

/** The list with this id, the account's or AWS's, or `notFoundCode`. */
function anyList(
  state: Ec2State,
  region: string,
  id: string,
  notFoundCode = 'InvalidPrefixListID.NotFound',
): AnyList {
  if (!isWellFormed(id)) throw ec2Error('InvalidPrefixListId.Malformed', `Invalid id: "${id}"`);
  const list = allLists(state, region).find((l) => l.id === id);
  if (!list) throw ec2Error(notFoundCode, `The prefix list ID '${id}' does not exist`);
  return list;
}

/** The account's own list with this id; AWS's lists cannot be changed. */
function ownList(state: Ec2State, region: string, id: string): PrefixListRecord {
  const list = anyList(state, region, id);
  if (!list.own) {
    throw ec2Error(
      'UnsupportedOperation',
      `The prefix list ${id} is managed by AWS and cannot be modified or deleted`,
    );
  }
  return list.own;
}

/** The CIDRs a list stands for now (for security-group rules): undefined for an unknown list. */
export function prefixListCidrs(state: Ec2State, region: string, id: string): string[] | undefined {
  const list = allLists(state, region).find((l) => l.id === id);
  if (!list) return undefined;
  return list.aws ? list.aws.cidrs : currentEntries(list.own!).map((e) => e.cidr);
}

/** A security-group rule's list: the account's or AWS's, or InvalidPrefixListId.NotFound. */
export function checkPrefixListId(state: Ec2State, region: string, id: string): string {
  return anyList(state, region, id, 'InvalidPrefixListId.NotFound').id;
}

function currentEntries(list: PrefixListRecord): PrefixListEntryRecord[] {
  return list.versions[list.versions.length - 1]!;
}

function listShape(state: Ec2State, region: string, accountId: string, list: AnyList): ManagedPrefixList {
  if (list.aws) {
    // AWS-managed lists are owned by `AWS`, in the `aws` account of their ARN, with no entry limit shown.
    return {
      PrefixListId: list.id,
      AddressFamily: 'IPv4',
      State: 'create-complete',
      PrefixListArn: `arn:aws:ec2:${region}:aws:prefix-list/${list.id}`,
      PrefixListName: list.aws.name,
      Tags: [],
      OwnerId: 'AWS',
    };
  }
  const own = list.own!;
  return {
    PrefixListId: own.id,
    AddressFamily: own.addressFamily,
    State: own.state,
    PrefixListArn: `arn:aws:ec2:${region}:${accountId}:prefix-list/${own.id}`,
    PrefixListName: own.name,
    MaxEntries: own.maxEntries,
    Version: own.versions.length,
    Tags: tagsOf(state, own.id),
    OwnerId: accountId,
  };
}

function checkName(name: string): void {
  const reserved = RESERVED_NAME_PREFIXES.find((prefix) => name.startsWith(prefix));
  if (reserved) {
    throw ec2Error(
      'InvalidParameterValue',
      `The prefix list name cannot begin with (${RESERVED_NAME_PREFIXES.join(', ')}).`,
    );
  }
}

function checkMaxEntries(maxEntries: number): void {
  if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES) {
    throw ec2Error(
      'InvalidParameterValue',
      `The value (${maxEntries}) for parameter MaxEntries is invalid. Must specify a max size between 1 and ${MAX_ENTRIES}.`,
    );
  }
}

/** An entry's CIDR in the list's family (IPv6 in its canonical form), or InvalidParameterValue. */
function entryCidr(family: PrefixListRecord['addressFamily'], raw: string | undefined): string {
  const ipv6 = family === 'IPv6' ? parseIpv6Cidr(raw ?? '') : undefined;
  if (family === 'IPv6' ? !ipv6 : !parseCidr(raw ?? '')) {
    throw ec2Error(
      'InvalidParameterValue',
      `The CIDR (${raw}) is invalid: entries of an ${family} prefix list are ${family} CIDR blocks.`,
    );
  }
  return ipv6 ? formatIpv6Cidr(ipv6) : raw!;
}

/**
 * A list's entries after removals, then additions (so one request can change an entry's
 * description by removing and re-adding its CIDR), checked before anything changes.
 */
function changedEntries(
  list: Pick<PrefixListRecord, 'id' | 'addressFamily' | 'maxEntries'>,
  current: PrefixListEntryRecord[],
  add: AddPrefixListEntry[],
  remove: string[],
): PrefixListEntryRecord[] {
  if (add.length > MAX_ENTRIES_PER_REQUEST || remove.length > MAX_ENTRIES_PER_REQUEST) {
    throw ec2Error(
      'InvalidParameterValue',
      `The number of entries per request cannot exceeds limit (${MAX_ENTRIES_PER_REQUEST}).`,
    );
  }
  let entries = [...current];
  for (const raw of remove) {
    const cidr = entryCidr(list.addressFamily, raw);
    if (!entries.some((e) => e.cidr === cidr)) {
      throw ec2Error('InvalidParameterValue', `The prefix list ${list.id} has no entry ${cidr} to remove.`);
    }
    entries = entries.filter((e) => e.cidr !== cidr);
  }
  for (const entry of add) {
    const cidr = entryCidr(list.addressFamily, entry.Cidr);
    if (entries.some((e) => e.cidr === cidr)) {
      throw ec2Error('InvalidParameterValue', `The prefix list already has an entry ${cidr}.`);
    }
    entries.push({ cidr, ...(entry.Description ? { description: entry.Description } : {}) });
  }
  if (entries.length > list.maxEntries) {
    throw ec2Error(
      'InvalidParameterValue',
      `The prefix list would have ${entries.length} entries, more than its maximum of ${list.maxEntries}.`,
    );
  }
  return entries;
}

export const createManagedPrefixList: Handler<
  Checked<CreateManagedPrefixListRequest, 'PrefixListName' | 'MaxEntries' | 'AddressFamily'>,
  CreateManagedPrefixListResult,
  Ec2State
> = (input, ctx) => {
  checkName(input.PrefixListName);
  checkMaxEntries(input.MaxEntries);
  const family = input.AddressFamily;
  if (family !== 'IPv4' && family !== 'IPv6') {
    throw ec2Error(
      'InvalidParameterValue',
      `The value (${family}) for parameter AddressFamily is invalid. Valid values: IPv4 | IPv6.`,
    );
  }
  const id = resourceId('pl');
  const shape = { id, addressFamily: family, maxEntries: input.MaxEntries } as const;
  const entries = changedEntries(shape, [], input.Entries ?? [], []);
  const list: PrefixListRecord = {
    ...shape,
    name: input.PrefixListName,
    versions: [entries],
    state: 'create-complete',
  };
  records(ctx.state, 'pl')[id] = list;
  applyTagSpecifications(ctx.state, id, 'prefix-list', input.TagSpecifications);
  return { PrefixList: listShape(ctx.state, ctx.region, ctx.accountId, { id, own: list }) };
};

export const modifyManagedPrefixList: Handler<
  Checked<ModifyManagedPrefixListRequest, 'PrefixListId'>,
  ModifyManagedPrefixListResult,
  Ec2State
> = (input, ctx) => {
  const list = ownList(ctx.state, ctx.region, input.PrefixListId);
  const add = input.AddEntries ?? [];
  const remove = (input.RemoveEntries ?? []).map((e) => e.Cidr ?? '');
  const changesEntries = add.length > 0 || remove.length > 0;
  if (input.CurrentVersion !== undefined && input.CurrentVersion !== list.versions.length) {
    throw ec2Error('PrefixListVersionMismatch', 'The prefix list has the incorrect version number.');
  }
  if (input.MaxEntries !== undefined) {
    if (changesEntries) {
      throw ec2Error(
        'InvalidParameterCombination',
        'You cannot modify the entries and the maximum number of entries for the prefix list in the same request.',
      );
    }
    checkMaxEntries(input.MaxEntries);
    if (input.MaxEntries < currentEntries(list).length) {
      throw ec2Error(
        'InvalidParameterValue',
        `The prefix list ${list.id} has ${currentEntries(list).length} entries, more than the new maximum of ${input.MaxEntries}.`,
      );
    }
  }
  if (input.PrefixListName !== undefined) checkName(input.PrefixListName);
  const entries = changesEntries ? changedEntries(list, currentEntries(list), add, remove) : undefined;
  // Everything is checked: now the list changes. Renaming or resizing makes no new version.
  if (entries) list.versions.push(entries);
  if (input.MaxEntries !== undefined) list.maxEntries = input.MaxEntries;
  if (input.PrefixListName !== undefined) list.name = input.PrefixListName;
  list.state = 'modify-complete';
  return { PrefixList: listShape(ctx.state, ctx.region, ctx.accountId, { id: list.id, own: list }) };
};

/** The security groups whose rules name the list (the resources AWS lists as its associations). */
function associatedGroups(state: Ec2State, id: string): string[] {
  return Object.values(state.securityGroups)
    .filter((g) => g.rules.some((r) => r.prefixListId === id))
    .map((g) => g.id);
}

export const deleteManagedPrefixList: Handler<
  Checked<DeleteManagedPrefixListRequest, 'PrefixListId'>,
  DeleteManagedPrefixListResult,
  Ec2State
> = (input, ctx) => {
  const list = ownList(ctx.state, ctx.region, input.PrefixListId);
  if (associatedGroups(ctx.state, list.id).length > 0) throw dependencyViolation('prefix list', list.id);
  const shape = listShape(ctx.state, ctx.region, ctx.accountId, { id: list.id, own: list });
  delete records(ctx.state, 'pl')[list.id];
  dropTags(ctx.state, list.id);
  return { PrefixList: { ...shape, State: 'delete-in-progress' } };
};

export const getManagedPrefixListAssociations: Handler<
  Checked<GetManagedPrefixListAssociationsRequest, 'PrefixListId'>,
  GetManagedPrefixListAssociationsResult,
  Ec2State
> = (input, ctx) => {
  const list = anyList(ctx.state, ctx.region, input.PrefixListId);
  const { page, nextToken } = paginate(
    associatedGroups(ctx.state, list.id),
    input.MaxResults,
    input.NextToken,
    255,
  );
  return {
    PrefixListAssociations: page.map((id) => ({ ResourceId: id, ResourceOwner: ctx.accountId })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const describePrefixLists: Handler<DescribePrefixListsRequest, DescribePrefixListsResult, Ec2State> = (
  input,
  ctx,
) => {
  // The older call lists only AWS's services.
  const lists = awsPrefixLists(ctx.region);
  for (const id of input.PrefixListIds ?? []) {
    if (!isWellFormed(id)) throw ec2Error('InvalidPrefixListId.Malformed', `Invalid id: "${id}"`);
    if (!lists.some((l) => l.id === id)) {
      throw ec2Error('InvalidPrefixListId.NotFound', `The prefix list ID '${id}' does not exist`);
    }
  }
  const wanted = input.PrefixListIds?.length
    ? lists.filter((l) => input.PrefixListIds!.includes(l.id))
    : lists;
  const matching = applyFilters(ctx.state, wanted, input.Filters, {
    'prefix-list-id': (l) => l.id,
    'prefix-list-name': (l) => l.name,
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    PrefixLists: page.map((l) => ({ PrefixListId: l.id, PrefixListName: l.name, Cidrs: [...l.cidrs] })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const describeManagedPrefixLists: Handler<
  DescribeManagedPrefixListsRequest,
  DescribeManagedPrefixListsResult,
  Ec2State
> = (input, ctx) => {
  const selected = input.PrefixListIds?.length
    ? input.PrefixListIds.map((id) => anyList(ctx.state, ctx.region, id))
    : allLists(ctx.state, ctx.region);
  const lists = applyFilters(ctx.state, selected, input.Filters, {
    'prefix-list-id': (l) => l.id,
    'prefix-list-name': (l) => l.aws?.name ?? l.own!.name,
    'owner-id': (l) => (l.aws ? 'AWS' : ctx.accountId),
  });
  const { page, nextToken } = paginate(lists, input.MaxResults, input.NextToken, 100);
  return {
    PrefixLists: page.map((l) => listShape(ctx.state, ctx.region, ctx.accountId, l)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const getManagedPrefixListEntries: Handler<
  Checked<GetManagedPrefixListEntriesRequest, 'PrefixListId'>,
  GetManagedPrefixListEntriesResult,
  Ec2State
> = (input, ctx) => {
  const list = anyList(ctx.state, ctx.region, input.PrefixListId);
  let entries: PrefixListEntryRecord[];
  if (list.aws) entries = list.aws.cidrs.map((cidr) => ({ cidr }));
  else {
    const versions = list.own!.versions;
    const version = input.TargetVersion ?? versions.length;
    if (!Number.isInteger(version) || version < 1 || version > versions.length) {
      throw ec2Error(
        'InvalidParameterValue',
        `The specified value for version is not valid. The value must be between 1 and (${versions.length}).`,
      );
    }
    entries = versions[version - 1]!;
  }
  const { page, nextToken } = paginate(entries, input.MaxResults, input.NextToken, 100);
  return {
    Entries: page.map((e) => ({ Cidr: e.cidr, ...(e.description ? { Description: e.description } : {}) })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};
