/**
 * ELBv2's HTTPS listeners and the operations Terraform reads on every listener and load balancer,
 * from the ELBv2 API reference (CreateListener/ModifyListener's certificate and policy rules,
 * listener certificates, DescribeSSLPolicies, listener attributes, account limits, SetSubnets,
 * SetIpAddressType, DescribeCapacityReservation), through the real SDK and the AWS CLI.
 */
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  DeleteListenerCommand,
  DescribeAccountLimitsCommand,
  DescribeCapacityReservationCommand,
  DescribeListenerAttributesCommand,
  DescribeListenerCertificatesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeSSLPoliciesCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerAttributesCommand,
  ModifyListenerCommand,
  RemoveListenerCertificatesCommand,
  SetIpAddressTypeCommand,
  SetSubnetsCommand,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DeleteServerCertificateCommand,
  IAMClient,
  UploadServerCertificateCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';
import { testPki, type TestPki } from '../test-pki.ts';

let t: TestCloud;
let elb: ElasticLoadBalancingV2Client;
let iam: IAMClient;
let pki: TestPki;
let subnets: string[];
let lbArn: string;
/** IAM server certificate ARNs by name. */
const certs: Record<string, string> = {};
const fixed: Action[] = [
  {
    Type: 'fixed-response',
    FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'ok' },
  },
];

beforeAll(async () => {
  t = await startTestCloud();
  elb = new ElasticLoadBalancingV2Client(t.clientConfig);
  iam = new IAMClient(t.clientConfig);
  pki = testPki();
  const ec2 = new EC2Client(t.clientConfig);
  const found = await ec2.send(new DescribeSubnetsCommand({}));
  ec2.destroy();
  subnets = found.Subnets!.map((s) => s.SubnetId!);
  for (const name of ['www', 'api', 'admin']) {
    const issued = pki.issue([`${name}.example.test`]);
    const { ServerCertificateMetadata } = await iam.send(
      new UploadServerCertificateCommand({
        ServerCertificateName: name,
        CertificateBody: issued.certificate,
        PrivateKey: issued.privateKey,
      }),
    );
    certs[name] = ServerCertificateMetadata!.Arn!;
  }
  lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: 'edge', Subnets: subnets.slice(0, 2) })))
    .LoadBalancers![0]!.LoadBalancerArn!;
});
afterAll(async () => {
  elb.destroy();
  iam.destroy();
  pki.dispose();
  await t.dispose();
});

const https = (port: number, extra: Record<string, unknown> = {}) =>
  elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Protocol: 'HTTPS',
      Port: port,
      DefaultActions: fixed,
      Certificates: [{ CertificateArn: certs.www }],
      ...extra,
    }),
  );

