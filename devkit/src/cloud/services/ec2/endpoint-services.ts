/**
 * The AWS services a VPC endpoint reaches in a region: S3 and DynamoDB as gateway services (reached
 * through route-table entries to their AWS-managed prefix lists) and as interface services too (as
 * AWS offers both), and an interface service for each API the local cloud serves. Service ids, prefix-list ids and hosted zones are derived from the
 * region and the name, so they are the same after a restart, as AWS's are.
 */
import { createHash } from 'node:crypto';
import type { ServiceDetail } from '@aws-sdk/client-ec2';
import { zonesOf } from './zones.ts';

export type EndpointType = 'Gateway' | 'Interface';

export interface EndpointService {
  /** The service id (`vpce-svc-…`), which filters match tags on (AWS services have none). */
  id: string;
  /** `com.amazonaws.<region>.<service>`. */
  name: string;
  type: EndpointType;
  /** The service's label in its DNS names: `logs`, or `api.ecr` for `ecr.api`. */
  host: string;
  /** Interface: the public name that private DNS answers inside the VPC. */
  privateDnsName?: string;
}

export interface AwsPrefixList {
  id: string;
  name: string;
  cidrs: string[];
}

/** The gateway services and the address ranges their prefix lists stand for. */
const GATEWAY_SERVICES: ReadonlyArray<[service: string, cidrs: string[]]> = [
  // Illustrative public ranges of each service: the local cloud sends no traffic through them.
  ['dynamodb', ['3.218.180.0/22', '52.94.0.0/22']],
  ['s3', ['3.5.0.0/19', '52.216.0.0/15', '54.231.0.0/16']],
];

/**
 * Interface services for the APIs the local cloud serves (ECR's two endpoints, ECS's three, ...),
 * with their DNS label and, where it differs from it, the name private DNS answers.
 */
const INTERFACE_SERVICES: ReadonlyArray<[service: string, host: string, privateDnsHost?: string]> = [
  ['dynamodb', 'dynamodb'],
  ['ec2', 'ec2'],
  ['ecr.api', 'api.ecr'],
  ['ecr.dkr', 'dkr.ecr', '*.dkr.ecr'],
  ['ecs', 'ecs'],
  ['ecs-agent', 'ecs-a'],
  ['ecs-telemetry', 'ecs-t'],
  ['elasticloadbalancing', 'elasticloadbalancing'],
  ['logs', 'logs'],
  ['monitoring', 'monitoring'],
  // S3's interface endpoints answer the bucket-style names too.
  ['s3', 's3', '*.s3'],
  ['secretsmanager', 'secretsmanager'],
  ['sts', 'sts'],
];

/** Stable hex digits for a seed (the same region and name always give the same id). */
export function stableHex(seed: string, digits: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, digits);
}

/** A Route 53 hosted zone id (`Z` and upper-case letters and digits), stable for a seed. */
export function hostedZoneId(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return 'Z' + [...digest.subarray(0, length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Every endpoint service of the region, by name then type. */
export function endpointServices(region: string): EndpointService[] {
  const service = (suffix: string, type: EndpointType, host: string, privateDnsHost?: string) => {
    const name = `com.amazonaws.${region}.${suffix}`;
    return {
      id: `vpce-svc-${stableHex(`${name}/${type}`, 17)}`,
      name,
      type,
      host,
      ...(privateDnsHost === undefined
        ? {}
        : { privateDnsName: `${privateDnsHost}.${region}.amazonaws.com` }),
    };
  };
  return [
    ...GATEWAY_SERVICES.map(([suffix]) => service(suffix, 'Gateway', suffix)),
    ...INTERFACE_SERVICES.map(([suffix, host, privateDnsHost]) =>
      service(suffix, 'Interface', host, privateDnsHost ?? host),
    ),
  ].sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
}

/** The AWS-managed prefix lists of the region's gateway services. */
export function awsPrefixLists(region: string): AwsPrefixList[] {
  return GATEWAY_SERVICES.map(([suffix, cidrs]) => {
    const name = `com.amazonaws.${region}.${suffix}`;
    return { id: `pl-${stableHex(name, 8)}`, name, cidrs };
  });
}

export function prefixListOf(region: string, serviceName: string): AwsPrefixList | undefined {
  return awsPrefixLists(region).find((list) => list.name === serviceName);
}

/** The DNS domain of the region's endpoint names (`<region>.vpce.amazonaws.com`). */
export function vpceDomain(region: string): string {
  return `${region}.vpce.amazonaws.com`;
}

export function serviceDetail(region: string, service: EndpointService): ServiceDetail {
  const zones = zonesOf(region);
  const gateway = service.type === 'Gateway';
  return {
    ServiceName: service.name,
    ServiceId: service.id,
    ServiceType: [{ ServiceType: service.type }],
    ServiceRegion: region,
    AvailabilityZoneIds: zones.map((z) => z.id),
    AvailabilityZones: zones.map((z) => z.name),
    Owner: 'amazon',
    // A gateway service is reached at its public name; an interface service at its endpoints' names.
    BaseEndpointDnsNames: [
      gateway ? `${service.host}.${region}.amazonaws.com` : `${service.host}.${vpceDomain(region)}`,
    ],
    ...(service.privateDnsName === undefined
      ? {}
      : {
          PrivateDnsName: service.privateDnsName,
          PrivateDnsNames: [{ PrivateDnsName: service.privateDnsName }],
          PrivateDnsNameVerificationState: 'verified',
        }),
    VpcEndpointPolicySupported: true,
    AcceptanceRequired: false,
    ManagesVpcEndpoints: false,
    Tags: [],
    SupportedIpAddressTypes: ['ipv4'],
  };
}
