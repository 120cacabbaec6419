/**
 * ECR's registry-level settings, conformance from the API reference (request/response syntax,
 * documented errors): the registry scanning configuration and the scanning it gives each repository
 * (and each push), account settings, pull through cache rules, repository creation templates (and
 * create on push through the registry), and lifecycle policy previews, all kept across a restart. Through the SDK, and through the real AWS
 * CLI for a call of each family the CLI 2.9 has (it predates account settings, creation templates
 * and Update/ValidatePullThroughCacheRule). One cloud for the file.
 */
import {
  BatchGetRepositoryScanningConfigurationCommand,
  CreatePullThroughCacheRuleCommand,
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DeletePullThroughCacheRuleCommand,
  DeleteRepositoryCreationTemplateCommand,
  DescribeImagesCommand,
  DescribePullThroughCacheRulesCommand,
  DescribeRepositoriesCommand,
  DescribeRepositoryCreationTemplatesCommand,
  ECRClient,
  GetAccountSettingCommand,
  GetLifecyclePolicyCommand,
  GetLifecyclePolicyPreviewCommand,
  GetRegistryScanningConfigurationCommand,
  GetRepositoryPolicyCommand,
  ListImagesCommand,
  ListTagsForResourceCommand,
  PutAccountSettingCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  PutRegistryScanningConfigurationCommand,
  StartLifecyclePolicyPreviewCommand,
  UpdatePullThroughCacheRuleCommand,
  UpdateRepositoryCreationTemplateCommand,
  ValidatePullThroughCacheRuleCommand,
} from '@aws-sdk/client-ecr';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, REGION, startTestCloud, type TestCloud } from '../harness.ts';
import { registryAuthorization, RegistryClient } from '../registry-client.ts';

const ACCOUNT = '000000000000';
let t: TestCloud;
let ecr: ECRClient;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  t = await startTestCloud();
  ecr = new ECRClient(t.clientConfig);
  secrets = new SecretsManagerClient(t.clientConfig);
});
afterAll(async () => {
  ecr.destroy();
  secrets.destroy();
  await t.dispose();
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (e: Error) => ({ name: e.name, message: e.message }),
  );

/** An image needing no layers (an empty OCI index), distinct by `n`; pushed strictly after the last. */
async function pushImage(repositoryName: string, n: number, imageTag?: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 3));
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [],
    annotations: { n: String(n) },
  });
  const { image } = await ecr.send(
    new PutImageCommand({ repositoryName, imageManifest: manifest, ...(imageTag ? { imageTag } : {}) }),
  );
  return image!.imageId!.imageDigest!;
}

