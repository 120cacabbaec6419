/**
 * HTTPS listeners' certificates: IAM server certificates named by ARN (the local cloud has no ACM),
 * the default one and the certificate list SNI chooses from (Add/Describe/RemoveListenerCertificates).
 * ELBv2 reads IAM's recorded state for them (services never import each other, so the record's
 * shape is restated here).
 */
import type {
  AddListenerCertificatesInput,
  AddListenerCertificatesOutput,
  Certificate,
  DescribeListenerCertificatesInput,
  DescribeListenerCertificatesOutput,
  RemoveListenerCertificatesInput,
  RemoveListenerCertificatesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { elbError } from './errors.ts';
import { page } from './paging.ts';
import type { Elbv2State, ListenerCertificateRecord, ListenerRecord } from './state.ts';
import { requireListener } from './state.ts';
import { QUOTAS } from './limits.ts';

/** AWS's default quota of certificates per Application Load Balancer (the default ones not counted). */
const MAX_CERTIFICATES = QUOTAS['certificates-per-application-load-balancer'];

interface IamServerCertificates {
  serverCertificates?: Record<string, { arn: string; id: string }>;
}

/** The IAM server certificate an ARN names, as a listener keeps it; CertificateNotFound otherwise. */
export function resolveCertificate(ctx: RequestContext<Elbv2State>, arn: string): ListenerCertificateRecord {
  if (/^arn:aws[\w-]*:acm:/.test(arn)) {
    throw elbError(
      'CertificateNotFound',
      `Certificate '${arn}' not found: the local cloud has no ACM. Upload the certificate to IAM ` +
        '(iam upload-server-certificate) and use its arn:aws:iam::<account>:server-certificate/... ARN',
    );
  }
  const iam = ctx.store.regions<IamServerCertificates>('iam').find(([region]) => region === 'global')?.[1];
  const found = Object.values(iam?.serverCertificates ?? {}).find((c) => c.arn === arn);
  if (!found) throw elbError('CertificateNotFound', `Certificate '${arn}' not found`);
  return { arn, serverCertificateId: found.id };
}

/** An HTTPS listener's default certificate: exactly one, an IAM server certificate. */
export function defaultCertificate(
  ctx: RequestContext<Elbv2State>,
  certificates: readonly Certificate[] | undefined,
): ListenerCertificateRecord[] {
  if (!certificates?.length) {
    throw elbError('ValidationError', 'A certificate must be specified for HTTPS listeners');
  }
  if (certificates.length > 1) {
    throw elbError('ValidationError', 'An HTTPS listener has exactly one default certificate');
  }
  return [resolveCertificate(ctx, certificates[0]!.CertificateArn ?? '')];
}

function requireHttpsListener(state: Elbv2State, arn: string): ListenerRecord {
  const listener = requireListener(state, arn);
  if (listener.protocol !== 'HTTPS') {
    throw elbError(
      'ValidationError',
      `Listener '${arn}' is not an HTTPS listener: only HTTPS listeners have certificates`,
    );
  }
  return listener;
}

/** Adds to the certificate list; one already there is not added again. */
export const addListenerCertificates: Handler<
  Checked<AddListenerCertificatesInput, 'ListenerArn' | 'Certificates'>,
  AddListenerCertificatesOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireHttpsListener(ctx.state, input.ListenerArn);
  const list = [...(listener.certificateList ?? [])];
  for (const certificate of input.Certificates) {
    const added = resolveCertificate(ctx, certificate.CertificateArn ?? '');
    if (!list.some((c) => c.arn === added.arn)) list.push(added);
  }
  const perLoadBalancer = Object.values(ctx.state.listeners)
    .filter((l) => l.loadBalancerArn === listener.loadBalancerArn && l.arn !== listener.arn)
    .reduce((n, l) => n + (l.certificateList?.length ?? 0), list.length);
  if (perLoadBalancer > MAX_CERTIFICATES) {
    throw elbError(
      'TooManyCertificates',
      `You've reached the limit on the number of certificates per load balancer (${MAX_CERTIFICATES})`,
    );
  }
  listener.certificateList = list;
  return { Certificates: list.map((c) => ({ CertificateArn: c.arn, IsDefault: false })) };
};

/** The default certificate, then the list (the default appears twice when also in the list). */
export const describeListenerCertificates: Handler<
  Checked<DescribeListenerCertificatesInput, 'ListenerArn'>,
  DescribeListenerCertificatesOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireListener(ctx.state, input.ListenerArn);
  const all: Certificate[] = [
    ...(listener.certificates ?? []).map((c) => ({ CertificateArn: c.arn, IsDefault: true })),
    ...(listener.certificateList ?? []).map((c) => ({ CertificateArn: c.arn, IsDefault: false })),
  ];
  const { page: items, NextMarker } = page(all, input);
  return { Certificates: items, ...(NextMarker ? { NextMarker } : {}) };
};

/** Removes from the certificate list; the default certificate is ModifyListener's to replace. */
export const removeListenerCertificates: Handler<
  Checked<RemoveListenerCertificatesInput, 'ListenerArn' | 'Certificates'>,
  RemoveListenerCertificatesOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireHttpsListener(ctx.state, input.ListenerArn);
  const removed = new Set(input.Certificates.map((c) => c.CertificateArn ?? ''));
  const listed = new Set((listener.certificateList ?? []).map((c) => c.arn));
  // The default certificate also in the list leaves the list; one only the default is not this call's.
  const removesDefault =
    input.Certificates.some((c) => c.IsDefault) ||
    (listener.certificates ?? []).some((c) => removed.has(c.arn) && !listed.has(c.arn));
  if (removesDefault) {
    throw elbError(
      'OperationNotPermitted',
      'The default certificate cannot be removed; replace it with ModifyListener',
    );
  }
  listener.certificateList = (listener.certificateList ?? []).filter((c) => !removed.has(c.arn));
  return {};
};
