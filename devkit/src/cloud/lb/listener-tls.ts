/**
 * How an HTTPS listener terminates TLS: its security policy as Node's TLS options, its default
 * certificate, and its certificate list chosen by SNI. The certificates are IAM server certificates
 * (read from IAM's recorded state by the id the listener keeps).
 *
 * Policy mapping: minVersion/maxVersion are the policy's lowest and highest protocol; `ciphers` is
 * the policy's list in its priority order (OpenSSL names, which AWS's are; TLS 1.3 suites included),
 * and the server's order wins (honorCipherOrder), as AWS picks the first of its own list the client
 * offers. OpenSSL 3 refuses TLS 1.0/1.1 at its default security level, so policies that allow them
 * add `@SECLEVEL=0`; a cipher this OpenSSL lacks (DES-CBC3-SHA) is simply never negotiated.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import type { ListenerRecord } from '../services/elbv2/state.ts';
import { requireSecurityPolicy, type SecurityPolicy } from '../services/elbv2/ssl-policies.ts';

/** What the data plane reads of an IAM server certificate. */
export interface ServerCertificateMaterial {
  id: string;
  body: string;
  chain?: string;
  privateKey: string;
}

export interface ListenerTls {
  /** The default certificate with the policy: the server's own context. */
  defaultContext: SecureContextOptions;
  /** The certificate-list context for an SNI server name; undefined: the default one. */
  select: (serverName: string) => SecureContext | undefined;
}

export function policyOptions(policy: SecurityPolicy): SecureContextOptions {
  const legacy = policy.protocols.includes('TLSv1') || policy.protocols.includes('TLSv1.1');
  return {
    minVersion: policy.protocols[0],
    maxVersion: policy.protocols.at(-1),
    ciphers: policy.ciphers.join(':') + (legacy ? ':@SECLEVEL=0' : ''),
    honorCipherOrder: true,
  };
}

/** The DNS names a certificate serves: its subject alternative names, else its common name. */
function namesOf(body: string): string[] {
  const certificate = new X509Certificate(body);
  const alternatives = (certificate.subjectAltName ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  if (alternatives.length) return alternatives;
  const cn = /^CN=(.+)$/m.exec(certificate.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** `*.example.com` covers exactly one label in front of example.com. */
function matches(pattern: string, name: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === name;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

/**
 * The listener's TLS from its record and IAM's certificates; undefined when its default certificate
 * is gone from IAM; throws what OpenSSL refuses (a key too small for its security level).
 */
export function listenerTls(
  listener: ListenerRecord,
  certificates: (id: string) => ServerCertificateMaterial | undefined,
): ListenerTls | undefined {
  const policy = policyOptions(requireSecurityPolicy(listener.sslPolicy!));
  const first = listener.certificates?.[0];
  const defaultCertificate = first && certificates(first.serverCertificateId);
  if (!defaultCertificate) return undefined;
  const options = (m: ServerCertificateMaterial): SecureContextOptions => ({
    ...policy,
    cert: m.chain ? `${m.body}\n${m.chain}` : m.body,
    key: m.privateKey,
  });
  const list = (listener.certificateList ?? []).flatMap((c) => {
    const m = certificates(c.serverCertificateId);
    return m ? [{ names: namesOf(m.body), context: createSecureContext(options(m)) }] : [];
  });
  const defaultContext = options(defaultCertificate);
  // Made once here so a key or certificate OpenSSL refuses fails now, not in the server.
  createSecureContext(defaultContext);
  return {
    defaultContext,
    select: (serverName) => {
      const name = serverName.toLowerCase();
      return list.find((c) => c.names.some((n) => matches(n, name)))?.context;
    },
  };
}