describe('registry scanning configuration', () => {
  it.skipIf(!awsCliAvailable)('reads BASIC with no rules before any is put (CLI)', async () => {
    const got = await t.aws(['ecr', 'get-registry-scanning-configuration']);
    expect(got.json).toEqual({
      registryId: ACCOUNT,
      scanningConfiguration: { scanType: 'BASIC', rules: [] },
    });
  });

  it("puts rules that decide each repository's scanning and each push's scan", async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'prod-api' }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'dev-api' }));
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'other',
        imageScanningConfiguration: { scanOnPush: true },
      }),
    );
    // With no rules, a repository's own scanOnPush decides.
    const before = await ecr.send(
      new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: ['other', 'dev-api'] }),
    );
    expect(before.scanningConfigurations!.map((c) => [c.repositoryName, c.scanFrequency])).toEqual([
      ['other', 'SCAN_ON_PUSH'],
      ['dev-api', 'MANUAL'],
    ]);

    const rules = [
      {
        scanFrequency: 'CONTINUOUS_SCAN' as const,
        repositoryFilters: [{ filter: 'prod-*', filterType: 'WILDCARD' as const }],
      },
      {
        scanFrequency: 'SCAN_ON_PUSH' as const,
        repositoryFilters: [{ filter: '*-api', filterType: 'WILDCARD' as const }],
      },
    ];
    const put = await ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'ENHANCED', rules }));
    expect(put.registryScanningConfiguration).toEqual({ scanType: 'ENHANCED', rules });
    const got = await ecr.send(new GetRegistryScanningConfigurationCommand({}));
    expect(got).toMatchObject({
      registryId: ACCOUNT,
      scanningConfiguration: { scanType: 'ENHANCED', rules },
    });

    // Pushed into a repository the SCAN_ON_PUSH rule covers: scanned at once. `other` is now MANUAL.
    const scanned = await pushImage('dev-api', 1, 'v1');
    const unscanned = await pushImage('other', 2, 'v1');
    const status = async (repositoryName: string, imageDigest: string) =>
      (await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest }] })))
        .imageDetails![0]!.imageScanStatus;
    expect((await status('dev-api', scanned))?.status).toBe('COMPLETE');
    expect(await status('other', unscanned)).toBeUndefined();
  });

  it.skipIf(!awsCliAvailable)(
    'reports the frequency and filters that apply to each repository, and names unknown ones (CLI)',
    async () => {
      const got = await t.aws([
        'ecr',
        'batch-get-repository-scanning-configuration',
        '--repository-names',
        'prod-api',
        'dev-api',
        'other',
        'missing',
      ]);
      expect(got.json).toEqual({
        scanningConfigurations: [
          {
            repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/prod-api`,
            repositoryName: 'prod-api',
            scanOnPush: true,
            scanFrequency: 'CONTINUOUS_SCAN',
            appliedScanFilters: [{ filter: 'prod-*', filterType: 'WILDCARD' }],
          },
          {
            repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/dev-api`,
            repositoryName: 'dev-api',
            scanOnPush: true,
            scanFrequency: 'SCAN_ON_PUSH',
            appliedScanFilters: [{ filter: '*-api', filterType: 'WILDCARD' }],
          },
          {
            repositoryArn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/other`,
            repositoryName: 'other',
            scanOnPush: false,
            scanFrequency: 'MANUAL',
            appliedScanFilters: [],
          },
        ],
        failures: [
          {
            repositoryName: 'missing',
            failureCode: 'REPOSITORY_NOT_FOUND',
            failureReason: `The repository with name 'missing' does not exist in the registry with id '${ACCOUNT}'`,
          },
        ],
      });
    },
  );

  it('refuses a frequency the scan type does not have, an unknown type, and a bad filter', async () => {
    const filters = [{ filter: '*', filterType: 'WILDCARD' as const }];
    expect(
      await refusal(
        ecr.send(
          new PutRegistryScanningConfigurationCommand({
            scanType: 'BASIC',
            rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: filters }],
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message:
        "Invalid parameter at 'scanFrequency' failed to satisfy constraint: 'scan frequency CONTINUOUS_SCAN is not supported for scan type BASIC (SCAN_ON_PUSH or MANUAL)'",
    });
    expect(
      await refusal(ecr.send(new PutRegistryScanningConfigurationCommand({ scanType: 'DEEP' as 'BASIC' }))),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await refusal(
        ecr.send(
          new PutRegistryScanningConfigurationCommand({
            scanType: 'BASIC',
            rules: [
              {
                scanFrequency: 'SCAN_ON_PUSH',
                repositoryFilters: [{ filter: 'UPPER', filterType: 'WILDCARD' }],
              },
            ],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    // Refusals changed nothing.
    expect(
      (await ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration?.scanType,
    ).toBe('ENHANCED');
  });
});

describe('account settings', () => {
  it('reads the documented defaults, keeps what is put, and refuses unknown names and values', async () => {
    const get = (name: string) => ecr.send(new GetAccountSettingCommand({ name }));
    expect(await get('BASIC_SCAN_TYPE_VERSION')).toMatchObject({
      name: 'BASIC_SCAN_TYPE_VERSION',
      value: 'AWS_NATIVE',
    });
    expect(await get('REGISTRY_POLICY_SCOPE')).toMatchObject({ value: 'V2' });
    expect(await get('BLOB_MOUNTING')).toMatchObject({ value: 'DISABLED' });
    expect(
      await ecr.send(new PutAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE', value: 'V1' })),
    ).toMatchObject({ name: 'REGISTRY_POLICY_SCOPE', value: 'V1' });
    expect(await get('REGISTRY_POLICY_SCOPE')).toMatchObject({ value: 'V1' });
    expect(
      await refusal(ecr.send(new PutAccountSettingCommand({ name: 'BASIC_SCAN_TYPE_VERSION', value: 'V2' }))),
    ).toEqual({
      name: 'ValidationException',
      message:
        "Account setting value 'V2' is not valid for BASIC_SCAN_TYPE_VERSION. Valid values: AWS_NATIVE, CLAIR.",
    });
    expect(await refusal(get('__proto__'))).toEqual({
      name: 'ValidationException',
      message:
        "Account setting name '__proto__' is not valid. Valid names: BASIC_SCAN_TYPE_VERSION, REGISTRY_POLICY_SCOPE, BLOB_MOUNTING.",
    });
  });
});

describe('pull through cache rules', () => {
  it.skipIf(!awsCliAvailable)(
    "creates the API reference's ECR Public rule (upstream inferred from the URL) and describes it (CLI)",
    async () => {
      const created = await t.aws([
        'ecr',
        'create-pull-through-cache-rule',
        '--ecr-repository-prefix',
        'ecr-public',
        '--upstream-registry-url',
        'public.ecr.aws',
      ]);
      expect(created.json).toMatchObject({
        ecrRepositoryPrefix: 'ecr-public',
        upstreamRegistryUrl: 'public.ecr.aws',
        registryId: ACCOUNT,
        createdAt: expect.any(String),
      });
      const described = await t.aws(['ecr', 'describe-pull-through-cache-rules']);
      expect(described.json).toMatchObject({
        pullThroughCacheRules: [{ ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' }],
      });
      await expect(
        t.aws([
          'ecr',
          'create-pull-through-cache-rule',
          '--ecr-repository-prefix',
          'ecr-public',
          '--upstream-registry-url',
          'public.ecr.aws',
        ]),
      ).rejects.toMatchObject({
        stderr: expect.stringContaining(
          "An error occurred (PullThroughCacheRuleAlreadyExistsException) when calling the CreatePullThroughCacheRule operation: A pull through cache rule with prefix 'ecr-public' already exists in the registry with id '000000000000'",
        ),
      });
    },
  );

  it('needs a secret that exists for Docker Hub; updates, validates (offline: not valid) and deletes', async () => {
    const base = {
      ecrRepositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      upstreamRegistry: 'docker-hub' as const,
    };
    expect(await refusal(ecr.send(new CreatePullThroughCacheRuleCommand(base)))).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('upstream registry docker-hub requires authentication'),
    });
    const missingArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:ecr-pullthroughcache/absent-AbCdEf`;
    expect(
      await refusal(ecr.send(new CreatePullThroughCacheRuleCommand({ ...base, credentialArn: missingArn }))),
    ).toMatchObject({
      name: 'SecretNotFoundException',
    });
    const { ARN: credentialArn } = await secrets.send(
      new CreateSecretCommand({
        Name: 'ecr-pullthroughcache/docker',
        SecretString: '{"username":"u","accessToken":"t"}',
      }),
    );
    const created = await ecr.send(new CreatePullThroughCacheRuleCommand({ ...base, credentialArn }));
    expect(created).toMatchObject({
      ...base,
      credentialArn,
      registryId: ACCOUNT,
      createdAt: expect.any(Date),
    });

    const { ARN: rotated } = await secrets.send(
      new CreateSecretCommand({
        Name: 'ecr-pullthroughcache/docker-2',
        SecretString: '{"username":"u","accessToken":"t2"}',
      }),
    );
    const updated = await ecr.send(
      new UpdatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub', credentialArn: rotated }),
    );
    expect(updated).toMatchObject({
      ecrRepositoryPrefix: 'docker-hub',
      credentialArn: rotated,
      updatedAt: expect.any(Date),
    });
    const [rule] = (
      await ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['docker-hub'] }))
    ).pullThroughCacheRules!;
    expect(rule).toMatchObject({ credentialArn: rotated, upstreamRegistry: 'docker-hub' });

    const validated = await ecr.send(
      new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub' }),
    );
    expect(validated).toMatchObject({
      ecrRepositoryPrefix: 'docker-hub',
      upstreamRegistryUrl: 'registry-1.docker.io',
      credentialArn: rotated,
      isValid: false,
      failure:
        'The local cloud runs offline and cannot reach the upstream registry registry-1.docker.io, so the rule could not be validated against it. Its secret exists in Secrets Manager.',
    });

    const deleted = await ecr.send(
      new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub' }),
    );
    expect(deleted).toMatchObject({ ecrRepositoryPrefix: 'docker-hub', credentialArn: rotated });
    for (const call of [
      ecr.send(new DeletePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub' })),
      ecr.send(new DescribePullThroughCacheRulesCommand({ ecrRepositoryPrefixes: ['docker-hub'] })),
      ecr.send(new ValidatePullThroughCacheRuleCommand({ ecrRepositoryPrefix: 'docker-hub' })),
    ]) {
      expect(await refusal(call)).toEqual({
        name: 'PullThroughCacheRuleNotFoundException',
        message: `The pull through cache rule with prefix 'docker-hub' does not exist in the registry with id '${ACCOUNT}'`,
      });
    }
  });

  it('refuses upstreams AWS does not support or that disagree with their URL', async () => {
    expect(
      await refusal(
        ecr.send(
          new CreatePullThroughCacheRuleCommand({
            ecrRepositoryPrefix: 'mine',
            upstreamRegistryUrl: 'registry.example.com',
          }),
        ),
      ),
    ).toEqual({
      name: 'UnsupportedUpstreamRegistryException',
      message: "The upstream registry URL 'registry.example.com' is not a supported upstream registry.",
    });
    expect(
      await refusal(
        ecr.send(
          new CreatePullThroughCacheRuleCommand({
            ecrRepositoryPrefix: 'k8s',
            upstreamRegistryUrl: 'quay.io',
            upstreamRegistry: 'k8s',
          }),
        ),
      ),
    ).toMatchObject({ name: 'UnsupportedUpstreamRegistryException' });
  });
});

