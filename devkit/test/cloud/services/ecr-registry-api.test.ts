/**
 * ECR's registry API (layers.ts, put-image.ts, policies.ts, repository settings) through the real
 * SDK and the real AWS CLI: an image pushed with the layer API and PutImage is pulled through the
 * Docker registry route, and one pushed through the route is read back with the API; tag
 * immutability holds both ways. Requests and answers follow the AWS CLI's documented examples
 * (awscli/examples/ecr/*.rst) and the error shapes of ECR's model.
 */
import {
  BatchCheckLayerAvailabilityCommand,
  BatchGetImageCommand,
  CompleteLayerUploadCommand,
  CreateRepositoryCommand,
  DeleteRegistryPolicyCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetDownloadUrlForLayerCommand,
  GetRegistryPolicyCommand,
  InitiateLayerUploadCommand,
  PutImageCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
  PutRegistryPolicyCommand,
  PutReplicationConfigurationCommand,
  UploadLayerPartCommand,
} from '@aws-sdk/client-ecr';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';
import { DOCKER_MANIFEST, RegistryClient, registryAuthorization, sha256 } from '../registry-client.ts';

let t: TestCloud;
let ecr: ECRClient;
let registry: RegistryClient;

beforeAll(async () => {
  t = await startTestCloud();
  ecr = new ECRClient(t.clientConfig);
  registry = new RegistryClient(t, await registryAuthorization(t));
});

afterAll(async () => {
  ecr.destroy();
  await t.dispose();
});

/** Uploads `bytes` with the layer API in parts of `partSize`; returns its digest. */
async function uploadLayer(repositoryName: string, bytes: Buffer, partSize = bytes.length): Promise<string> {
  const { uploadId, partSize: recommended } = await ecr.send(
    new InitiateLayerUploadCommand({ repositoryName }),
  );
  expect(recommended).toBe(10485760);
  for (let first = 0; first < bytes.length; first += partSize) {
    const part = bytes.subarray(first, first + partSize);
    const sent = await ecr.send(
      new UploadLayerPartCommand({
        repositoryName,
        uploadId,
        partFirstByte: first,
        partLastByte: first + part.length - 1,
        layerPartBlob: part,
      }),
    );
    expect(sent).toMatchObject({
      uploadId,
      repositoryName,
      registryId: '000000000000',
      lastByteReceived: first + part.length - 1,
    });
  }
  const digest = sha256(bytes);
  const done = await ecr.send(
    new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }),
  );
  expect(done).toMatchObject({ uploadId, layerDigest: digest, repositoryName, registryId: '000000000000' });
  return digest;
}

function manifestFor(config: Buffer, layer: Buffer): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_MANIFEST,
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: config.length,
      digest: sha256(config),
    },
    layers: [
      {
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
        size: layer.length,
        digest: sha256(layer),
      },
    ],
  });
}

