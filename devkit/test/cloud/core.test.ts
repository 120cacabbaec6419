/**
 * The local cloud's core: routing, the three wire protocols' error handling, and state that
 * survives restarts and concurrency. Services are exercised in their own suites; here a small
 * service built on the real ECS and IAM SDK schemas drives the codecs.
 */
import * as ecsSdk from '@aws-sdk/client-ecs';
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import * as iamSdk from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/cloud/gateway.ts';
import { BlobStore } from '../../src/cloud/registry/blob-store.ts';
import { ServiceError } from '../../src/cloud/protocol/errors.ts';
import type { AnyServiceDefinition, Handler } from '../../src/cloud/service-definition.ts';
import { startCloud } from '../../src/cloud/server.ts';
import { StateFileError, StateStore } from '../../src/cloud/state/store.ts';
import { awsCliAvailable, credentials, startTestCloud, type TestCloud } from './harness.ts';

interface ClusterState {
  clusters: string[];
}

const createCluster: Handler<ecsSdk.CreateClusterRequest, ecsSdk.CreateClusterResponse, ClusterState> = (
  input,
  ctx,
) => {
  const name = input.clusterName ?? 'default';
  if (ctx.state.clusters.includes(name))
    throw new ServiceError('exists', { code: 'InvalidParameterException' });
  ctx.state.clusters.push(name);
  return {
    cluster: { clusterName: name, clusterArn: `arn:aws:ecs:${ctx.region}:${ctx.accountId}:cluster/${name}` },
  };
};

const listClusters: Handler<ecsSdk.ListClustersRequest, ecsSdk.ListClustersResponse, ClusterState> = (
  _i,
  ctx,
) => ({
  clusterArns: ctx.state.clusters.map((n) => `arn:aws:ecs:${ctx.region}:${ctx.accountId}:cluster/${n}`),
});

// Echoes its decoded input back through a real IAM output shape, to check query decoding.
const getRole: Handler<iamSdk.GetRoleRequest, iamSdk.GetRoleResponse> = (input) => ({
  Role: {
    RoleName: input.RoleName,
    Path: '/',
    RoleId: 'AROAEXAMPLE',
    Arn: `arn:aws:iam::000000000000:role/${input.RoleName}`,
    CreateDate: new Date('2026-01-02T03:04:05Z'),
    Tags: [{ Key: 'team', Value: 'a&b<c>' }],
  },
});

const testServices: AnyServiceDefinition[] = [
  {
    signingName: 'ecs',
    protocol: 'awsJson1_1',
    constraintError: 'InvalidParameterException',
    targetPrefix: 'AmazonEC2ContainerServiceV20141113',
    schemas: ecsSdk,
    initialState: () => ({ clusters: [] }),
    operations: { CreateCluster: createCluster, ListClusters: listClusters },
  },
  {
    signingName: 'iam',
    protocol: 'awsQuery',
    constraintError: 'ValidationError',
    xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    schemas: iamSdk,
    global: true,
    initialState: () => ({}),
    operations: { GetRole: getRole },
  },
];

async function serve(store: StateStore, blobs: BlobStore): Promise<{ server: Server; url: string }> {
  const gateway = new Gateway({ services: testServices, store, blobs });
  const server = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const jsonHeaders = (operation: string) => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
  authorization:
    'AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/ecs/aws4_request, SignedHeaders=host, Signature=x',
});