describe('HTTPS listeners', () => {
  it('takes an IAM server certificate and AWS’s default policy, and describes both', async () => {
    const { Listeners } = await https(8443);
    expect(Listeners![0]).toMatchObject({
      Protocol: 'HTTPS',
      Port: 8443,
      SslPolicy: 'ELBSecurityPolicy-2016-08',
      Certificates: [{ CertificateArn: certs.www }],
    });
    // The same listener again is the same listener (idempotent).
    const again = await https(8443);
    expect(again.Listeners![0]!.ListenerArn).toBe(Listeners![0]!.ListenerArn);
    const described = await elb.send(
      new DescribeListenersCommand({ ListenerArns: [Listeners![0]!.ListenerArn!] }),
    );
    expect(described.Listeners![0]!.Certificates).toEqual([{ CertificateArn: certs.www }]);
    await elb.send(new DeleteListenerCommand({ ListenerArn: Listeners![0]!.ListenerArn! }));
  });

  it('refuses what AWS refuses: no certificate, an ACM or unknown one, an unknown policy, TLS on HTTP', async () => {
    expect(await errorOf(https(8444, { Certificates: [] }))).toMatchObject({
      name: 'ValidationError',
      message: 'A certificate must be specified for HTTPS listeners',
    });
    expect(
      await errorOf(
        https(8444, {
          Certificates: [
            {
              CertificateArn:
                'arn:aws:acm:us-east-1:000000000000:certificate/0a1b2c3d-1111-2222-3333-444455556666',
            },
          ],
        }),
      ),
    ).toMatchObject({ name: 'CertificateNotFoundException', message: expect.stringContaining('has no ACM') });
    expect(
      await errorOf(
        https(8444, {
          Certificates: [{ CertificateArn: 'arn:aws:iam::000000000000:server-certificate/nope' }],
        }),
      ),
    ).toMatchObject({ name: 'CertificateNotFoundException' });
    expect(
      await errorOf(https(8444, { MutualAuthentication: { Mode: 'verify', TrustStoreArn: 'arn:aws:x' } })),
    ).toMatchObject({
      name: 'InvalidConfigurationRequestException',
      message: expect.stringContaining('no trust stores'),
    });
    expect(await errorOf(https(8444, { SslPolicy: 'ELBSecurityPolicy-Nope' }))).toMatchObject({
      name: 'SSLPolicyNotFoundException',
    });
    expect(
      await errorOf(
        elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Protocol: 'HTTP',
            Port: 8444,
            DefaultActions: fixed,
            SslPolicy: 'ELBSecurityPolicy-2016-08',
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError' });
    expect(
      await errorOf(
        elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Protocol: 'TCP',
            Port: 8444,
            DefaultActions: fixed,
          }),
        ),
      ),
    ).toMatchObject({ name: 'UnsupportedProtocolException' });
    const { Listeners } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
    expect(Listeners).toEqual([]);
  });

  it('modifies a listener between HTTP and HTTPS as the reference says', async () => {
    const { Listeners } = await https(8445, { SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' });
    const arn = Listeners![0]!.ListenerArn!;
    // Only the certificate changes: the policy stays.
    const swapped = await elb.send(
      new ModifyListenerCommand({ ListenerArn: arn, Certificates: [{ CertificateArn: certs.api }] }),
    );
    expect(swapped.Listeners![0]).toMatchObject({
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      Certificates: [{ CertificateArn: certs.api }],
    });
    // HTTPS to HTTP removes the policy and the default certificate.
    const plain = await elb.send(new ModifyListenerCommand({ ListenerArn: arn, Protocol: 'HTTP' }));
    expect(plain.Listeners![0]).not.toHaveProperty('SslPolicy');
    expect(plain.Listeners![0]).not.toHaveProperty('Certificates');
    // HTTP to HTTPS must bring a certificate.
    expect(
      await errorOf(elb.send(new ModifyListenerCommand({ ListenerArn: arn, Protocol: 'HTTPS' }))),
    ).toMatchObject({
      name: 'ValidationError',
    });
    const secure = await elb.send(
      new ModifyListenerCommand({
        ListenerArn: arn,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: certs.www }],
      }),
    );
    expect(secure.Listeners![0]).toMatchObject({ SslPolicy: 'ELBSecurityPolicy-2016-08', Protocol: 'HTTPS' });
    await elb.send(new DeleteListenerCommand({ ListenerArn: arn }));
  });
});

