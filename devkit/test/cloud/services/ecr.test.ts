/** ECR through the real SDK and the real AWS CLI; images are pushed to its registry over HTTP. */
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DeleteLifecyclePolicyCommand,
  DeleteRepositoryCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  GetLifecyclePolicyCommand,
  ListImagesCommand,
  PutLifecyclePolicyCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';
import { DOCKER_MANIFEST, RegistryClient, registryAuthorization } from '../registry-client.ts';

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

const host = () => new URL(t.cloud.url).host;

async function createRepository(
  name: string,
  extra: Partial<{ immutable: boolean; scanOnPush: boolean }> = {},
) {
  const { repository } = await ecr.send(
    new CreateRepositoryCommand({
      repositoryName: name,
      imageTagMutability: extra.immutable ? 'IMMUTABLE' : 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: extra.scanOnPush ?? false },
    }),
  );
  return repository!;
}

async function push(repository: string, tag: string) {
  const pushed = await registry.pushImage(repository, tag);
  expect(pushed.response.status).toBe(201);
  return pushed;
}

async function tagsOf(repository: string): Promise<string[][]> {
  const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: repository }));
  return imageDetails!.map((d) => d.imageTags ?? []).sort();
}

describe('repositories', () => {
  it('creates a repository whose URI is this endpoint, as the client addressed it', async () => {
    const repository = await createRepository('team/app', { scanOnPush: true });
    expect(repository).toMatchObject({
      repositoryName: 'team/app',
      repositoryArn: 'arn:aws:ecr:us-east-1:000000000000:repository/team/app',
      registryId: '000000000000',
      repositoryUri: `${host()}/team/app`,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'AES256' },
    });
    expect(repository.createdAt).toBeInstanceOf(Date);
  });

  it('describes repositories by name, and all of them', async () => {
    await createRepository('described');
    const { repositories } = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['described'] }),
    );
    expect(repositories!.map((r) => r.repositoryName)).toEqual(['described']);
    const all = await ecr.send(new DescribeRepositoriesCommand({}));
    expect(all.repositories!.map((r) => r.repositoryName)).toEqual(
      expect.arrayContaining(['team/app', 'described']),
    );
  });

  it('refuses a duplicate, an unknown name and an invalid name with ECR’s errors', async () => {
    await expect(
      ecr.send(new CreateRepositoryCommand({ repositoryName: 'described' })),
    ).rejects.toMatchObject({
      name: 'RepositoryAlreadyExistsException',
      message: "The repository with name 'described' already exists in the registry with id '000000000000'",
    });
    await expect(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['nope'] })),
    ).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
      message: "The repository with name 'nope' does not exist in the registry with id '000000000000'",
    });
    await expect(
      ecr.send(new CreateRepositoryCommand({ repositoryName: 'Upper/Case' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it('deletes an empty repository; a non-empty one only with force', async () => {
    await createRepository('doomed');
    await push('doomed', 'v1');
    await expect(ecr.send(new DeleteRepositoryCommand({ repositoryName: 'doomed' }))).rejects.toMatchObject({
      name: 'RepositoryNotEmptyException',
      message:
        "The repository with name 'doomed' in registry with id '000000000000' cannot be deleted because it still contains images",
    });
    const { repository } = await ecr.send(
      new DeleteRepositoryCommand({ repositoryName: 'doomed', force: true }),
    );
    expect(repository!.repositoryName).toBe('doomed');
    await expect(
      ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['doomed'] })),
    ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
    // The registry forgets it too: ECR needs CreateRepository before a push.
    const gone = await registry.fetch('/v2/doomed/tags/list');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ errors: [{ code: 'NAME_UNKNOWN' }] });
  });
});

describe('GetAuthorizationToken', () => {
  it('returns base64 "AWS:<password>", the proxy endpoint, and a 12-hour expiry', async () => {
    const before = Date.now();
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const data = authorizationData![0]!;
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8');
    expect(decoded).toMatch(/^AWS:.+/);
    expect(data.proxyEndpoint).toBe(t.cloud.url);
    const lifetimeHours = (data.expiresAt!.getTime() - before) / 3_600_000;
    expect(lifetimeHours).toBeGreaterThan(11.9);
    expect(lifetimeHours).toBeLessThanOrEqual(12.01);
  });
});