describe('gateway and protocols', () => {
  let dataDir: string;
  let store: StateStore;
  let blobs: BlobStore;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'devkit-core-'));
    store = await StateStore.open(dataDir);
    blobs = await BlobStore.open(dataDir);
    ({ server, url } = await serve(store, blobs));
  });
  afterAll(async () => {
    await close(server);
    await blobs.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves an awsJson operation through the unmodified SDK, per region', async () => {
    const eu = new ECSClient({ endpoint: url, region: 'eu-west-1', credentials });
    const us = new ECSClient({ endpoint: url, region: 'us-east-1', credentials });
    const created = await eu.send(new CreateClusterCommand({ clusterName: 'alpha' }));
    expect(created.cluster?.clusterArn).toBe('arn:aws:ecs:eu-west-1:000000000000:cluster/alpha');
    expect((await eu.send(new ListClustersCommand({}))).clusterArns).toEqual([created.cluster?.clusterArn]);
    expect((await us.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('surfaces handler errors with their AWS name through the SDK', async () => {
    const eu = new ECSClient({ endpoint: url, region: 'eu-west-1', credentials });
    await expect(eu.send(new CreateClusterCommand({ clusterName: 'alpha' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers malformed JSON, wrong types and unknown operations with 4xx protocol errors', async () => {
    const malformed = await fetch(url, {
      method: 'POST',
      headers: jsonHeaders('CreateCluster'),
      body: '{"clusterName":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ __type: 'SerializationException' });

    const wrongType = await fetch(url, {
      method: 'POST',
      headers: jsonHeaders('CreateCluster'),
      body: '{"clusterName":5}',
    });
    expect(wrongType.status).toBe(400);
    expect(await wrongType.json()).toEqual({
      __type: 'SerializationException',
      message: 'NUMBER_VALUE can not be converted to a String',
    });

    const unknown = await fetch(url, { method: 'POST', headers: jsonHeaders('LaunchRockets'), body: '{}' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      __type: 'UnknownOperationException',
      message: expect.stringContaining('LaunchRockets'),
    });

    const unknownService = await fetch(url, {
      method: 'POST',
      headers: { ...jsonHeaders('x'), 'x-amz-target': 'NoSuchService_2020.DoIt' },
      body: '{}',
    });
    expect(unknownService.status).toBe(400);

    // And the server keeps serving.
    const ok = await fetch(url, { method: 'POST', headers: jsonHeaders('ListClusters'), body: '{}' });
    expect(ok.status).toBe(200);
  });

  it('rejects a request body that is not a JSON object', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...jsonHeaders('x'), 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters' },
      body: '[]',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('decodes awsQuery input and encodes XML output the SDK reads back', async () => {
    const iam = new iamSdk.IAMClient({ endpoint: url, region: 'us-east-1', credentials });
    const { Role } = await iam.send(new iamSdk.GetRoleCommand({ RoleName: 'app-exec' }));
    expect(Role).toMatchObject({
      RoleName: 'app-exec',
      CreateDate: new Date('2026-01-02T03:04:05Z'),
      Tags: [{ Key: 'team', Value: 'a&b<c>' }],
    });
  });

  it('answers query protocol mistakes with XML errors', async () => {
    const form = (body: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x',
        },
        body,
      });
    const missing = await form('Action=GetRole&Version=2010-05-08');
    expect(missing.status).toBe(400);
    const missingXml = await missing.text();
    expect(missingXml).toContain('<Code>ValidationError</Code>');
    expect(missingXml).toContain(
      "Value null at 'RoleName' failed to satisfy constraint: Member must not be null",
    );

    const unknown = await form('Action=LaunchRockets&Version=2010-05-08');
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('has every acknowledged mutation of many concurrent requests on disk before any snapshot', async () => {
    const client = new ECSClient({ endpoint: url, region: 'us-west-2', credentials });
    const names = Array.from({ length: 200 }, (_, i) => `c${i}`);
    await Promise.all(names.map((clusterName) => client.send(new CreateClusterCommand({ clusterName }))));
    // No flush: an acknowledged call is in the journal already, as a kill -9 would leave it.
    const recovered = await StateStore.open(dataDir);
    const clusters = recovered.slice<ClusterState>('ecs', 'us-west-2', () => ({ clusters: [] })).clusters;
    expect([...clusters].sort()).toEqual([...names].sort());

    await store.flush();
    const saved = JSON.parse(await readFile(join(dataDir, 'state', 'ecs.json'), 'utf8')) as {
      regions: Record<string, ClusterState>;
    };
    expect(saved.regions['us-west-2']?.clusters.sort()).toEqual([...names].sort());
  });
});

describe('state files', () => {
  it('refuses to start on a corrupt state file, naming it and leaving it untouched', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'devkit-corrupt-'));
    try {
      await mkdir(join(dataDir, 'state'));
      const path = join(dataDir, 'state', 'ecs.json');
      await writeFile(path, '{"us-east-1": {"clusters": [');
      const error = await startCloud({ port: 0, dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateFileError);
      expect((error as Error).message).toContain(path);
      expect(await readFile(path, 'utf8')).toBe('{"us-east-1": {"clusters": [');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the local cloud endpoint', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await startTestCloud();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('reports each service and its version on /_devkit/health', async () => {
    const res = await fetch(`${t.cloud.url}/_devkit/health`);
    expect(res.status).toBe(200);
    const health = (await res.json()) as { version: string; services: Record<string, string> };
    expect(health.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(health.services.sts).toBe('running');
  });

  it('answers STS GetCallerIdentity through the SDK', async () => {
    const sts = new STSClient(t.clientConfig);
    expect(await sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: '000000000000',
      Arn: 'arn:aws:iam::000000000000:root',
    });
  });

  it.skipIf(!awsCliAvailable)('answers the real AWS CLI v2', async () => {
    const { json } = await t.aws(['sts', 'get-caller-identity']);
    expect(json).toEqual({
      UserId: '000000000000',
      Account: '000000000000',
      Arn: 'arn:aws:iam::000000000000:root',
    });
    const failure = await t.aws(['sts', 'assume-role-with-saml-x']).catch((e: { stderr: string }) => e);
    expect(failure).toHaveProperty('stderr');
  });
});