describe('ECR layer API and PutImage', () => {
  it('pushes an image without Docker that the registry route then serves, layer bytes and all', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'api/push' }));
    const layer = randomBytes(3000);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux' }));
    const layerDigest = await uploadLayer('api/push', layer, 1024);
    const configDigest = await uploadLayer('api/push', config);

    const check = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({
        repositoryName: 'api/push',
        layerDigests: [layerDigest, sha256('never pushed'), 'nonsense'],
      }),
    );
    expect(check.layers).toEqual([
      {
        layerDigest,
        layerAvailability: 'AVAILABLE',
        layerSize: 3000,
        mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      },
      { layerDigest: sha256('never pushed'), layerAvailability: 'UNAVAILABLE' },
    ]);
    expect(check.failures).toEqual([
      { layerDigest: 'nonsense', failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' },
    ]);

    const manifest = manifestFor(config, layer);
    const put = await ecr.send(
      new PutImageCommand({ repositoryName: 'api/push', imageManifest: manifest, imageTag: 'v1' }),
    );
    expect(put.image).toEqual({
      registryId: '000000000000',
      repositoryName: 'api/push',
      imageId: { imageDigest: sha256(manifest), imageTag: 'v1' },
      imageManifest: manifest,
      imageManifestMediaType: DOCKER_MANIFEST,
    });

    const pulled = await registry.fetch('/v2/api/push/manifests/v1', {
      headers: { accept: DOCKER_MANIFEST },
    });
    expect(pulled.status).toBe(200);
    expect(pulled.headers.get('docker-content-digest')).toBe(sha256(manifest));
    expect(await pulled.text()).toBe(manifest);
    const blob = await registry.fetch(`/v2/api/push/blobs/${layerDigest}`);
    expect(Buffer.from(await blob.arrayBuffer()).equals(layer)).toBe(true);
    expect(configDigest).toBe(sha256(config));
  });

  it('serves what the registry route pushed: BatchGetImage, layer checks and a download URL that needs no credentials', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'api/pull' }));
    const pushed = await registry.pushImage('api/pull', 'v1', 500);
    expect(pushed.response.status).toBe(201);
    const layerDigest = (JSON.parse(pushed.manifest) as { layers: [{ digest: string }] }).layers[0].digest;

    const { images } = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'api/pull', imageIds: [{ imageTag: 'v1' }] }),
    );
    expect(images?.[0]?.imageManifest).toBe(pushed.manifest);
    const check = await ecr.send(
      new BatchCheckLayerAvailabilityCommand({ repositoryName: 'api/pull', layerDigests: [layerDigest] }),
    );
    expect(check.layers?.[0]).toMatchObject({ layerAvailability: 'AVAILABLE', layerSize: 500 });

    const { downloadUrl, layerDigest: echoed } = await ecr.send(
      new GetDownloadUrlForLayerCommand({ repositoryName: 'api/pull', layerDigest }),
    );
    expect(echoed).toBe(layerDigest);
    const download = await fetch(downloadUrl!);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(sha256(bytes)).toBe(layerDigest);
    // The URL reads that blob only: its token opens no manifest, and a forged one nothing.
    const manifestUrl = new URL(downloadUrl!);
    manifestUrl.pathname = '/v2/api/pull/manifests/v1';
    expect((await fetch(manifestUrl)).status).toBe(401);
    const forged = new URL(downloadUrl!);
    forged.searchParams.set('token', 'x.y');
    expect((await fetch(forged)).status).toBe(401);

    expect(
      await errorOf(
        ecr.send(
          new GetDownloadUrlForLayerCommand({ repositoryName: 'api/pull', layerDigest: sha256('none') }),
        ),
      ),
    ).toEqual({
      name: 'LayersNotFoundException',
      message: `The image layer '${sha256('none')}' does not exist in the repository with name 'api/pull' in the registry with id '000000000000'`,
    });
  });

  it('refuses parts out of order, unknown uploads, wrong digests, missing layers and repeated images as ECR does', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'api/errors' }));
    const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName: 'api/errors' }));
    const part = (first: number, bytes: Buffer) =>
      ecr.send(
        new UploadLayerPartCommand({
          repositoryName: 'api/errors',
          uploadId,
          partFirstByte: first,
          partLastByte: first + bytes.length - 1,
          layerPartBlob: bytes,
        }),
      );
    expect((await errorOf(part(5, Buffer.from('abc')))).name).toBe('InvalidLayerPartException');
    expect(
      (
        await errorOf(
          ecr.send(
            new CompleteLayerUploadCommand({
              repositoryName: 'api/errors',
              uploadId,
              layerDigests: [sha256('')],
            }),
          ),
        )
      ).name,
    ).toBe('EmptyUploadException');
    await part(0, Buffer.from('abc'));
    expect(
      (
        await errorOf(
          ecr.send(
            new CompleteLayerUploadCommand({
              repositoryName: 'api/errors',
              uploadId,
              layerDigests: [sha256('abd')],
            }),
          ),
        )
      ).name,
    ).toBe('InvalidLayerException');
    const unknown = await errorOf(
      ecr.send(
        new UploadLayerPartCommand({
          repositoryName: 'api/errors',
          uploadId: '6cb64b8a-9378-0e33-2ab1-b780fab8a9e9',
          partFirstByte: 0,
          partLastByte: 0,
          layerPartBlob: Buffer.from('a'),
        }),
      ),
    );
    expect(unknown).toEqual({
      name: 'UploadNotFoundException',
      message:
        "Upload with id '6cb64b8a-9378-0e33-2ab1-b780fab8a9e9' is not found in the repository with name 'api/errors' in the registry with id '000000000000'",
    });

    const layer = Buffer.from('layer');
    const config = Buffer.from('{}');
    const manifest = manifestFor(config, layer);
    const missing = await errorOf(
      ecr.send(
        new PutImageCommand({ repositoryName: 'api/errors', imageManifest: manifest, imageTag: 'v1' }),
      ),
    );
    expect(missing.name).toBe('LayersNotFoundException');
    expect(missing.message).toContain(sha256(layer));
    await uploadLayer('api/errors', layer);
    await uploadLayer('api/errors', config);
    const { uploadId: again } = await ecr.send(
      new InitiateLayerUploadCommand({ repositoryName: 'api/errors' }),
    );
    await ecr.send(
      new UploadLayerPartCommand({
        repositoryName: 'api/errors',
        uploadId: again,
        partFirstByte: 0,
        partLastByte: 4,
        layerPartBlob: layer,
      }),
    );
    expect(
      (
        await errorOf(
          ecr.send(
            new CompleteLayerUploadCommand({
              repositoryName: 'api/errors',
              uploadId: again,
              layerDigests: [sha256(layer)],
            }),
          ),
        )
      ).name,
    ).toBe('LayerAlreadyExistsException');

    expect(
      (
        await errorOf(
          ecr.send(
            new PutImageCommand({
              repositoryName: 'api/errors',
              imageManifest: manifest,
              imageDigest: sha256('other'),
            }),
          ),
        )
      ).name,
    ).toBe('ImageDigestDoesNotMatchException');
    expect(
      (
        await errorOf(
          ecr.send(
            new PutImageCommand({
              repositoryName: 'api/errors',
              imageManifest: '{"schemaVersion":',
              imageTag: 'x',
            }),
          ),
        )
      ).name,
    ).toBe('InvalidParameterException');
    await ecr.send(
      new PutImageCommand({ repositoryName: 'api/errors', imageManifest: manifest, imageTag: 'v1' }),
    );
    expect(
      await errorOf(
        ecr.send(
          new PutImageCommand({ repositoryName: 'api/errors', imageManifest: manifest, imageTag: 'v1' }),
        ),
      ),
    ).toEqual({
      name: 'ImageAlreadyExistsException',
      message: `Image with digest '${sha256(manifest)}' and tag 'v1' already exists in the repository with name 'api/errors' in the registry with id '000000000000'`,
    });
    // Retagging, as the documented put-image example does, is allowed.
    const retag = await ecr.send(
      new PutImageCommand({ repositoryName: 'api/errors', imageManifest: manifest, imageTag: '2019.08' }),
    );
    expect(retag.image?.imageId).toEqual({ imageDigest: sha256(manifest), imageTag: '2019.08' });
  });

  it('enforces IMMUTABLE set by PutImageTagMutability on PutImage and on registry pushes alike', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'api/immutable' }));
    const first = await registry.pushImage('api/immutable', 'v1');
    expect(first.response.status).toBe(201);
    expect(
      await ecr.send(
        new PutImageTagMutabilityCommand({
          repositoryName: 'api/immutable',
          imageTagMutability: 'IMMUTABLE',
        }),
      ),
    ).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'api/immutable',
      imageTagMutability: 'IMMUTABLE',
    });
    const { repositories } = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['api/immutable'] }),
    );
    expect(repositories?.[0]?.imageTagMutability).toBe('IMMUTABLE');

    const second = await registry.pushImage('api/immutable', 'v1');
    expect(second.response.status).toBe(400);
    expect(await second.response.json()).toMatchObject({ errors: [{ code: 'TAG_INVALID' }] });
    const refused = await errorOf(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'api/immutable',
          imageManifest: second.manifest,
          imageTag: 'v1',
        }),
      ),
    );
    expect(refused).toEqual({
      name: 'ImageTagAlreadyExistsException',
      message:
        "The image tag 'v1' already exists in the 'api/immutable' repository and cannot be overwritten because the repository is immutable.",
    });
    // Back to MUTABLE, the tag moves.
    await ecr.send(
      new PutImageTagMutabilityCommand({ repositoryName: 'api/immutable', imageTagMutability: 'MUTABLE' }),
    );
    const moved = await ecr.send(
      new PutImageCommand({
        repositoryName: 'api/immutable',
        imageManifest: second.manifest,
        imageTag: 'v1',
      }),
    );
    expect(moved.image?.imageId?.imageDigest).toBe(second.digest);
  });

  it('records scan on push, and refuses settings for a repository that does not exist', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'api/scan' }));
    expect(
      await ecr.send(
        new PutImageScanningConfigurationCommand({
          repositoryName: 'api/scan',
          imageScanningConfiguration: { scanOnPush: true },
        }),
      ),
    ).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'api/scan',
      imageScanningConfiguration: { scanOnPush: true },
    });
    const { repositories } = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['api/scan'] }),
    );
    expect(repositories?.[0]?.imageScanningConfiguration).toEqual({ scanOnPush: true });
    expect(
      await errorOf(
        ecr.send(
          new PutImageTagMutabilityCommand({ repositoryName: 'api/none', imageTagMutability: 'IMMUTABLE' }),
        ),
      ),
    ).toEqual({
      name: 'RepositoryNotFoundException',
      message: "The repository with name 'api/none' does not exist in the registry with id '000000000000'",
    });
  });
});

