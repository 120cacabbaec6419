/**
 * IAM server certificates, from the IAM API reference (UploadServerCertificate and its siblings, their
 * error tables), through the real SDK and the AWS CLI. Certificates come from test-pki.ts.
 */
import {
  DeleteServerCertificateCommand,
  GetAccountSummaryCommand,
  GetServerCertificateCommand,
  IAMClient,
  ListServerCertificatesCommand,
  ListServerCertificateTagsCommand,
  TagServerCertificateCommand,
  UntagServerCertificateCommand,
  UpdateServerCertificateCommand,
  UploadServerCertificateCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';
import { testPki, type Issued, type TestPki } from '../test-pki.ts';

let t: TestCloud;
let iam: IAMClient;
let pki: TestPki;
let web: Issued;
let other: Issued;

beforeAll(async () => {
  t = await startTestCloud();
  iam = new IAMClient(t.clientConfig);
  pki = testPki();
  web = pki.issue(['www.example.test']);
  other = pki.issue(['other.example.test'], 'ec');
});
afterAll(async () => {
  iam.destroy();
  pki.dispose();
  await t.dispose();
});

const upload = (name: string, cert: Issued, extra: Record<string, unknown> = {}) =>
  iam.send(
    new UploadServerCertificateCommand({
      ServerCertificateName: name,
      CertificateBody: cert.certificate,
      PrivateKey: cert.privateKey,
      ...extra,
    }),
  );

describe('UploadServerCertificate', () => {
  it('keeps the certificate, chain and tags, answers its metadata, and never returns the key', async () => {
    const { ServerCertificateMetadata, Tags } = await upload('ProdServerCert', web, {
      Path: '/company/servercerts/',
      CertificateChain: pki.ca,
      Tags: [{ Key: 'env', Value: 'prod' }],
    });
    expect(ServerCertificateMetadata).toMatchObject({
      Path: '/company/servercerts/',
      ServerCertificateName: 'ProdServerCert',
      Arn: 'arn:aws:iam::000000000000:server-certificate/company/servercerts/ProdServerCert',
    });
    expect(ServerCertificateMetadata!.ServerCertificateId).toMatch(/^ASCA[A-Z2-7]{17}$/);
    // notAfter of a two-day certificate.
    const days = (ServerCertificateMetadata!.Expiration!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(1.9);
    expect(days).toBeLessThan(2.1);
    expect(Tags).toEqual([{ Key: 'env', Value: 'prod' }]);

    const { ServerCertificate } = await iam.send(
      new GetServerCertificateCommand({ ServerCertificateName: 'ProdServerCert' }),
    );
    expect(ServerCertificate!.CertificateBody).toBe(web.certificate.trim());
    expect(ServerCertificate!.CertificateChain).toBe(pki.ca.trim());
    expect(ServerCertificate!.Tags).toEqual([{ Key: 'env', Value: 'prod' }]);
    expect(JSON.stringify(ServerCertificate)).not.toContain('PRIVATE KEY');
  });

  it('refuses what IAM refuses: a malformed certificate, chain or key, a key of another pair, a name taken', async () => {
    expect(await errorOf(upload('bad-body', { ...web, certificate: 'not a certificate' }))).toMatchObject({
      name: 'MalformedCertificateException',
      message: expect.stringContaining('Unable to parse certificate'),
    });
    const broken = web.certificate.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    expect((await errorOf(upload('bad-der', { ...web, certificate: broken }))).name).toBe(
      'MalformedCertificateException',
    );
    expect(
      await errorOf(
        upload('bad-chain', web, {
          CertificateChain: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        }),
      ),
    ).toMatchObject({ name: 'MalformedCertificateException', message: expect.stringContaining('chain') });
    expect(await errorOf(upload('bad-key', { ...web, privateKey: 'not a key' }))).toMatchObject({
      name: 'MalformedCertificateException',
      message: expect.stringContaining('private key'),
    });
    expect(await errorOf(upload('mismatch', { ...web, privateKey: other.privateKey }))).toMatchObject({
      name: 'KeyPairMismatchException',
      message: "Public key certificate and private key doesn't match.",
    });
    expect(await errorOf(upload('prodservercert', web))).toMatchObject({
      name: 'EntityAlreadyExistsException',
    });
    expect(await errorOf(upload('bad-path', web, { Path: 'no-slashes' }))).toMatchObject({
      name: 'ValidationError',
    });
    const { ServerCertificateMetadataList } = await iam.send(new ListServerCertificatesCommand({}));
    expect(ServerCertificateMetadataList!.map((c) => c.ServerCertificateName)).toEqual(['ProdServerCert']);
  });
});

describe('listing, renaming, tagging, deleting', () => {
  it('lists by path prefix, a page at a time', async () => {
    await upload('alpha', other, { Path: '/edge/' });
    await upload('beta', other, { Path: '/edge/' });
    const edge = await iam.send(new ListServerCertificatesCommand({ PathPrefix: '/edge/', MaxItems: 1 }));
    expect(edge.ServerCertificateMetadataList!.map((c) => c.ServerCertificateName)).toEqual(['alpha']);
    expect(edge.IsTruncated).toBe(true);
    const next = await iam.send(
      new ListServerCertificatesCommand({ PathPrefix: '/edge/', MaxItems: 1, Marker: edge.Marker }),
    );
    expect(next.ServerCertificateMetadataList!.map((c) => c.ServerCertificateName)).toEqual(['beta']);
    expect(next.IsTruncated).toBe(false);
    const all = await iam.send(new ListServerCertificatesCommand({}));
    expect(all.ServerCertificateMetadataList).toHaveLength(3);
    const { SummaryMap } = await iam.send(new GetAccountSummaryCommand({}));
    expect(SummaryMap).toMatchObject({ ServerCertificates: 3, ServerCertificatesQuota: 20 });
    // Listing leaves tags out, as the reference says.
    expect(all.ServerCertificateMetadataList!.every((c) => !('Tags' in c))).toBe(true);
  });

  it('renames and moves a certificate (its id stays), refusing a name taken', async () => {
    const before = (await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'alpha' })))
      .ServerCertificate!.ServerCertificateMetadata!;
    await iam.send(
      new UpdateServerCertificateCommand({
        ServerCertificateName: 'alpha',
        NewServerCertificateName: 'gamma',
        NewPath: '/moved/',
      }),
    );
    const after = (await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'gamma' })))
      .ServerCertificate!.ServerCertificateMetadata!;
    expect(after).toMatchObject({
      Path: '/moved/',
      Arn: 'arn:aws:iam::000000000000:server-certificate/moved/gamma',
      ServerCertificateId: before.ServerCertificateId,
    });
    expect(
      await errorOf(iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'alpha' }))),
    ).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The Server Certificate with name alpha cannot be found.',
    });
    expect(
      await errorOf(
        iam.send(
          new UpdateServerCertificateCommand({
            ServerCertificateName: 'gamma',
            NewServerCertificateName: 'Beta',
          }),
        ),
      ),
    ).toMatchObject({ name: 'EntityAlreadyExistsException' });
  });

  it('tags and untags, listing tags sorted by key', async () => {
    await iam.send(
      new TagServerCertificateCommand({
        ServerCertificateName: 'beta',
        Tags: [
          { Key: 'team', Value: 'edge' },
          { Key: 'cost', Value: '42' },
        ],
      }),
    );
    await iam.send(
      new TagServerCertificateCommand({
        ServerCertificateName: 'beta',
        Tags: [{ Key: 'team', Value: 'web' }],
      }),
    );
    const { Tags } = await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'beta' }));
    expect(Tags).toEqual([
      { Key: 'cost', Value: '42' },
      { Key: 'team', Value: 'web' },
    ]);
    await iam.send(new UntagServerCertificateCommand({ ServerCertificateName: 'beta', TagKeys: ['cost'] }));
    expect(
      (await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'beta' }))).Tags,
    ).toEqual([{ Key: 'team', Value: 'web' }]);
    expect(
      await errorOf(
        iam.send(
          new TagServerCertificateCommand({
            ServerCertificateName: 'nope',
            Tags: [{ Key: 'a', Value: 'b' }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'NoSuchEntityException' });
  });

  it('deletes a certificate no listener uses, and the deletion survives a restart', async () => {
    await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'beta' }));
    expect(
      await errorOf(iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'beta' }))),
    ).toMatchObject({ name: 'NoSuchEntityException' });
    await t.stop();
    await t.restart();
    iam.destroy();
    iam = new IAMClient(t.clientConfig);
    const { ServerCertificateMetadataList } = await iam.send(new ListServerCertificatesCommand({}));
    expect(ServerCertificateMetadataList!.map((c) => c.ServerCertificateName).sort()).toEqual([
      'ProdServerCert',
      'gamma',
    ]);
  });
});