describe('listener certificates', () => {
  it('adds to the certificate list once, describes default then list, removes, and guards the default', async () => {
    const arn = (await https(8446)).Listeners![0]!.ListenerArn!;
    const added = await elb.send(
      new AddListenerCertificatesCommand({
        ListenerArn: arn,
        Certificates: [{ CertificateArn: certs.api }, { CertificateArn: certs.admin }],
      }),
    );
    expect(added.Certificates).toEqual([
      { CertificateArn: certs.api, IsDefault: false },
      { CertificateArn: certs.admin, IsDefault: false },
    ]);
    await elb.send(
      new AddListenerCertificatesCommand({ ListenerArn: arn, Certificates: [{ CertificateArn: certs.api }] }),
    );
    const described = await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: arn }));
    expect(described.Certificates).toEqual([
      { CertificateArn: certs.www, IsDefault: true },
      { CertificateArn: certs.api, IsDefault: false },
      { CertificateArn: certs.admin, IsDefault: false },
    ]);
    const first = await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: arn, PageSize: 2 }));
    expect(first.Certificates).toHaveLength(2);
    const rest = await elb.send(
      new DescribeListenerCertificatesCommand({ ListenerArn: arn, PageSize: 2, Marker: first.NextMarker }),
    );
    expect(rest.Certificates).toEqual([{ CertificateArn: certs.admin, IsDefault: false }]);

    expect(
      await errorOf(
        elb.send(
          new RemoveListenerCertificatesCommand({
            ListenerArn: arn,
            Certificates: [{ CertificateArn: certs.www }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'OperationNotPermittedException' });
    await elb.send(
      new RemoveListenerCertificatesCommand({
        ListenerArn: arn,
        Certificates: [{ CertificateArn: certs.admin }],
      }),
    );
    expect(
      (await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: arn }))).Certificates,
    ).toHaveLength(2);
    // The default certificate may be in the list too: it is described twice, and removed from the list.
    await elb.send(
      new AddListenerCertificatesCommand({ ListenerArn: arn, Certificates: [{ CertificateArn: certs.www }] }),
    );
    expect(
      (await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: arn }))).Certificates,
    ).toEqual([
      { CertificateArn: certs.www, IsDefault: true },
      { CertificateArn: certs.api, IsDefault: false },
      { CertificateArn: certs.www, IsDefault: false },
    ]);
    await elb.send(
      new RemoveListenerCertificatesCommand({
        ListenerArn: arn,
        Certificates: [{ CertificateArn: certs.www }],
      }),
    );
    expect(
      (await elb.send(new DescribeListenerCertificatesCommand({ ListenerArn: arn }))).Certificates,
    ).toEqual([
      { CertificateArn: certs.www, IsDefault: true },
      { CertificateArn: certs.api, IsDefault: false },
    ]);
    expect(
      await errorOf(
        elb.send(
          new AddListenerCertificatesCommand({
            ListenerArn: arn,
            Certificates: [{ CertificateArn: 'arn:aws:iam::000000000000:server-certificate/gone' }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'CertificateNotFoundException' });

    // IAM will not delete a certificate a listener serves, from its default or its list.
    for (const name of ['www', 'api']) {
      expect(
        await errorOf(iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }))),
      ).toMatchObject({ name: 'DeleteConflictException', message: expect.stringContaining(arn) });
    }
    await elb.send(new DeleteListenerCommand({ ListenerArn: arn }));
    await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'admin' }));
  });
});

