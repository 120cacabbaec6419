/**
 * The AWS-managed prefix lists of the gateway endpoint services (`com.amazonaws.<region>.s3`,
 * `.dynamodb`), which their endpoints' routes and security-group rules name. The account has no
 * prefix lists of its own (CreateManagedPrefixList is not served).
 */
import type {
  DescribeManagedPrefixListsRequest,
  DescribeManagedPrefixListsResult,
  DescribePrefixListsRequest,
  DescribePrefixListsResult,
  GetManagedPrefixListEntriesRequest,
  GetManagedPrefixListEntriesResult,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { awsPrefixLists, type AwsPrefixList } from './endpoint-services.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';

/** The region's lists with the given ids (all of them without ids), failing on an unknown id. */
function selected(region: string, ids: string[] | undefined, notFoundCode: string): AwsPrefixList[] {
  const lists = awsPrefixLists(region);
  for (const id of ids ?? []) {
    if (!/^pl-[0-9a-f]{8}(?:[0-9a-f]{9})?$/.test(id)) {
      throw ec2Error('InvalidPrefixListId.Malformed', `Invalid id: "${id}"`);
    }
    if (!lists.some((list) => list.id === id)) {
      throw ec2Error(notFoundCode, `The prefix list ID '${id}' does not exist`);
    }
  }
  return ids?.length ? lists.filter((list) => ids.includes(list.id)) : lists;
}

export const describePrefixLists: Handler<DescribePrefixListsRequest, DescribePrefixListsResult, Ec2State> = (
  input,
  ctx,
) => {
  const lists = applyFilters(
    ctx.state,
    selected(ctx.region, input.PrefixListIds, 'InvalidPrefixListId.NotFound'),
    input.Filters,
    {
      'prefix-list-id': (l) => l.id,
      'prefix-list-name': (l) => l.name,
    },
  );
  const { page, nextToken } = paginate(lists, input.MaxResults, input.NextToken, 1000);
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
  const lists = applyFilters(
    ctx.state,
    selected(ctx.region, input.PrefixListIds, 'InvalidPrefixListID.NotFound'),
    input.Filters,
    {
      'prefix-list-id': (l) => l.id,
      'prefix-list-name': (l) => l.name,
      'owner-id': () => 'AWS',
    },
  );
  const { page, nextToken } = paginate(lists, input.MaxResults, input.NextToken, 100);
  return {
    // AWS-managed lists are owned by `AWS`, in the `aws` account of their ARN, with no entry limit shown.
    PrefixLists: page.map((l) => ({
      PrefixListId: l.id,
      AddressFamily: 'IPv4',
      State: 'create-complete',
      PrefixListArn: `arn:aws:ec2:${ctx.region}:aws:prefix-list/${l.id}`,
      PrefixListName: l.name,
      Tags: [],
      OwnerId: 'AWS',
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const getManagedPrefixListEntries: Handler<
  Checked<GetManagedPrefixListEntriesRequest, 'PrefixListId'>,
  GetManagedPrefixListEntriesResult,
  Ec2State
> = (input, ctx) => {
  const [list] = selected(ctx.region, [input.PrefixListId], 'InvalidPrefixListID.NotFound');
  const { page, nextToken } = paginate(list!.cidrs, input.MaxResults, input.NextToken, 100);
  return {
    Entries: page.map((cidr) => ({ Cidr: cidr })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};
