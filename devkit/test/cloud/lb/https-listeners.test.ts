/**
 * HTTPS listeners end to end: the data plane terminates TLS with IAM server certificates (the
 * default one, and the certificate list by SNI) under the listener's security policy, and forwards
 * to a real target. A real TLS client (node:https) trusts only the test CA, so every handshake is
 * verified: the certificate served is the one the test expects, for the name it asked.
 */
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerAttributesCommand,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient, UploadServerCertificateCommand } from '@aws-sdk/client-iam';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApplicationLoadBalancers,
  tlsFailedReason,
} from '../../../src/cloud/lb/application-load-balancers.ts';
import { LOCAL_TIMINGS } from '../../../src/cloud/scheduler/facts.ts';
import { freePort, startTestCloud, type TestCloud } from '../harness.ts';
import { waitFor } from '../runtime/fixture.ts';
import { testPki, type TestPki } from '../test-pki.ts';

let t: TestCloud;
let elb: ElasticLoadBalancingV2Client;
let plane: ApplicationLoadBalancers;
let ticker: NodeJS.Timeout;
let pki: TestPki;
let target: Server;
let targetPort: number;
/** The headers the target saw on its last request through the listener (not its health checks). */
let seen: IncomingHttpHeaders = {};
let listenerArn: string;
let lbArn: string;
let listenerPort: number;
const certs: Record<string, string> = {};

interface Answer {
  status: number;
  body: string;
  /** The CN of the certificate the listener presented. */
  servedName: string;
  protocol: string | null;
  cipher: string;
}

/** GET / over TLS, trusting the test CA only, with `servername` as SNI. */
function get(
  servername: string | undefined,
  versions: { minVersion?: SecureVersion; maxVersion?: SecureVersion } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: listenerPort,
        path: '/',
        ca: pki.ca,
        // node:https sends no SNI for an IP host: the name is the test's to give (or not).
        ...(servername ? { servername } : {}),
        // The name checked against the certificate: the SNI name, or the default certificate's.
        checkServerIdentity: () => undefined,
        agent: false,
        timeout: 5000,
        ...versions,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const answer = {
          servedName: String(socket.getPeerCertificate().subject.CN),
          protocol: socket.getProtocol(),
          cipher: socket.getCipher().name,
        };
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...answer }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  t = await startTestCloud();
  elb = new ElasticLoadBalancingV2Client(t.clientConfig);
  pki = testPki();
  target = createServer((req, res) => {
    if (req.url === '/health') return void res.end();
    seen = req.headers;
    res.end('from the target');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as AddressInfo).port;
  plane = new ApplicationLoadBalancers({
    store: t.cloud.store,
    timings: { ...LOCAL_TIMINGS, healthCheckIntervalSeconds: 0.2, targetHealthCheckIntervalSeconds: 0.2 },
    resolve: () => ({ host: '127.0.0.1', port: targetPort }),
    listenRetryMs: 200,
  });
  ticker = setInterval(() => plane.sync(), 100);

  const iam = new IAMClient(t.clientConfig);
  for (const [name, keyType] of [
    ['www.example.test', 'rsa'],
    ['api.example.test', 'ec'],
    ['*.wild.example.test', 'rsa'],
    ['weak.example.test', 'weak-rsa'],
  ] as const) {
    const issued = pki.issue([name], keyType);
    const { ServerCertificateMetadata } = await iam.send(
      new UploadServerCertificateCommand({
        ServerCertificateName: name.replace('*', 'star'),
        CertificateBody: issued.certificate,
        PrivateKey: issued.privateKey,
        CertificateChain: pki.ca,
      }),
    );
    certs[name] = ServerCertificateMetadata!.Arn!;
  }
  iam.destroy();

  const ec2 = new EC2Client(t.clientConfig);
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
  ec2.destroy();
  lbArn = (
    await elb.send(
      new CreateLoadBalancerCommand({
        Name: 'secure',
        Subnets: Subnets!.slice(0, 2).map((s) => s.SubnetId!),
      }),
    )
  ).LoadBalancers![0]!.LoadBalancerArn!;
  const groupArn = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: 'web',
        Protocol: 'HTTP',
        Port: 8080,
        VpcId: Subnets![0]!.VpcId!,
        TargetType: 'ip',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 5,
        HealthCheckTimeoutSeconds: 2,
        HealthyThresholdCount: 2,
      }),
    )
  ).TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: groupArn, Targets: [{ Id: '172.31.0.20' }] }));
  listenerPort = await freePort();
  listenerArn = (
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Protocol: 'HTTPS',
        Port: listenerPort,
        Certificates: [{ CertificateArn: certs['www.example.test'] }],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: groupArn }],
      }),
    )
  ).Listeners![0]!.ListenerArn!;
  await waitFor(
    'the target to be healthy',
    async () =>
      (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: groupArn })))
        .TargetHealthDescriptions![0]?.TargetHealth?.State,
    (state) => state === 'healthy',
    30_000,
  );
}, 60_000);

afterAll(async () => {
  clearInterval(ticker);
  await plane.close();
  target.close();
  elb.destroy();
  pki.dispose();
  await t.dispose();
});