describe('images', () => {
  beforeAll(async () => {
    await createRepository('images');
  });

  it('describes a pushed image: digest, tags, size (sum of layers), push time, media types', async () => {
    const pushed = await push('images', 'v1');
    const { imageDetails } = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'images', imageIds: [{ imageTag: 'v1' }] }),
    );
    expect(imageDetails).toHaveLength(1);
    expect(imageDetails![0]).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'images',
      imageDigest: pushed.digest,
      imageTags: ['v1'],
      imageSizeInBytes: pushed.layerSize,
      imageManifestMediaType: DOCKER_MANIFEST,
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
    });
    expect(imageDetails![0]!.imagePushedAt).toBeInstanceOf(Date);
    expect(imageDetails![0]!.imageScanStatus).toBeUndefined();
  });

  it('BatchGetImage returns the manifest text exactly as pushed, and failures for the rest', async () => {
    const pushed = await push('images', 'v2');
    const { images, failures } = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'images',
        imageIds: [{ imageTag: 'v2' }, { imageTag: 'missing' }],
      }),
    );
    expect(images).toEqual([
      {
        registryId: '000000000000',
        repositoryName: 'images',
        imageId: { imageDigest: pushed.digest, imageTag: 'v2' },
        imageManifest: pushed.manifest,
        imageManifestMediaType: DOCKER_MANIFEST,
      },
    ]);
    expect(failures).toEqual([
      {
        imageId: { imageTag: 'missing' },
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found',
      },
    ]);
  });

  it('moves a re-pushed tag, leaving the old image untagged; ListImages filters by tag status', async () => {
    await createRepository('retag');
    const first = await push('retag', 'latest');
    const second = await push('retag', 'latest');
    const untagged = await ecr.send(
      new ListImagesCommand({ repositoryName: 'retag', filter: { tagStatus: 'UNTAGGED' } }),
    );
    expect(untagged.imageIds).toEqual([{ imageDigest: first.digest }]);
    const tagged = await ecr.send(
      new ListImagesCommand({ repositoryName: 'retag', filter: { tagStatus: 'TAGGED' } }),
    );
    expect(tagged.imageIds).toEqual([{ imageDigest: second.digest, imageTag: 'latest' }]);
    const all = await ecr.send(new ListImagesCommand({ repositoryName: 'retag' }));
    expect(all.imageIds).toHaveLength(2);
  });

  it('DescribeImages names a missing image with ImageNotFoundException', async () => {
    await expect(
      ecr.send(new DescribeImagesCommand({ repositoryName: 'images', imageIds: [{ imageTag: 'nope' }] })),
    ).rejects.toMatchObject({
      name: 'ImageNotFoundException',
      message:
        "The image with imageId {imageDigest:'null', imageTag:'nope'} does not exist within the repository with name 'images' in the registry with id '000000000000'",
    });
  });

  it('BatchDeleteImage: a tag, then the image by digest, with failures for what is missing', async () => {
    await createRepository('deletes');
    const pushed = await push('deletes', 'a');
    const retagged = await registry.fetch(`/v2/deletes/manifests/b`, {
      method: 'PUT',
      body: pushed.manifest,
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    expect(retagged.status).toBe(201);
    const byTag = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'deletes',
        imageIds: [{ imageTag: 'a' }, { imageTag: 'zz' }],
      }),
    );
    expect(byTag.imageIds).toEqual([{ imageDigest: pushed.digest, imageTag: 'a' }]);
    expect(byTag.failures).toEqual([
      {
        imageId: { imageTag: 'zz' },
        failureCode: 'ImageNotFound',
        failureReason: 'Requested image not found',
      },
    ]);
    expect(await tagsOf('deletes')).toEqual([['b']]);
    const mismatch = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'deletes',
        imageIds: [{ imageDigest: pushed.digest, imageTag: 'a' }],
      }),
    );
    expect(mismatch.failures![0]!.failureCode).toBe('ImageTagDoesNotMatchDigest');
    const byDigest = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'deletes', imageIds: [{ imageDigest: pushed.digest }] }),
    );
    expect(byDigest.imageIds).toEqual([{ imageDigest: pushed.digest, imageTag: 'b' }]);
    expect(await tagsOf('deletes')).toEqual([]);
    const manifest = await registry.fetch(`/v2/deletes/manifests/${pushed.digest}`);
    expect(manifest.status).toBe(404);
  });
});