describe('ECR registry settings', () => {
  it('stores the registry policy and the replication configuration', async () => {
    expect(await errorOf(ecr.send(new GetRegistryPolicyCommand({})))).toEqual({
      name: 'RegistryPolicyNotFoundException',
      message: "Registry policy does not exist in the registry with id '000000000000'",
    });
    const policyText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'replicate',
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::000000000000:root' },
          Action: ['ecr:ReplicateImage'],
          Resource: '*',
        },
      ],
    });
    expect(await ecr.send(new PutRegistryPolicyCommand({ policyText }))).toMatchObject({
      registryId: '000000000000',
      policyText,
    });
    expect(await ecr.send(new GetRegistryPolicyCommand({}))).toMatchObject({ policyText });
    expect((await errorOf(ecr.send(new PutRegistryPolicyCommand({ policyText: 'not json' })))).name).toBe(
      'InvalidParameterException',
    );
    expect(await ecr.send(new DeleteRegistryPolicyCommand({}))).toMatchObject({ policyText });
    expect((await errorOf(ecr.send(new DeleteRegistryPolicyCommand({})))).name).toBe(
      'RegistryPolicyNotFoundException',
    );

    expect(await ecr.send(new DescribeRegistryCommand({}))).toMatchObject({
      registryId: '000000000000',
      replicationConfiguration: { rules: [] },
    });
    const replicationConfiguration = {
      rules: [
        {
          destinations: [{ region: 'us-west-2', registryId: '000000000000' }],
          repositoryFilters: [{ filter: 'prod', filterType: 'PREFIX_MATCH' as const }],
        },
      ],
    };
    expect(
      await ecr.send(new PutReplicationConfigurationCommand({ replicationConfiguration })),
    ).toMatchObject({
      replicationConfiguration,
    });
    expect((await ecr.send(new DescribeRegistryCommand({}))).replicationConfiguration).toEqual(
      replicationConfiguration,
    );
  });

  it.runIf(awsCliAvailable)(
    'answers the AWS CLI as its documented examples show',
    async () => {
      await t.aws(['ecr', 'create-repository', '--repository-name', 'cluster-autoscaler']);
      const policy = JSON.stringify({
        Version: '2008-10-17',
        Statement: [
          {
            Sid: 'allow public pull',
            Effect: 'Allow',
            Principal: '*',
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          },
        ],
      });
      const set = await t.aws([
        'ecr',
        'set-repository-policy',
        '--repository-name',
        'cluster-autoscaler',
        '--policy-text',
        policy,
      ]);
      expect(set.json).toEqual({
        registryId: '000000000000',
        repositoryName: 'cluster-autoscaler',
        policyText: policy,
      });
      const got = await t.aws(['ecr', 'get-repository-policy', '--repository-name', 'cluster-autoscaler']);
      expect(got.json).toEqual(set.json);
      const deleted = await t.aws([
        'ecr',
        'delete-repository-policy',
        '--repository-name',
        'cluster-autoscaler',
      ]);
      expect(deleted.json).toEqual(set.json);
      await expect(
        t.aws(['ecr', 'get-repository-policy', '--repository-name', 'cluster-autoscaler']),
      ).rejects.toThrow(/RepositoryPolicyNotFoundException/);

      const mutability = await t.aws([
        'ecr',
        'put-image-tag-mutability',
        '--repository-name',
        'cluster-autoscaler',
        '--image-tag-mutability',
        'IMMUTABLE',
      ]);
      expect(mutability.json).toEqual({
        registryId: '000000000000',
        repositoryName: 'cluster-autoscaler',
        imageTagMutability: 'IMMUTABLE',
      });
      const initiated = await t.aws([
        'ecr',
        'initiate-layer-upload',
        '--repository-name',
        'cluster-autoscaler',
      ]);
      expect(initiated.json).toEqual({ partSize: 10485760, uploadId: expect.any(String) });
      const check = await t.aws([
        'ecr',
        'batch-check-layer-availability',
        '--repository-name',
        'cluster-autoscaler',
        '--layer-digests',
        sha256('absent'),
      ]);
      expect(check.json).toEqual({
        layers: [{ layerDigest: sha256('absent'), layerAvailability: 'UNAVAILABLE' }],
        failures: [],
      });
      // Nine CLI runs (a Python start-up each) on a shared, loaded machine: room beyond the default minute.
    },
    300_000,
  );
});
