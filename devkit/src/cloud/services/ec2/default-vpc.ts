/**
 * A region's EC2 state as a new AWS account finds it: a default VPC (172.31.0.0/16) with a public
 * /20 subnet in every zone, an internet gateway and a route to it.
 */
import { nameMap, resourceId } from '../common.ts';
import { nthBlock, parseCidr } from '../../../net/cidr.ts';
import { addInternetGateway, attachGateway } from './internet-gateways.ts';
import { addRoute, mainRouteTable } from './route-tables.ts';
import type { Ec2State } from './state.ts';
import { addSubnet } from './subnets.ts';
import { addVpc } from './vpcs.ts';
import { zonesOf } from './zones.ts';

const DEFAULT_VPC_CIDR = '172.31.0.0/16';

export function initialEc2State(region: string): Ec2State {
  const state: Ec2State = {
    region,
    dhcpOptionsId: resourceId('dopt'),
    vpcs: nameMap(),
    subnets: nameMap(),
    internetGateways: nameMap(),
    routeTables: nameMap(),
    securityGroups: nameMap(),
    networkAcls: nameMap(),
    tags: nameMap(),
  };
  const vpc = addVpc(state, DEFAULT_VPC_CIDR, true);
  zonesOf(region).forEach((zone, i) => {
    addSubnet(state, vpc, nthBlock(parseCidr(DEFAULT_VPC_CIDR)!, 20, i), zone, {
      defaultForAz: true,
      mapPublicIpOnLaunch: true,
    });
  });
  const gateway = addInternetGateway(state);
  attachGateway(state, gateway, vpc.id);
  addRoute(state, mainRouteTable(state, vpc.id)!, '0.0.0.0/0', gateway.id);
  return state;
}