describe('DescribeSSLPolicies', () => {
  it('serves AWS’s policies with their protocols and ciphers in priority order', async () => {
    const { SslPolicies } = await elb.send(
      new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-2016-08'] }),
    );
    const policy = SslPolicies![0]!;
    expect(policy.SslProtocols).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2']);
    expect(policy.Ciphers).toHaveLength(18);
    expect(policy.Ciphers![0]).toEqual({ Name: 'ECDHE-ECDSA-AES128-GCM-SHA256', Priority: 1 });
    expect(policy.Ciphers!.at(-1)).toEqual({ Name: 'AES256-SHA', Priority: 18 });
    const tls13 = await elb.send(
      new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-TLS13-1-2-Res-2021-06'] }),
    );
    expect(tls13.SslPolicies![0]).toMatchObject({
      SslProtocols: ['TLSv1.2', 'TLSv1.3'],
      SupportedLoadBalancerTypes: ['application', 'network'],
    });
    expect(tls13.SslPolicies![0]!.Ciphers!.map((c) => c.Name)).toEqual([
      'TLS_AES_128_GCM_SHA256',
      'TLS_AES_256_GCM_SHA384',
      'TLS_CHACHA20_POLY1305_SHA256',
      'ECDHE-ECDSA-AES128-GCM-SHA256',
      'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384',
      'ECDHE-RSA-AES256-GCM-SHA384',
    ]);
    const paged = await elb.send(new DescribeSSLPoliciesCommand({ PageSize: 5 }));
    expect(paged.SslPolicies).toHaveLength(5);
    expect(paged.NextMarker).toBeDefined();
    expect(
      await errorOf(elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-Nope'] }))),
    ).toMatchObject({ name: 'SSLPolicyNotFoundException' });
  });
});

describe('listener attributes', () => {
  it('describes AWS’s keys with their defaults and modifies them, all or nothing', async () => {
    const arn = (await https(8447)).Listeners![0]!.ListenerArn!;
    const { Attributes } = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: arn }));
    const values = Object.fromEntries(Attributes!.map((a) => [a.Key, a.Value]));
    expect(values).toMatchObject({
      'routing.http.request.x_amzn_tls_version.header_name': 'X-Amzn-Tls-Version',
      'routing.http.response.server.enabled': 'true',
      'routing.http.response.strict_transport_security.header_value': '',
    });
    expect(Attributes).toHaveLength(19);
    const changed = await elb.send(
      new ModifyListenerAttributesCommand({
        ListenerArn: arn,
        Attributes: [
          { Key: 'routing.http.response.server.enabled', Value: 'false' },
          { Key: 'routing.http.response.strict_transport_security.header_value', Value: 'max-age=31536000' },
          { Key: 'routing.http.response.access_control_max_age.header_value', Value: '86400' },
        ],
      }),
    );
    expect(Object.fromEntries(changed.Attributes!.map((a) => [a.Key, a.Value]))).toMatchObject({
      'routing.http.response.server.enabled': 'false',
      'routing.http.response.strict_transport_security.header_value': 'max-age=31536000',
    });
    for (const [Key, Value] of [
      ['routing.http.unknown', 'x'],
      ['routing.http.response.server.enabled', 'yes'],
      ['routing.http.response.x_frame_options.header_value', 'ALLOW'],
      ['routing.http.response.access_control_max_age.header_value', '86401'],
      ['routing.http.request.x_amzn_tls_version.header_name', 'Bad Header'],
    ] as const) {
      expect(
        await errorOf(
          elb.send(
            new ModifyListenerAttributesCommand({
              ListenerArn: arn,
              Attributes: [
                { Key: 'routing.http.response.x_frame_options.header_value', Value: 'DENY' },
                { Key, Value },
              ],
            }),
          ),
        ),
      ).toMatchObject({ name: 'ValidationError' });
    }
    // The valid change in a refused request was not kept.
    const after = await elb.send(new DescribeListenerAttributesCommand({ ListenerArn: arn }));
    expect(after.Attributes).toContainEqual({
      Key: 'routing.http.response.x_frame_options.header_value',
      Value: '',
    });
    expect(
      await errorOf(
        elb.send(new DescribeListenerAttributesCommand({ ListenerArn: `${arn.slice(0, -4)}0000` })),
      ),
    ).toMatchObject({ name: 'ListenerNotFoundException' });
    await elb.send(new DeleteListenerCommand({ ListenerArn: arn }));
  });
});

