/** DescribeAvailabilityZones: the request's region's zones, all available. */
import type {
  AvailabilityZone,
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
} from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';
import { zonesOf } from './zones.ts';

export const describeAvailabilityZones: Handler<
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
  Ec2State
> = (input, ctx) => {
  const zones = zonesOf(ctx.region).map((z) => ({ ...z, id: z.name, zoneId: z.id }));
  for (const wanted of [...(input.ZoneNames ?? []), ...(input.ZoneIds ?? [])]) {
    if (!zones.some((z) => z.name === wanted || z.zoneId === wanted)) {
      throw ec2Error('InvalidParameterValue', `The zone '${wanted}' does not exist.`);
    }
  }
  const named = zones.filter(
    (z) =>
      (!input.ZoneNames?.length || input.ZoneNames.includes(z.name)) &&
      (!input.ZoneIds?.length || input.ZoneIds.includes(z.zoneId)),
  );
  const matching = applyFilters(ctx.state, named, input.Filters, {
    'zone-name': (z) => z.name,
    'zone-id': (z) => z.zoneId,
    state: () => 'available',
    'region-name': () => ctx.region,
    'zone-type': () => 'availability-zone',
    'group-name': () => ctx.region,
    'opt-in-status': () => 'opt-in-not-required',
  });
  const AvailabilityZones: AvailabilityZone[] = matching.map((z) => ({
    ZoneName: z.name,
    ZoneId: z.zoneId,
    State: 'available',
    OptInStatus: 'opt-in-not-required',
    Messages: [],
    RegionName: ctx.region,
    GroupName: ctx.region,
    NetworkBorderGroup: ctx.region,
    ZoneType: 'availability-zone',
  }));
  return { AvailabilityZones };
};