describe('an HTTPS listener', () => {
  it('terminates TLS with its default certificate and forwards to the target as HTTPS', async () => {
    const answer = await waitFor(
      'the listener to serve',
      () => get('www.example.test').catch((error: Error) => error),
      // Bound, and routing to the healthy target (the pool follows the health state at its next sync).
      (a) => !(a instanceof Error) && a.status === 200,
      30_000,
    );
    expect(answer).toMatchObject({ status: 200, body: 'from the target', servedName: 'www.example.test' });
    // ELBSecurityPolicy-2016-08 (the default) has no TLS 1.3.
    expect((answer as Answer).protocol).toBe('TLSv1.2');
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-port']).toBe(String(listenerPort));
  });

  it('chooses from its certificate list by SNI, wildcards included, else the default', async () => {
    await elb.send(
      new AddListenerCertificatesCommand({
        ListenerArn: listenerArn,
        Certificates: [
          { CertificateArn: certs['api.example.test'] },
          { CertificateArn: certs['*.wild.example.test'] },
        ],
      }),
    );
    const api = await waitFor(
      'the certificate list',
      () => get('api.example.test'),
      (a) => a.servedName === 'api.example.test',
      10_000,
    );
    // An ECDSA certificate: the policy's ECDSA suite is negotiated.
    expect(api.cipher).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect((await get('shop.wild.example.test')).servedName).toBe('*.wild.example.test');
    // One label only, as wildcards match.
    expect((await get('a.b.wild.example.test')).servedName).toBe('www.example.test');
    expect((await get('unknown.example.test')).servedName).toBe('www.example.test');
    expect((await get(undefined)).servedName).toBe('www.example.test');
  });

  it('negotiates only what its security policy allows', async () => {
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listenerArn,
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
      }),
    );
    const tls13 = await waitFor(
      'the new policy',
      () => get('www.example.test'),
      (a) => a.protocol === 'TLSv1.3',
      10_000,
    );
    expect(tls13.cipher).toBe('TLS_AES_128_GCM_SHA256');
    await expect(get('www.example.test', { maxVersion: 'TLSv1.2' })).rejects.toThrow(
      /protocol version|alert/i,
    );

    await elb.send(
      new ModifyListenerCommand({ ListenerArn: listenerArn, SslPolicy: 'ELBSecurityPolicy-TLS-1-2-2017-01' }),
    );
    await waitFor(
      'TLS 1.2 only',
      () => get('www.example.test'),
      (a) => a.protocol === 'TLSv1.2',
      10_000,
    );
    await expect(get('www.example.test', { minVersion: 'TLSv1.3' })).rejects.toThrow(
      /protocol version|alert/i,
    );
    await expect(get('www.example.test', { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' })).rejects.toThrow();
  });

  it('tells targets the TLS version and cipher suite when the load balancer is asked to, under the listener’s names', async () => {
    expect(seen['x-amzn-tls-version']).toBeUndefined();
    await elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: lbArn,
        Attributes: [{ Key: 'routing.http.x_amzn_tls_version_and_cipher_suite.enabled', Value: 'true' }],
      }),
    );
    await elb.send(
      new ModifyListenerAttributesCommand({
        ListenerArn: listenerArn,
        Attributes: [{ Key: 'routing.http.request.x_amzn_tls_cipher_suite.header_name', Value: 'X-Cipher' }],
      }),
    );
    await waitFor(
      'the headers',
      () => get('www.example.test'),
      () => seen['x-cipher'] !== undefined,
      10_000,
    );
    // The policy (TLS-1-2-2017-01, from the test before) and the RSA default certificate.
    expect(seen['x-amzn-tls-version']).toBe('TLSv1.2');
    expect(seen['x-cipher']).toBe('ECDHE-RSA-AES128-GCM-SHA256');
  });

  it('is verified against the CA: a client that does not trust it refuses the handshake', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: listenerPort,
            servername: 'www.example.test',
            agent: false,
            timeout: 5000,
          },
          resolve,
        );
        req.on('error', reject);
        req.end();
      }),
    ).rejects.toThrow(/self-signed|unable to (get|verify)/i);
  });

  it('shows a certificate OpenSSL refuses in the load balancer’s state, and serves once replaced', async () => {
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listenerArn,
        Certificates: [{ CertificateArn: certs['weak.example.test'] }],
      }),
    );
    const state = async () =>
      (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers![0]!
        .State;
    const impaired = await waitFor('the reason', state, (s) => s?.Code === 'active_impaired', 10_000);
    expect(impaired).toEqual({
      Code: 'active_impaired',
      Reason: tlsFailedReason(listenerPort, 'error:0A00018F:SSL routines::ee key too small'),
    });
    // Meanwhile it keeps the certificate it had.
    expect((await get('www.example.test')).servedName).toBe('www.example.test');
    await elb.send(
      new ModifyListenerCommand({
        ListenerArn: listenerArn,
        Certificates: [{ CertificateArn: certs['api.example.test'] }],
      }),
    );
    await waitFor('the state to recover', state, (s) => s?.Code === 'active', 10_000);
    expect((await get('www.example.test')).servedName).toBe('api.example.test');
  });
});