describe('repository creation templates', () => {
  const policy = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 5 },
        action: { type: 'expire' },
      },
    ],
  });

  it('creates, describes, updates (merging) and deletes a template, with the documented errors', async () => {
    const created = await ecr.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'ROOT',
        description: 'every repository ECR creates',
        appliedFor: ['PULL_THROUGH_CACHE', 'REPLICATION'],
        imageTagMutability: 'IMMUTABLE',
        resourceTags: [{ Key: 'team', Value: 'web' }],
        lifecyclePolicy: policy,
      }),
    );
    expect(created).toMatchObject({
      registryId: ACCOUNT,
      repositoryCreationTemplate: {
        prefix: 'ROOT',
        description: 'every repository ECR creates',
        appliedFor: ['PULL_THROUGH_CACHE', 'REPLICATION'],
        imageTagMutability: 'IMMUTABLE',
        encryptionConfiguration: { encryptionType: 'AES256' },
        resourceTags: [{ Key: 'team', Value: 'web' }],
        lifecyclePolicy: policy,
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
      },
    });
    expect(
      await refusal(
        ecr.send(
          new CreateRepositoryCreationTemplateCommand({ prefix: 'ROOT', appliedFor: ['REPLICATION'] }),
        ),
      ),
    ).toEqual({
      name: 'TemplateAlreadyExistsException',
      message: `The repository creation template with prefix 'ROOT' already exists in the registry with id '${ACCOUNT}'`,
    });
    const updated = await ecr.send(
      new UpdateRepositoryCreationTemplateCommand({
        prefix: 'ROOT',
        appliedFor: ['CREATE_ON_PUSH'],
        imageTagMutability: 'MUTABLE',
      }),
    );
    expect(updated.repositoryCreationTemplate).toMatchObject({
      appliedFor: ['CREATE_ON_PUSH'],
      imageTagMutability: 'MUTABLE',
      description: 'every repository ECR creates',
      lifecyclePolicy: policy,
    });
    // A refused update changes nothing.
    expect(
      await refusal(
        ecr.send(
          new UpdateRepositoryCreationTemplateCommand({ prefix: 'ROOT', lifecyclePolicy: '{"rules": 1}' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    const described = await ecr.send(
      new DescribeRepositoryCreationTemplatesCommand({ prefixes: ['ROOT', 'absent'] }),
    );
    expect(described.repositoryCreationTemplates).toHaveLength(1);
    expect(described.repositoryCreationTemplates![0]).toMatchObject({
      lifecyclePolicy: policy,
      appliedFor: ['CREATE_ON_PUSH'],
    });

    await ecr.send(
      new CreateRepositoryCreationTemplateCommand({ prefix: 'prod/team', appliedFor: ['REPLICATION'] }),
    );
    expect(
      await ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'prod/team' })),
    ).toMatchObject({
      repositoryCreationTemplate: { prefix: 'prod/team', appliedFor: ['REPLICATION'] },
    });
    expect(
      await refusal(ecr.send(new DeleteRepositoryCreationTemplateCommand({ prefix: 'prod/team' }))),
    ).toEqual({
      name: 'TemplateNotFoundException',
      message: `The repository creation template with prefix 'prod/team' does not exist in the registry with id '${ACCOUNT}'`,
    });
  });

  it('creates a repository a push names from the CREATE_ON_PUSH template covering it, with its settings', async () => {
    const registry = new RegistryClient(t, await registryAuthorization(t));
    // ROOT no longer applies to pushes: a name no template covers is unknown, as before templates.
    await ecr.send(
      new UpdateRepositoryCreationTemplateCommand({ prefix: 'ROOT', appliedFor: ['REPLICATION'] }),
    );
    const uncovered = await registry.pushBlob('loose/api', Buffer.from('layer'));
    expect(uncovered.status).toBe(404);
    expect(await uncovered.json()).toMatchObject({ errors: [{ code: 'NAME_UNKNOWN' }] });

    const repositoryPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'pull',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: ['ecr:BatchGetImage'],
        },
      ],
    });
    const encryptionConfiguration = {
      encryptionType: 'KMS' as const,
      kmsKey: `arn:aws:kms:${REGION}:${ACCOUNT}:key/team-x`,
    };
    await ecr.send(
      new CreateRepositoryCreationTemplateCommand({
        prefix: 'teamx',
        appliedFor: ['CREATE_ON_PUSH'],
        imageTagMutability: 'IMMUTABLE',
        resourceTags: [{ Key: 'team', Value: 'x' }],
        lifecyclePolicy: policy,
        repositoryPolicy,
        encryptionConfiguration,
      }),
    );
    const { digest, response } = await registry.pushImage('teamx/api', 'v1');
    expect(response.status).toBe(201);
    const [repository] = (await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['teamx/api'] })))
      .repositories!;
    expect(repository).toMatchObject({ imageTagMutability: 'IMMUTABLE', encryptionConfiguration });
    expect(
      (await ecr.send(new ListTagsForResourceCommand({ resourceArn: repository!.repositoryArn }))).tags,
    ).toEqual([{ Key: 'team', Value: 'x' }]);
    expect(
      (await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'teamx/api' }))).lifecyclePolicyText,
    ).toBe(policy);
    expect((await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'teamx/api' }))).policyText).toBe(
      repositoryPolicy,
    );
    expect((await ecr.send(new ListImagesCommand({ repositoryName: 'teamx/api' }))).imageIds).toEqual([
      { imageDigest: digest, imageTag: 'v1' },
    ]);
  });

  it('refuses settings a repository could not have', async () => {
    const refused = (
      input: Partial<ConstructorParameters<typeof CreateRepositoryCreationTemplateCommand>[0]>,
    ) =>
      refusal(
        ecr.send(
          new CreateRepositoryCreationTemplateCommand({
            prefix: 'bad',
            appliedFor: ['REPLICATION'],
            ...input,
          }),
        ),
      );
    expect(await refused({ appliedFor: [] })).toMatchObject({ name: 'InvalidParameterException' });
    expect(await refused({ repositoryPolicy: 'not json' })).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(await refused({ resourceTags: [{ Key: 'aws:x', Value: 'v' }] })).toMatchObject({
      name: 'InvalidTagParameterException',
    });
    expect(
      await refused({
        encryptionConfiguration: {
          encryptionType: 'AES256',
          kmsKey: 'arn:aws:kms:us-east-1:000000000000:key/k',
        },
      }),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(await refused({ prefix: 'Not/Valid' })).toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('lifecycle policy preview', () => {
  const keepOneUntagged = JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: 'keep the newest untagged image',
        selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        selection: {
          tagStatus: 'tagged',
          tagPrefixList: ['rc'],
          countType: 'imageCountMoreThan',
          countNumber: 1,
        },
        action: { type: 'expire' },
      },
    ],
  });

  it('has no preview before one is started, and no policy to preview when none is given or set', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'preview' }));
    expect(
      await refusal(ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'preview' }))),
    ).toEqual({
      name: 'LifecyclePolicyPreviewNotFoundException',
      message: `Lifecycle policy preview does not exist for the repository with name 'preview' in the registry with id '${ACCOUNT}'`,
    });
    expect(
      await refusal(ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: 'preview' }))),
    ).toEqual({
      name: 'LifecyclePolicyNotFoundException',
      message: `Lifecycle policy does not exist for the repository with name 'preview' in the registry with id '${ACCOUNT}'`,
    });
    expect(
      await refusal(
        ecr.send(
          new StartLifecyclePolicyPreviewCommand({
            repositoryName: 'absent',
            lifecyclePolicyText: keepOneUntagged,
          }),
        ),
      ),
    ).toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('evaluates a given policy against the images with the rule that expires each, expiring nothing', async () => {
    const oldUntagged = await pushImage('preview', 10);
    const newUntagged = await pushImage('preview', 11);
    const rc1 = await pushImage('preview', 12, 'rc1');
    await pushImage('preview', 13, 'rc2');
    await pushImage('preview', 14, 'v1');
    const started = await ecr.send(
      new StartLifecyclePolicyPreviewCommand({
        repositoryName: 'preview',
        lifecyclePolicyText: keepOneUntagged,
      }),
    );
    expect(started).toEqual(
      expect.objectContaining({
        registryId: ACCOUNT,
        repositoryName: 'preview',
        lifecyclePolicyText: keepOneUntagged,
        status: 'COMPLETE',
      }),
    );
    const preview = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'preview' }));
    expect(preview).toMatchObject({
      status: 'COMPLETE',
      lifecyclePolicyText: keepOneUntagged,
      summary: { expiringImageTotalCount: 2 },
    });
    expect(
      preview.previewResults!.map((r) => [r.imageDigest, r.imageTags, r.action, r.appliedRulePriority]),
    ).toEqual([
      [oldUntagged, [], { type: 'EXPIRE' }, 1],
      [rc1, ['rc1'], { type: 'EXPIRE' }, 2],
    ]);
    expect(preview.previewResults![0]!.imagePushedAt).toBeInstanceOf(Date);
    // A preview expires nothing.
    expect((await ecr.send(new ListImagesCommand({ repositoryName: 'preview' }))).imageIds).toHaveLength(5);
    // Filters and paging.
    const tagged = await ecr.send(
      new GetLifecyclePolicyPreviewCommand({ repositoryName: 'preview', filter: { tagStatus: 'TAGGED' } }),
    );
    expect(tagged.previewResults!.map((r) => r.imageDigest)).toEqual([rc1]);
    const byId = await ecr.send(
      new GetLifecyclePolicyPreviewCommand({
        repositoryName: 'preview',
        imageIds: [{ imageDigest: newUntagged }],
      }),
    );
    expect(byId.previewResults).toEqual([]);
    const first = await ecr.send(
      new GetLifecyclePolicyPreviewCommand({ repositoryName: 'preview', maxResults: 1 }),
    );
    expect(first.previewResults).toHaveLength(1);
    const second = await ecr.send(
      new GetLifecyclePolicyPreviewCommand({
        repositoryName: 'preview',
        maxResults: 1,
        nextToken: first.nextToken,
      }),
    );
    expect(second.previewResults!.map((r) => r.imageDigest)).toEqual([rc1]);
    expect(second.nextToken).toBeUndefined();
  });

  it.skipIf(!awsCliAvailable)("previews the repository's own policy when none is given (CLI)", async () => {
    const keepFour = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'keep the newest four images',
          selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 4 },
          action: { type: 'expire' },
        },
      ],
    });
    await ecr.send(
      new PutLifecyclePolicyCommand({ repositoryName: 'dev-api', lifecyclePolicyText: keepFour }),
    );
    await pushImage('dev-api', 20, 'v2');
    await t.aws(['ecr', 'start-lifecycle-policy-preview', '--repository-name', 'dev-api']);
    const got = await t.aws(['ecr', 'get-lifecycle-policy-preview', '--repository-name', 'dev-api']);
    expect(got.json).toEqual({
      registryId: ACCOUNT,
      repositoryName: 'dev-api',
      lifecyclePolicyText: keepFour,
      status: 'COMPLETE',
      previewResults: [],
      summary: { expiringImageTotalCount: 0 },
    });
  });
});

describe('persistence', () => {
  it('keeps scanning rules, account settings, rules, templates and previews across a restart', async () => {
    ecr.destroy();
    await t.stop();
    await t.restart();
    ecr = new ECRClient(t.clientConfig);
    expect(
      (await ecr.send(new GetRegistryScanningConfigurationCommand({}))).scanningConfiguration?.scanType,
    ).toBe('ENHANCED');
    expect((await ecr.send(new GetAccountSettingCommand({ name: 'REGISTRY_POLICY_SCOPE' }))).value).toBe(
      'V1',
    );
    const rules = (await ecr.send(new DescribePullThroughCacheRulesCommand({}))).pullThroughCacheRules!;
    expect(rules.map((r) => r.ecrRepositoryPrefix)).toEqual(awsCliAvailable ? ['ecr-public'] : []);
    const templates = (await ecr.send(new DescribeRepositoryCreationTemplatesCommand({})))
      .repositoryCreationTemplates!;
    expect(templates.map((tpl) => tpl.prefix)).toEqual(['ROOT', 'teamx']);
    const preview = await ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: 'preview' }));
    expect(preview.summary).toEqual({ expiringImageTotalCount: 2 });
  });
});
