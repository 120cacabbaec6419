/** Tags on any EC2 resource: CreateTags, DeleteTags, DescribeTags, and TagSpecifications on create calls. */
import type {
  CreateTagsRequest,
  DeleteTagsRequest,
  DescribeTagsRequest,
  DescribeTagsResult,
  Tag,
  TagDescription,
  TagSpecification,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { MAX_TAGS_PER_RESOURCE, mergedTagCount, nameMap, paginate } from '../common.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State } from './state.ts';
import { ec2Error, find } from './state.ts';

const RESOURCE_TYPES = {
  vpc: 'vpc',
  subnet: 'subnet',
  igw: 'internet-gateway',
  rtb: 'route-table',
  sg: 'security-group',
  acl: 'network-acl',
  eni: 'network-interface',
  eipalloc: 'elastic-ip',
  nat: 'natgateway',
  vpce: 'vpc-endpoint',
  eigw: 'egress-only-internet-gateway',
  dopt: 'dhcp-options',
  pl: 'prefix-list',
  fl: 'vpc-flow-log',
} as const;

type Prefix = keyof typeof RESOURCE_TYPES;

function prefixOf(id: string): Prefix | undefined {
  const prefix = id.slice(0, id.indexOf('-'));
  return Object.hasOwn(RESOURCE_TYPES, prefix) ? (prefix as Prefix) : undefined;
}

/** A resource's tags as the describe outputs list them. */
export function tagsOf(state: Ec2State, id: string): Tag[] {
  return Object.entries(state.tags[id] ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

function addTags(state: Ec2State, id: string, tags: Tag[]): void {
  const current = (state.tags[id] ??= nameMap());
  for (const tag of tags) current[tag.Key!] = tag.Value ?? '';
}

/** Applies the tag specifications meant for `resourceType` to a resource just created. */
export function applyTagSpecifications(
  state: Ec2State,
  id: string,
  resourceType: string,
  specifications: TagSpecification[] | undefined,
): void {
  for (const spec of specifications ?? []) {
    if (spec.ResourceType === resourceType) addTags(state, id, spec.Tags ?? []);
  }
}

/** Forgets a deleted resource's tags. */
export function dropTags(state: Ec2State, id: string): void {
  delete state.tags[id];
}

export const createTags: Handler<Checked<CreateTagsRequest, 'Resources' | 'Tags'>, void, Ec2State> = (
  input,
  ctx,
) => {
  for (const id of input.Resources) {
    const prefix = prefixOf(id);
    if (!prefix) throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
    // The region's default DHCP options set is not a record of its own.
    if (id !== ctx.state.dhcpOptionsId) find(ctx.state, prefix, id);
    // Keys already there are overwritten, so they do not count twice.
    const existing = Object.keys(ctx.state.tags[id] ?? {});
    if (
      mergedTagCount(
        existing,
        input.Tags.map((t) => t.Key!),
      ) > MAX_TAGS_PER_RESOURCE
    ) {
      throw ec2Error('TagLimitExceeded', 'The maximum number of Tags for a resource has been reached.');
    }
  }
  for (const id of input.Resources) addTags(ctx.state, id, input.Tags);
};

export const deleteTags: Handler<Checked<DeleteTagsRequest, 'Resources'>, void, Ec2State> = (input, ctx) => {
  for (const id of input.Resources) {
    const current = ctx.state.tags[id];
    if (!current) continue;
    // Without tags, every tag goes; a tag with a value goes only when the value matches.
    const doomed: Tag[] = input.Tags ?? Object.keys(current).map((Key) => ({ Key }));
    for (const tag of doomed) {
      if (tag.Value === undefined || current[tag.Key!] === tag.Value) delete current[tag.Key!];
    }
    if (Object.keys(current).length === 0) delete ctx.state.tags[id];
  }
};

export const describeTags: Handler<DescribeTagsRequest, DescribeTagsResult, Ec2State> = (input, ctx) => {
  const all = Object.entries(ctx.state.tags).flatMap(([resourceId, tags]) =>
    Object.entries(tags).map(([key, value]) => ({ id: resourceId, key, value })),
  );
  const matching = applyFilters(ctx.state, all, input.Filters, {
    'resource-id': (t) => t.id,
    'resource-type': (t) => RESOURCE_TYPES[prefixOf(t.id)!],
    key: (t) => t.key,
    value: (t) => t.value,
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  const Tags: TagDescription[] = page.map((t) => ({
    ResourceId: t.id,
    ResourceType: RESOURCE_TYPES[prefixOf(t.id)!],
    Key: t.key,
    Value: t.value,
  }));
  return { Tags, ...(nextToken ? { NextToken: nextToken } : {}) };
};