describe('tag immutability', () => {
  it('refuses to move a tag in an IMMUTABLE repository with ECR’s message, but accepts the same image again', async () => {
    await createRepository('frozen', { immutable: true });
    const first = await push('frozen', 'v1');
    const again = await registry.fetch('/v2/frozen/manifests/v1', {
      method: 'PUT',
      body: first.manifest,
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    expect(again.status).toBe(201);
    const other = await registry.pushImage('frozen', 'v1');
    expect(other.response.status).toBe(400);
    expect(await other.response.json()).toEqual({
      errors: [
        {
          code: 'TAG_INVALID',
          message:
            "The image tag 'v1' already exists in the 'frozen' repository and cannot be overwritten because the repository is immutable.",
          detail: {},
        },
      ],
    });
    const { imageIds } = await ecr.send(new ListImagesCommand({ repositoryName: 'frozen' }));
    expect(imageIds).toEqual([{ imageDigest: first.digest, imageTag: 'v1' }]);
  });
});

describe('lifecycle policies', () => {
  const policy = (rules: unknown[]) => JSON.stringify({ rules });
  const keepTagged = (prefix: string, count: number, priority = 1) => ({
    rulePriority: priority,
    description: `keep the last ${count} ${prefix}* images`,
    selection: {
      tagStatus: 'tagged',
      tagPrefixList: [prefix],
      countType: 'imageCountMoreThan',
      countNumber: count,
    },
    action: { type: 'expire' },
  });

  it('GetLifecyclePolicy without one is LifecyclePolicyNotFoundException; a bad policy is InvalidParameterException', async () => {
    await createRepository('lc-errors');
    await expect(
      ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc-errors' })),
    ).rejects.toMatchObject({
      name: 'LifecyclePolicyNotFoundException',
      message:
        "Lifecycle policy does not exist for the repository with name 'lc-errors' in the registry with id '000000000000'",
    });
    const anyFirst = policy([
      { ...keepTagged('v', 1, 2) },
      {
        rulePriority: 1,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 },
        action: { type: 'expire' },
      },
    ]);
    await expect(
      ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'lc-errors', lifecyclePolicyText: anyFirst })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const taggedWithoutPrefix = policy([
      {
        rulePriority: 1,
        selection: { tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
    ]);
    await expect(
      ecr.send(
        new PutLifecyclePolicyCommand({
          repositoryName: 'lc-errors',
          lifecyclePolicyText: taggedWithoutPrefix,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('expires images beyond imageCountMoreThan after each push, newest kept', async () => {
    await createRepository('lc-count');
    const text = policy([keepTagged('release-', 2)]);
    const put = await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: 'lc-count', lifecyclePolicyText: text }),
    );
    expect(put).toMatchObject({
      registryId: '000000000000',
      repositoryName: 'lc-count',
      lifecyclePolicyText: text,
    });
    for (const tag of ['release-1', 'release-2', 'release-3', 'dev-1']) await push('lc-count', tag);
    expect(await tagsOf('lc-count')).toEqual([['dev-1'], ['release-2'], ['release-3']]);
    const got = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'lc-count' }));
    expect(got.lifecyclePolicyText).toBe(text);
    expect(got.lastEvaluatedAt).toBeInstanceOf(Date);
  });

  it('applies a newly put policy to the images already there, rules in priority order', async () => {
    await createRepository('lc-put');
    for (const tag of ['prod-1', 'prod-2', 'prod-3', 'test-1', 'test-2']) await push('lc-put', tag);
    // prod images are claimed by rule 1 (keep 3), so rule 2 ("any", keep 1) never sees them.
    await ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName: 'lc-put',
        lifecyclePolicyText: policy([
          keepTagged('prod', 3, 1),
          {
            rulePriority: 10,
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ]),
      }),
    );
    expect(await tagsOf('lc-put')).toEqual([['prod-1'], ['prod-2'], ['prod-3'], ['test-2']]);
  });

  it('expires untagged images and matches tagPatternList wildcards', async () => {
    await createRepository('lc-untagged');
    await ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName: 'lc-untagged',
        lifecyclePolicyText: policy([
          {
            rulePriority: 1,
            selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
          {
            rulePriority: 2,
            selection: {
              tagStatus: 'tagged',
              tagPatternList: ['*-rc*'],
              countType: 'imageCountMoreThan',
              countNumber: 1,
            },
            action: { type: 'expire' },
          },
        ]),
      }),
    );
    // Three pushes of "latest" leave two untagged images behind; only the newest of them stays.
    for (let i = 0; i < 3; i++) await push('lc-untagged', 'latest');
    await push('lc-untagged', '1.0-rc1');
    await push('lc-untagged', '1.0-rc2');
    const untagged = await ecr.send(
      new ListImagesCommand({ repositoryName: 'lc-untagged', filter: { tagStatus: 'UNTAGGED' } }),
    );
    expect(untagged.imageIds).toHaveLength(1);
    expect(await tagsOf('lc-untagged')).toEqual([[], ['1.0-rc2'], ['latest']]);
  });

  it('deletes a policy, after which images are kept', async () => {
    await createRepository('lc-delete');
    await ecr.send(
      new PutLifecyclePolicyCommand({
        repositoryName: 'lc-delete',
        lifecyclePolicyText: policy([keepTagged('v', 1)]),
      }),
    );
    const deleted = await ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: 'lc-delete' }));
    expect(deleted.repositoryName).toBe('lc-delete');
    await push('lc-delete', 'v1');
    await push('lc-delete', 'v2');
    expect(await tagsOf('lc-delete')).toEqual([['v1'], ['v2']]);
  });
});

