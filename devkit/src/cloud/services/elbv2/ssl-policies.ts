/**
 * AWS's predefined security policies for HTTPS listeners (Application Load Balancer Guide,
 * "Security policies"): each policy's TLS protocols and its ciphers in priority order, as
 * DescribeSSLPolicies reports them. The local load balancer negotiates with exactly these
 * (lb/listener-tls.ts maps them to Node's TLS options). AWS publishes more policies than these
 * (TLS13 Ext, FIPS and post-quantum variants); a name not listed is SSLPolicyNotFound, said in README.
 */
import type {
  DescribeSSLPoliciesInput,
  DescribeSSLPoliciesOutput,
  SslPolicy,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Handler } from '../../service-definition.ts';
import { elbError } from './errors.ts';
import { page } from './paging.ts';
import type { Elbv2State } from './state.ts';

/** The policy CreateListener uses when none is given (the CLI, SDKs, CloudFormation and CDK). */
export const DEFAULT_SSL_POLICY = 'ELBSecurityPolicy-2016-08';

export type TlsProtocol = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface SecurityPolicy {
  name: string;
  protocols: TlsProtocol[];
  /** OpenSSL names, highest priority first. */
  ciphers: string[];
}

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const ECDHE_GCM_128 = ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'];
const ECDHE_SHA256 = ['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA256'];
const ECDHE_SHA1_128 = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA'];
const ECDHE_GCM_256 = ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'];
const ECDHE_SHA384 = ['ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384'];
const ECDHE_SHA1_256 = ['ECDHE-RSA-AES256-SHA', 'ECDHE-ECDSA-AES256-SHA'];
/** Every forward-secret cipher of the 2016 policies, in AWS's order. */
const FS = [
  ...ECDHE_GCM_128,
  ...ECDHE_SHA256,
  ...ECDHE_SHA1_128,
  ...ECDHE_GCM_256,
  ...ECDHE_SHA384,
  ...ECDHE_SHA1_256,
];
/** FS without the SHA-1 CBC ciphers. */
const FS_SHA2 = [...ECDHE_GCM_128, ...ECDHE_SHA256, ...ECDHE_GCM_256, ...ECDHE_SHA384];
const FS_GCM = [...ECDHE_GCM_128, ...ECDHE_GCM_256];
const RSA_KX = [
  'AES128-GCM-SHA256',
  'AES128-SHA256',
  'AES128-SHA',
  'AES256-GCM-SHA384',
  'AES256-SHA256',
  'AES256-SHA',
];
const RSA_KX_SHA2 = ['AES128-GCM-SHA256', 'AES128-SHA256', 'AES256-GCM-SHA384', 'AES256-SHA256'];

const TLS_1_0_UP: TlsProtocol[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];
const TLS_1_1_UP: TlsProtocol[] = ['TLSv1.1', 'TLSv1.2'];
const TLS_1_2: TlsProtocol[] = ['TLSv1.2'];
const TLS_1_2_UP: TlsProtocol[] = ['TLSv1.2', 'TLSv1.3'];

const policy = (name: string, protocols: TlsProtocol[], ciphers: string[]): SecurityPolicy => ({
  name,
  protocols,
  ciphers,
});

export const SECURITY_POLICIES: readonly SecurityPolicy[] = [
  policy('ELBSecurityPolicy-TLS13-1-3-2021-06', ['TLSv1.3'], TLS13),
  policy('ELBSecurityPolicy-TLS13-1-2-2021-06', TLS_1_2_UP, [...TLS13, ...FS_SHA2]),
  policy('ELBSecurityPolicy-TLS13-1-2-Res-2021-06', TLS_1_2_UP, [...TLS13, ...FS_GCM]),
  policy('ELBSecurityPolicy-2016-08', TLS_1_0_UP, [...FS, ...RSA_KX]),
  policy('ELBSecurityPolicy-TLS-1-0-2015-04', TLS_1_0_UP, [...FS, ...RSA_KX, 'DES-CBC3-SHA']),
  policy('ELBSecurityPolicy-TLS-1-1-2017-01', TLS_1_1_UP, [...FS, ...RSA_KX]),
  policy('ELBSecurityPolicy-TLS-1-2-2017-01', TLS_1_2, [...FS_SHA2, ...RSA_KX_SHA2]),
  policy('ELBSecurityPolicy-TLS-1-2-Ext-2018-06', TLS_1_2, [...FS, ...RSA_KX]),
  policy('ELBSecurityPolicy-FS-2018-06', TLS_1_0_UP, FS),
  policy('ELBSecurityPolicy-FS-1-1-2019-08', TLS_1_1_UP, FS),
  policy('ELBSecurityPolicy-FS-1-2-2019-08', TLS_1_2, FS),
  policy('ELBSecurityPolicy-FS-1-2-Res-2019-08', TLS_1_2, FS_SHA2),
  policy('ELBSecurityPolicy-FS-1-2-Res-2020-10', TLS_1_2, FS_GCM),
  // AWS keeps it as identical to ELBSecurityPolicy-2016-08.
  policy('ELBSecurityPolicy-2015-05', TLS_1_0_UP, [...FS, ...RSA_KX]),
];

/** The named policy, or AWS's SSLPolicyNotFound. */
export function requireSecurityPolicy(name: string): SecurityPolicy {
  const found = SECURITY_POLICIES.find((p) => p.name === name);
  if (!found) throw elbError('SSLPolicyNotFound', `The SSL policy '${name}' was not found`);
  return found;
}

function view(p: SecurityPolicy): SslPolicy {
  return {
    Name: p.name,
    SslProtocols: p.protocols,
    Ciphers: p.ciphers.map((Name, i) => ({ Name, Priority: i + 1 })),
    SupportedLoadBalancerTypes: ['application', 'network'],
  };
}

export const describeSSLPolicies: Handler<DescribeSSLPoliciesInput, DescribeSSLPoliciesOutput, Elbv2State> = (
  input,
) => {
  let chosen = input.Names?.length ? input.Names.map(requireSecurityPolicy) : [...SECURITY_POLICIES];
  // Gateway Load Balancers have no TLS listeners.
  if (input.LoadBalancerType === 'gateway') chosen = [];
  const { page: items, NextMarker } = page(chosen, input);
  return { SslPolicies: items.map(view), ...(NextMarker ? { NextMarker } : {}) };
};