describe('account limits, subnets, IP address type, capacity reservation', () => {
  it('reports AWS’s default quotas', async () => {
    const { Limits } = await elb.send(new DescribeAccountLimitsCommand({}));
    const limits = Object.fromEntries(Limits!.map((l) => [l.Name, l.Max]));
    expect(limits).toMatchObject({
      'application-load-balancers': '50',
      'listeners-per-application-load-balancer': '50',
      'rules-per-application-load-balancer': '100',
      'target-groups': '3000',
      'certificates-per-application-load-balancer': '25',
    });
  });

  it('replaces the subnets (two zones at least, the same VPC)', async () => {
    // The default VPC has a subnet in every zone.
    const third = subnets[2]!;
    const { AvailabilityZones, IpAddressType } = await elb.send(
      new SetSubnetsCommand({ LoadBalancerArn: lbArn, Subnets: [subnets[0]!, third] }),
    );
    expect(AvailabilityZones!.map((z) => z.SubnetId).sort()).toEqual([subnets[0]!, third].sort());
    expect(IpAddressType).toBe('ipv4');
    const lb = (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })))
      .LoadBalancers![0]!;
    expect(lb.AvailabilityZones!.map((z) => z.SubnetId).sort()).toEqual([subnets[0]!, third].sort());
    expect(
      await errorOf(elb.send(new SetSubnetsCommand({ LoadBalancerArn: lbArn, Subnets: [subnets[0]!] }))),
    ).toMatchObject({ name: 'ValidationError' });
    expect(
      await errorOf(
        elb.send(
          new SetSubnetsCommand({
            LoadBalancerArn: lbArn,
            Subnets: ['subnet-0000000000000dead', subnets[0]!],
          }),
        ),
      ),
    ).toMatchObject({ name: 'SubnetNotFoundException' });
  });

  it('keeps ipv4 and refuses dualstack on subnets without IPv6, and IPv6-only public on internal', async () => {
    expect(
      (await elb.send(new SetIpAddressTypeCommand({ LoadBalancerArn: lbArn, IpAddressType: 'ipv4' })))
        .IpAddressType,
    ).toBe('ipv4');
    expect(
      await errorOf(
        elb.send(new SetIpAddressTypeCommand({ LoadBalancerArn: lbArn, IpAddressType: 'dualstack' })),
      ),
    ).toMatchObject({ name: 'InvalidSubnetException', message: expect.stringContaining('IPv6') });
    const internal = (
      await elb.send(
        new CreateLoadBalancerCommand({ Name: 'inside', Scheme: 'internal', Subnets: subnets.slice(0, 2) }),
      )
    ).LoadBalancers![0]!.LoadBalancerArn!;
    expect(
      await errorOf(
        elb.send(
          new SetIpAddressTypeCommand({
            LoadBalancerArn: internal,
            IpAddressType: 'dualstack-without-public-ipv4',
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidConfigurationRequestException' });
    expect(
      await errorOf(
        elb.send(
          new CreateLoadBalancerCommand({
            Name: 'dual',
            IpAddressType: 'dualstack',
            Subnets: subnets.slice(0, 2),
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidSubnetException' });
  });

  it('answers a load balancer without a capacity reservation', async () => {
    const reservation = await elb.send(new DescribeCapacityReservationCommand({ LoadBalancerArn: lbArn }));
    expect(reservation.CapacityReservationState).toEqual([]);
    expect(reservation.MinimumLoadBalancerCapacity).toBeUndefined();
    expect(
      await errorOf(
        elb.send(
          new DescribeCapacityReservationCommand({
            LoadBalancerArn: lbArn.replace(/[0-9a-f]{16}$/, '0000000000000000'),
          }),
        ),
      ),
    ).toMatchObject({ name: 'LoadBalancerNotFoundException' });
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it(
    'creates an HTTPS listener, adds a certificate, reads policies, limits and sets the IP type',
    { timeout: 180_000 },
    async () => {
      const created = (
        await t.aws([
          'elbv2',
          'create-listener',
          '--load-balancer-arn',
          lbArn,
          '--protocol',
          'HTTPS',
          '--port',
          '9443',
          '--certificates',
          `CertificateArn=${certs.www}`,
          '--ssl-policy',
          'ELBSecurityPolicy-TLS13-1-2-2021-06',
          '--default-actions',
          JSON.stringify(fixed),
        ])
      ).json as { Listeners: Array<{ ListenerArn: string; SslPolicy: string }> };
      const arn = created.Listeners[0]!.ListenerArn;
      expect(created.Listeners[0]!.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
      await t.aws([
        'elbv2',
        'add-listener-certificates',
        '--listener-arn',
        arn,
        '--certificates',
        `CertificateArn=${certs.api}`,
      ]);
      const listed = (await t.aws(['elbv2', 'describe-listener-certificates', '--listener-arn', arn]))
        .json as {
        Certificates: Array<{ CertificateArn: string; IsDefault: boolean }>;
      };
      expect(listed.Certificates).toEqual([
        { CertificateArn: certs.www, IsDefault: true },
        { CertificateArn: certs.api, IsDefault: false },
      ]);
      // The CLI pages through every policy by itself.
      const policies = (await t.aws(['elbv2', 'describe-ssl-policies'])).json as {
        SslPolicies: Array<{ Name: string }>;
      };
      expect(policies.SslPolicies.map((p) => p.Name)).toContain('ELBSecurityPolicy-TLS13-1-3-2021-06');
      const limits = (await t.aws(['elbv2', 'describe-account-limits'])).json as {
        Limits: Array<{ Name: string }>;
      };
      expect(limits.Limits.map((l) => l.Name)).toContain('targets-per-application-load-balancer');
      await expect(
        t.aws([
          'elbv2',
          'set-ip-address-type',
          '--load-balancer-arn',
          lbArn,
          '--ip-address-type',
          'dualstack',
        ]),
      ).rejects.toThrow(/InvalidSubnet/);
      await t.aws(['elbv2', 'delete-listener', '--listener-arn', arn]);
    },
  );
});