describe('image scans', () => {
  it('with scanOnPush, the pushed image has a completed scan that says nothing was scanned', async () => {
    await createRepository('scanned', { scanOnPush: true });
    const pushed = await push('scanned', 'v1');
    const findings = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'scanned', imageId: { imageTag: 'v1' } }),
    );
    expect(findings).toMatchObject({
      repositoryName: 'scanned',
      imageId: { imageDigest: pushed.digest, imageTag: 'v1' },
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: { findings: [], findingSeverityCounts: {} },
    });
    expect(findings.imageScanStatus!.description).toMatch(/does not scan/);
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'scanned' }));
    expect(imageDetails![0]!.imageScanStatus).toMatchObject({ status: 'COMPLETE' });
  });

  it('without scanOnPush there is no scan (ScanNotFoundException) until StartImageScan', async () => {
    await createRepository('unscanned');
    await push('unscanned', 'v1');
    await expect(
      ecr.send(
        new DescribeImageScanFindingsCommand({ repositoryName: 'unscanned', imageId: { imageTag: 'v1' } }),
      ),
    ).rejects.toMatchObject({ name: 'ScanNotFoundException' });
    const started = await ecr.send(
      new StartImageScanCommand({ repositoryName: 'unscanned', imageId: { imageTag: 'v1' } }),
    );
    expect(started.imageScanStatus!.status).toBe('COMPLETE');
    const findings = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'unscanned', imageId: { imageTag: 'v1' } }),
    );
    expect(findings.imageScanFindings!.findings).toEqual([]);
    await expect(
      ecr.send(new StartImageScanCommand({ repositoryName: 'unscanned', imageId: { imageTag: 'v9' } })),
    ).rejects.toMatchObject({ name: 'ImageNotFoundException' });
  });
});

describe('persistence', () => {
  it('keeps repositories, images, blobs and issued registry passwords across a restart', async () => {
    await createRepository('durable', { immutable: true });
    const pushed = await push('durable', 'v1');
    await t.stop();
    await t.restart();
    ecr.destroy();
    ecr = new ECRClient(t.clientConfig);
    const { repositories } = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['durable'] }),
    );
    // The URI follows the endpoint the client now addresses.
    expect(repositories![0]).toMatchObject({
      imageTagMutability: 'IMMUTABLE',
      repositoryUri: `${host()}/durable`,
    });
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'durable' }));
    expect(imageDetails!.map((d) => d.imageDigest)).toEqual([pushed.digest]);
    // The password issued before the restart still opens the registry, and the bytes are still there.
    const manifest = await registry.fetch('/v2/durable/manifests/v1');
    expect(manifest.status).toBe(200);
    expect(await manifest.text()).toBe(pushed.manifest);
    const layer = (JSON.parse(pushed.manifest) as { layers: Array<{ digest: string }> }).layers[0]!.digest;
    const blob = await registry.fetch(`/v2/durable/blobs/${layer}`, { method: 'HEAD' });
    expect(blob.status).toBe(200);
    expect(blob.headers.get('content-length')).toBe(String(pushed.layerSize));
  });
});

describe.skipIf(!awsCliAvailable)('the real AWS CLI', () => {
  it('creates and describes repositories, lists images and puts a lifecycle policy', async () => {
    const created = await t.aws([
      'ecr',
      'create-repository',
      '--repository-name',
      'cli/app',
      '--image-tag-mutability',
      'IMMUTABLE',
    ]);
    expect(created.json).toMatchObject({
      repository: {
        repositoryName: 'cli/app',
        repositoryUri: `${host()}/cli/app`,
        imageTagMutability: 'IMMUTABLE',
      },
    });
    await push('cli/app', 'v1');
    const listed = await t.aws(['ecr', 'list-images', '--repository-name', 'cli/app']);
    expect(listed.json).toMatchObject({ imageIds: [{ imageTag: 'v1' }] });
    const policyText = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
          action: { type: 'expire' },
        },
      ],
    });
    await t.aws([
      'ecr',
      'put-lifecycle-policy',
      '--repository-name',
      'cli/app',
      '--lifecycle-policy-text',
      policyText,
    ]);
    const got = await t.aws(['ecr', 'get-lifecycle-policy', '--repository-name', 'cli/app']);
    expect(got.json).toMatchObject({ lifecyclePolicyText: policyText });
    const described = await t.aws(['ecr', 'describe-images', '--repository-name', 'cli/app']);
    expect(described.json).toMatchObject({ imageDetails: [{ imageTags: ['v1'] }] });
    await expect(t.aws(['ecr', 'describe-repositories', '--repository-names', 'cli/none'])).rejects.toThrow(
      /RepositoryNotFoundException/,
    );
  });

  it('get-login-password prints the password of the token', async () => {
    const { stdout } = await t.aws(['ecr', 'get-login-password']);
    const password = stdout.trim();
    const ok = await fetch(new URL('/v2/', t.cloud.url), {
      headers: { authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` },
    });
    expect(ok.status).toBe(200);
  });
});