describe('the account quota', () => {
  it('holds 20 server certificates, then LimitExceeded', async () => {
    const held = (await iam.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList!
      .length;
    const names = Array.from({ length: 20 - held }, (_, i) => `bulk-${i}`);
    for (const name of names) await upload(name, other);
    expect(await errorOf(upload('one-more', other))).toMatchObject({
      name: 'LimitExceededException',
      message: 'Cannot exceed quota for ServerCertificatesPerAccount: 20.',
    });
    for (const name of names) {
      await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }));
    }
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('uploads from files, gets, lists and deletes a server certificate', { timeout: 120_000 }, async () => {
    const cert = pki.issue(['cli.example.test']);
    const uploaded = (
      await t.aws([
        'iam',
        'upload-server-certificate',
        '--server-certificate-name',
        'cli-cert',
        '--certificate-body',
        cert.certificate,
        '--private-key',
        cert.privateKey,
      ])
    ).json as { ServerCertificateMetadata: { Arn: string } };
    expect(uploaded.ServerCertificateMetadata.Arn).toBe(
      'arn:aws:iam::000000000000:server-certificate/cli-cert',
    );
    const got = (await t.aws(['iam', 'get-server-certificate', '--server-certificate-name', 'cli-cert']))
      .json as { ServerCertificate: { CertificateBody: string } };
    expect(got.ServerCertificate.CertificateBody).toBe(cert.certificate.trim());
    const listed = (await t.aws(['iam', 'list-server-certificates'])).json as {
      ServerCertificateMetadataList: Array<{ ServerCertificateName: string }>;
    };
    expect(listed.ServerCertificateMetadataList.map((c) => c.ServerCertificateName)).toContain('cli-cert');
    await t.aws(['iam', 'delete-server-certificate', '--server-certificate-name', 'cli-cert']);
    await expect(
      t.aws([
        'iam',
        'upload-server-certificate',
        '--server-certificate-name',
        'x',
        '--certificate-body',
        cert.certificate,
        '--private-key',
        web.privateKey,
      ]),
    ).rejects.toThrow(/KeyPairMismatch/);
  });
});
