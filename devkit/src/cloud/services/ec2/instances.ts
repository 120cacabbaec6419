/**
 * DescribeInstances for an account that runs only Fargate: no reservations, but the request is
 * checked as EC2 checks it (instance ids, filter names, MaxResults), so a tool that lists instances
 * before it trusts a VPC gets the answer AWS gives for such an account, and a mistake gets AWS's error.
 * Where the reference is silent: MaxResults outside 5-1000 is InvalidParameterValue.
 */
import type { DescribeInstancesRequest, DescribeInstancesResult } from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { applyFilters, type FilterFields } from './filters.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';

/** DescribeInstances' filter names (EC2 API reference), besides tag:<key>, tag-key and tag-value. */
const FILTER_NAMES = [
  'affinity',
  'architecture',
  'availability-zone',
  'availability-zone-id',
  'block-device-mapping.attach-time',
  'block-device-mapping.delete-on-termination',
  'block-device-mapping.device-name',
  'block-device-mapping.status',
  'block-device-mapping.volume-id',
  'boot-mode',
  'capacity-reservation-id',
  'capacity-reservation-specification.capacity-reservation-preference',
  'capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id',
  'capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn',
  'client-token',
  'current-instance-boot-mode',
  'dns-name',
  'ebs-optimized',
  'ena-support',
  'enclave-options.enabled',
  'hibernation-options.configured',
  'host-id',
  'hypervisor',
  'iam-instance-profile.arn',
  'iam-instance-profile.id',
  'image-id',
  'instance-id',
  'instance-lifecycle',
  'instance-state-code',
  'instance-state-name',
  'instance-type',
  'instance.group-id',
  'instance.group-name',
  'ip-address',
  'ipv6-address',
  'kernel-id',
  'key-name',
  'launch-index',
  'launch-time',
  'maintenance-options.auto-recovery',
  'metadata-options.http-endpoint',
  'metadata-options.http-protocol-ipv4',
  'metadata-options.http-protocol-ipv6',
  'metadata-options.http-put-response-hop-limit',
  'metadata-options.http-tokens',
  'metadata-options.instance-metadata-tags',
  'monitoring-state',
  'network-interface.addresses.association.allocation-id',
  'network-interface.addresses.association.association-id',
  'network-interface.addresses.association.ip-owner-id',
  'network-interface.addresses.association.public-dns-name',
  'network-interface.addresses.association.public-ip',
  'network-interface.addresses.primary',
  'network-interface.addresses.private-dns-name',
  'network-interface.addresses.private-ip-address',
  'network-interface.association.allocation-id',
  'network-interface.association.association-id',
  'network-interface.association.ip-owner-id',
  'network-interface.association.public-dns-name',
  'network-interface.association.public-ip',
  'network-interface.attachment.attach-time',
  'network-interface.attachment.attachment-id',
  'network-interface.attachment.delete-on-termination',
  'network-interface.attachment.device-index',
  'network-interface.attachment.instance-id',
  'network-interface.attachment.instance-owner-id',
  'network-interface.attachment.network-card-index',
  'network-interface.attachment.status',
  'network-interface.availability-zone',
  'network-interface.description',
  'network-interface.group-id',
  'network-interface.group-name',
  'network-interface.ipv6-address',
  'network-interface.mac-address',
  'network-interface.network-interface-id',
  'network-interface.owner-id',
  'network-interface.private-dns-name',
  'network-interface.private-ip-address',
  'network-interface.public-dns-name',
  'network-interface.requester-id',
  'network-interface.requester-managed',
  'network-interface.source-dest-check',
  'network-interface.status',
  'network-interface.subnet-id',
  'network-interface.tag-key',
  'network-interface.tag-value',
  'network-interface.vpc-id',
  'outpost-arn',
  'owner-id',
  'placement-group-name',
  'placement-partition-number',
  'platform',
  'platform-details',
  'private-dns-name',
  'private-dns-name-options.enable-resource-name-dns-a-record',
  'private-dns-name-options.enable-resource-name-dns-aaaa-record',
  'private-dns-name-options.hostname-type',
  'private-ip-address',
  'product-code',
  'product-code.type',
  'ramdisk-id',
  'reason',
  'requester-id',
  'reservation-id',
  'root-device-name',
  'root-device-type',
  'source-dest-check',
  'spot-instance-request-id',
  'state-reason-code',
  'state-reason-message',
  'subnet-id',
  'tenancy',
  'tpm-support',
  'usage-operation',
  'usage-operation-update-time',
  'virtualization-type',
  'vpc-id',
];

/** Instance ids: `i-` and 8 or 17 hex digits. */
const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export const describeInstances: Handler<DescribeInstancesRequest, DescribeInstancesResult, Ec2State> = (
  input,
  ctx,
) => {
  const ids = input.InstanceIds ?? [];
  if (ids.length > 0 && input.MaxResults !== undefined) {
    throw ec2Error(
      'InvalidParameterCombination',
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  }
  const malformed = ids.filter((id) => !INSTANCE_ID.test(id));
  if (malformed.length) throw ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${malformed[0]}"`);
  if (ids.length) {
    throw ec2Error(
      'InvalidInstanceID.NotFound',
      `The instance ID${ids.length > 1 ? 's' : ''} '${ids.join(', ')}' ${ids.length > 1 ? 'do' : 'does'} not exist`,
    );
  }
  // Nothing matches, but every filter name must be one EC2 knows (applyFilters refuses the rest).
  const names = [
    ...FILTER_NAMES,
    ...(input.Filters ?? []).flatMap((f) => (f.Name?.startsWith('network-interface.tag:') ? [f.Name] : [])),
  ];
  const fields: FilterFields<{ id: string }> = Object.fromEntries(
    names.map((name) => [name, () => undefined]),
  );
  applyFilters(ctx.state, [], input.Filters, fields);
  const { nextToken } = paginate([], input.MaxResults, input.NextToken, 1000);
  return { Reservations: [], ...(nextToken ? { NextToken: nextToken } : {}) };
};
