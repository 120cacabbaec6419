/**
 * The registry behind ECR, through the real docker CLI (login, push, pull) and raw HTTP for what
 * docker never shows: authentication challenges, digest checks, chunked uploads, mounts, errors.
 */
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  ECRClient,
  PutAccountSettingCommand,
} from '@aws-sdk/client-ecr';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BASE_IMAGES } from '../../deploy/base-images.ts';
import { disposeDockerConfig, docker, dockerAvailable } from '../docker-cli.ts';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';
import { DOCKER_MANIFEST, RegistryClient, registryAuthorization, sha256 } from '../registry-client.ts';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

let t: TestCloud;
let ecr: ECRClient;
let registry: RegistryClient;

beforeAll(async () => {
  t = await startTestCloud();
  ecr = new ECRClient(t.clientConfig);
  registry = new RegistryClient(t, await registryAuthorization(t));
  for (const repositoryName of ['raw', 'raw/mirror', 'docker/tiny', 'docker/runtime', 'docker/frozen']) {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName,
        imageTagMutability: repositoryName === 'docker/frozen' ? 'IMMUTABLE' : 'MUTABLE',
      }),
    );
  }
});

afterAll(async () => {
  ecr.destroy();
  await t.dispose();
});

async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { errors: Array<{ code: string }> };
  return body.errors[0]!.code;
}

describe('authentication', () => {
  it('answers /v2/ without credentials with 401 and a Basic challenge, like ECR', async () => {
    const response = await fetch(new URL('/v2/', t.cloud.url));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Basic realm="${t.cloud.url}/",service="ecr.amazonaws.com"`,
    );
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await errorCode(response)).toBe('UNAUTHORIZED');
  });

  it('refuses a made-up password and a wrong user, and accepts the token’s', async () => {
    const basic = (credentials: string) => ({
      authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
    });
    const forged = await fetch(new URL('/v2/', t.cloud.url), { headers: basic('AWS:not-a-token') });
    expect(forged.status).toBe(401);
    const token = Buffer.from((await registryAuthorization(t)).slice('Basic '.length), 'base64').toString();
    const password = token.slice('AWS:'.length);
    const wrongUser = await fetch(new URL('/v2/', t.cloud.url), { headers: basic(`admin:${password}`) });
    expect(wrongUser.status).toBe(401);
    const ok = await registry.fetch('/v2/');
    expect(ok.status).toBe(200);
    // Everything under /v2/ is protected, not just the ping.
    const manifests = await fetch(new URL('/v2/raw/tags/list', t.cloud.url));
    expect(manifests.status).toBe(401);
  });

  it('says NAME_UNKNOWN for a repository that was never created (ECR needs CreateRepository first)', async () => {
    const response = await registry.fetch('/v2/never/created/blobs/uploads/', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await errorCode(response)).toBe('NAME_UNKNOWN');
  });
});

describe('blob uploads', () => {
  it('rejects a monolithic upload whose digest does not match its content, storing nothing', async () => {
    const content = randomBytes(1024);
    const claimed = sha256(Buffer.from('something else'));
    const response = await registry.pushBlob('raw', content, claimed);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ code: 'DIGEST_INVALID', detail: { digest: claimed, actual: sha256(content) } }],
    });
    const head = await registry.fetch(`/v2/raw/blobs/${claimed}`, { method: 'HEAD' });
    expect(head.status).toBe(404);
  });

  it('takes a chunked upload (POST, PATCH × 2, PUT) and serves the blob back with its digest and length', async () => {
    const content = randomBytes(300_000);
    const digest = sha256(content);
    const started = await registry.fetch('/v2/raw/blobs/uploads/', { method: 'POST' });
    expect(started.status).toBe(202);
    expect(started.headers.get('range')).toBe('0-0');
    let location = started.headers.get('location')!;
    expect(location).toMatch(/^\/v2\/raw\/blobs\/uploads\/[0-9a-f-]{36}$/);
    for (const [start, end] of [
      [0, 100_000],
      [100_000, 300_000],
    ] as const) {
      const patched = await registry.fetch(location, {
        method: 'PATCH',
        body: content.subarray(start, end),
        headers: { 'content-range': `${start}-${end - 1}`, 'content-type': 'application/octet-stream' },
      });
      expect(patched.status).toBe(202);
      expect(patched.headers.get('range')).toBe(`0-${end - 1}`);
      location = patched.headers.get('location')!;
    }
    const finished = await registry.fetch(`${location}?digest=${digest}`, { method: 'PUT' });
    expect(finished.status).toBe(201);
    expect(finished.headers.get('docker-content-digest')).toBe(digest);
    expect(finished.headers.get('location')).toBe(`/v2/raw/blobs/${digest}`);
    const head = await registry.fetch(`/v2/raw/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(content.length));
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const got = await registry.fetch(`/v2/raw/blobs/${digest}`);
    expect(Buffer.from(await got.arrayBuffer()).equals(content)).toBe(true);
  });

  it('rejects a chunk out of order with 416, and a chunked upload whose digest is wrong with DIGEST_INVALID', async () => {
    const started = await registry.fetch('/v2/raw/blobs/uploads/', { method: 'POST' });
    const location = started.headers.get('location')!;
    const skipped = await registry.fetch(location, {
      method: 'PATCH',
      body: Buffer.from('late'),
      headers: { 'content-range': '10-13' },
    });
    expect(skipped.status).toBe(416);
    expect(await errorCode(skipped)).toBe('RANGE_INVALID');
    expect(skipped.headers.get('range')).toBe('0-0');
    await registry.fetch(location, { method: 'PATCH', body: Buffer.from('actual bytes') });
    const wrong = sha256(Buffer.from('claimed bytes'));
    const finished = await registry.fetch(`${location}?digest=${wrong}`, { method: 'PUT' });
    expect(finished.status).toBe(400);
    expect(await errorCode(finished)).toBe('DIGEST_INVALID');
    // The failed session is gone.
    const again = await registry.fetch(location, { method: 'GET' });
    expect(again.status).toBe(404);
    expect(await errorCode(again)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('takes one request at a time into a session: a second PATCH meanwhile gets 416 RANGE_INVALID', async () => {
    const started = await registry.fetch('/v2/raw/blobs/uploads/', { method: 'POST' });
    const location = started.headers.get('location')!;
    const first = [randomBytes(1024), randomBytes(1024)];
    let sendRest!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(first[0]);
        sendRest = () => {
          controller.enqueue(first[1]);
          controller.close();
        };
      },
    });
    const writing = registry.fetch(location, { method: 'PATCH', body, duplex: 'half' } as RequestInit);
    // The session holds the first chunk: the first PATCH is under way.
    for (let i = 0; ; i++) {
      const progress = await registry.fetch(location, { method: 'GET' });
      if (progress.headers.get('range') === '0-1023') break;
      expect(i, 'the first PATCH never reached the session').toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const second = await registry.fetch(location, { method: 'PATCH', body: randomBytes(512) });
    expect(second.status).toBe(416);
    expect(await errorCode(second)).toBe('RANGE_INVALID');
    expect(second.headers.get('range')).toBe('0-1023');
    const put = await registry.fetch(`${location}?digest=${sha256(Buffer.concat(first))}`, { method: 'PUT' });
    expect(put.status).toBe(416);
    sendRest();
    expect((await writing).status).toBe(202);
    const digest = sha256(Buffer.concat(first));
    expect((await registry.fetch(`${location}?digest=${digest}`, { method: 'PUT' })).status).toBe(201);
    const got = await registry.fetch(`/v2/raw/blobs/${digest}`);
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.concat(first))).toBe(true);
  });

  it('removes a cancelled session’s partial file', async () => {
    const started = await registry.fetch('/v2/raw/blobs/uploads/', { method: 'POST' });
    const location = started.headers.get('location')!;
    await registry.fetch(location, { method: 'PATCH', body: randomBytes(4096) });
    const uploads = join(t.dataDir, 'registry', 'uploads');
    const id = started.headers.get('docker-upload-uuid')!;
    expect(await readdir(uploads)).toContain(id);
    expect((await stat(join(uploads, id))).mode & 0o777).toBe(0o600);
    expect((await registry.fetch(location, { method: 'DELETE' })).status).toBe(204);
    expect(await readdir(uploads)).not.toContain(id);
  });

  it('mounts a blob from another repository (201) once BLOB_MOUNTING is ENABLED, and falls back to an upload (202) while it is not or when the source lacks it', async () => {
    const content = randomBytes(2048);
    const digest = sha256(content);
    expect((await registry.pushBlob('raw', content)).status).toBe(201);
    const before = await registry.fetch(`/v2/raw/mirror/blobs/${digest}`, { method: 'HEAD' });
    expect(before.status).toBe(404);
    // AWS's default is DISABLED: the client gets an upload session and sends the layer itself.
    const uploading = await registry.fetch(`/v2/raw/mirror/blobs/uploads/?mount=${digest}&from=raw`, {
      method: 'POST',
    });
    expect(uploading.status).toBe(202);
    expect((await registry.fetch(uploading.headers.get('location')!, { method: 'DELETE' })).status).toBe(204);
    await ecr.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
    const mounted = await registry.fetch(`/v2/raw/mirror/blobs/uploads/?mount=${digest}&from=raw`, {
      method: 'POST',
    });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('docker-content-digest')).toBe(digest);
    const after = await registry.fetch(`/v2/raw/mirror/blobs/${digest}`, { method: 'HEAD' });
    expect(after.status).toBe(200);
    const missing = sha256(randomBytes(16));
    const fallback = await registry.fetch(`/v2/raw/mirror/blobs/uploads/?mount=${missing}&from=raw`, {
      method: 'POST',
    });
    expect(fallback.status).toBe(202);
  });
});

describe('manifests', () => {
  it('refuses a manifest whose blobs were never pushed (MANIFEST_BLOB_UNKNOWN)', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 2, digest: sha256('{}') },
      layers: [],
    });
    const response = await registry.fetch('/v2/raw/manifests/orphan', {
      method: 'PUT',
      body: manifest,
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('MANIFEST_BLOB_UNKNOWN');
  });

  it('refuses a manifest whose sizes are not its blobs’ or manifests’ sizes (MANIFEST_INVALID)', async () => {
    const pushed = await registry.pushImage('raw', 'sized', 100);
    const manifest = JSON.parse(pushed.manifest) as { layers: Array<{ size: number; digest: string }> };
    for (const size of [99, 101, 0]) {
      manifest.layers[0]!.size = size;
      const response = await registry.fetch('/v2/raw/manifests/missized', {
        method: 'PUT',
        body: JSON.stringify(manifest),
        headers: { 'content-type': DOCKER_MANIFEST },
      });
      expect(response.status).toBe(400);
      const { errors } = (await response.json()) as { errors: Array<{ code: string; detail: unknown }> };
      expect(errors[0]).toMatchObject({
        code: 'MANIFEST_INVALID',
        detail: { digest: manifest.layers[0]!.digest, declared: size, actual: 100 },
      });
    }
    const index = (size: number) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [{ mediaType: DOCKER_MANIFEST, digest: pushed.digest, size }],
      });
    const wrong = await registry.fetch('/v2/raw/manifests/missized-index', {
      method: 'PUT',
      body: index(Buffer.byteLength(pushed.manifest) + 1),
      headers: { 'content-type': OCI_INDEX },
    });
    expect(await errorCode(wrong)).toBe('MANIFEST_INVALID');
    const right = await registry.fetch('/v2/raw/manifests/sized-index', {
      method: 'PUT',
      body: index(Buffer.byteLength(pushed.manifest)),
      headers: { 'content-type': OCI_INDEX },
    });
    expect(right.status).toBe(201);
    const tags = (await (await registry.fetch('/v2/raw/tags/list')).json()) as { tags: string[] };
    expect(tags.tags).not.toContain('missized');
  });

  it('refuses a manifest pushed under a digest that is not its own, and malformed JSON', async () => {
    const pushed = await registry.pushImage('raw', 'ok');
    const wrong = sha256('other');
    const byDigest = await registry.fetch(`/v2/raw/manifests/${wrong}`, {
      method: 'PUT',
      body: pushed.manifest,
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    expect(await errorCode(byDigest)).toBe('DIGEST_INVALID');
    const malformed = await registry.fetch('/v2/raw/manifests/bad', {
      method: 'PUT',
      body: '{"schemaVersion":',
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    expect(malformed.status).toBe(400);
    expect(await errorCode(malformed)).toBe('MANIFEST_INVALID');
  });

  it('serves a manifest by tag and by digest, byte for byte, with its media type; lists tags; deletes by digest', async () => {
    const pushed = await registry.pushImage('raw', 'served');
    expect(pushed.response.headers.get('docker-content-digest')).toBe(pushed.digest);
    for (const reference of ['served', pushed.digest]) {
      const got = await registry.fetch(`/v2/raw/manifests/${reference}`, {
        headers: { accept: DOCKER_MANIFEST },
      });
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe(DOCKER_MANIFEST);
      expect(got.headers.get('docker-content-digest')).toBe(pushed.digest);
      expect(await got.text()).toBe(pushed.manifest);
    }
    const head = await registry.fetch('/v2/raw/manifests/served', { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(pushed.manifest)));
    const tags = await registry.fetch('/v2/raw/tags/list');
    expect(await tags.json()).toEqual({
      name: 'raw',
      tags: expect.arrayContaining(['ok', 'served']) as unknown,
    });
    const deleted = await registry.fetch(`/v2/raw/manifests/${pushed.digest}`, { method: 'DELETE' });
    expect(deleted.status).toBe(202);
    const gone = await registry.fetch('/v2/raw/manifests/served');
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('MANIFEST_UNKNOWN');
  });

  it('accepts an OCI image index over manifests already in the repository, sized as their sum', async () => {
    const amd64 = await registry.pushImage('raw', 'amd64', 100);
    const arm64 = await registry.pushImage('raw', 'arm64', 200);
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [amd64, arm64].map((image, i) => ({
        mediaType: DOCKER_MANIFEST,
        digest: image.digest,
        size: Buffer.byteLength(image.manifest),
        platform: { architecture: i ? 'arm64' : 'amd64', os: 'linux' },
      })),
    });
    const response = await registry.fetch('/v2/raw/manifests/multi', {
      method: 'PUT',
      body: index,
      headers: { 'content-type': OCI_INDEX },
    });
    expect(response.status).toBe(201);
    const { imageDetails } = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'raw', imageIds: [{ imageTag: 'multi' }] }),
    );
    expect(imageDetails![0]).toMatchObject({
      imageDigest: sha256(index),
      imageManifestMediaType: OCI_INDEX,
      imageSizeInBytes: 300,
    });
  });
});

describe.skipIf(!dockerAvailable || !awsCliAvailable)('the real docker CLI', () => {
  let workDir: string;
  let registryHost: string;
  /** Tags this suite added, and the ids of images it imported (a moved tag leaves its image untagged). */
  const created: string[] = [];

  beforeAll(async () => {
    registryHost = new URL(t.cloud.url).host;
    workDir = await mkdtemp(join(tmpdir(), 'devkit-registry-test-'));
    const { stdout: password } = await t.aws(['ecr', 'get-login-password']);
    const login = await docker(['login', '--username', 'AWS', '--password-stdin', registryHost], {
      input: password,
    });
    expect(login).toMatch(/Login Succeeded/);
  });

  afterAll(async () => {
    for (const image of created) await docker(['rmi', '--force', image]).catch(() => undefined);
    await docker(['logout', registryHost]).catch(() => undefined);
    disposeDockerConfig();
    await rm(workDir, { recursive: true, force: true });
  });

  /** A one-layer image from a tarball of random bytes, tagged into the local registry. */
  async function importImage(reference: string): Promise<string> {
    const dir = await mkdtemp(join(workDir, 'image-'));
    await writeFile(join(dir, 'payload.bin'), randomBytes(64 * 1024));
    await writeFile(join(dir, 'hello.txt'), `hello from ${reference}\n`);
    const tarball = join(dir, 'image.tar');
    await promisify(execFile)('tar', ['-C', dir, '-cf', tarball, 'payload.bin', 'hello.txt']);
    const image = `${registryHost}/${reference}`;
    created.push((await docker(['import', tarball, image])).trim());
    return image;
  }

  function pushedDigest(output: string): { digest: string; size: number } {
    const match = /digest: (sha256:[a-f0-9]{64}) size: (\d+)/.exec(output);
    expect(match, output).not.toBeNull();
    return { digest: match![1]!, size: Number(match![2]) };
  }

  it('docker push, then DescribeImages reports the pushed digest and the layers’ size; docker pull after rmi', async () => {
    const image = await importImage('docker/tiny:v1');
    const pushed = pushedDigest(await docker(['push', image]));
    const { imageDetails } = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'docker/tiny', imageIds: [{ imageTag: 'v1' }] }),
    );
    expect(imageDetails![0]!.imageDigest).toBe(pushed.digest);
    const { images } = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'docker/tiny', imageIds: [{ imageTag: 'v1' }] }),
    );
    const manifest = images![0]!.imageManifest!;
    // docker's "size" is the manifest's; ECR's imageSizeInBytes is the sum of the layers it lists.
    expect(Buffer.byteLength(manifest)).toBe(pushed.size);
    const layers = (JSON.parse(manifest) as { layers: Array<{ size: number }> }).layers;
    expect(imageDetails![0]!.imageSizeInBytes).toBe(layers.reduce((sum, l) => sum + l.size, 0));

    await docker(['rmi', image]);
    const pulled = await docker(['pull', image]);
    expect(pulled).toContain(`Digest: ${pushed.digest}`);
    const inspected = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', image]);
    expect(inspected).toContain(`${registryHost}/docker/tiny@${pushed.digest}`);
  });

  it('pushes a real multi-layer base image with the digest docker computed', async () => {
    const base = TEST_BASE_IMAGES.runtime;
    const image = `${registryHost}/docker/runtime:base`;
    await docker(['tag', base, image]);
    created.push(image);
    const pushed = pushedDigest(await docker(['push', image]));
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'docker/runtime' }));
    expect(imageDetails!.map((d) => d.imageDigest)).toEqual([pushed.digest]);
    expect(imageDetails![0]!.imageSizeInBytes).toBeGreaterThan(1024 * 1024);
    // The engine resolves the tag to the same digest through the registry.
    const pulled = await docker(['pull', image]);
    expect(pulled).toContain(`Digest: ${pushed.digest}`);
  });

  it('an IMMUTABLE repository refuses to move a tag, with ECR’s message through docker', async () => {
    const first = await importImage('docker/frozen:v1');
    await docker(['push', first]);
    const second = await importImage('docker/frozen:v1');
    await expect(docker(['push', second])).rejects.toThrow(
      "tag invalid: The image tag 'v1' already exists in the 'docker/frozen' repository and cannot be overwritten because the repository is immutable.",
    );
  });
});

describe('abandoned upload sessions', () => {
  it('are purged with their partial files once idle past the limit', async () => {
    const short = await startTestCloud({ registry: { uploadIdleMs: 300 } });
    try {
      const client = new ECRClient(short.clientConfig);
      await client.send(new CreateRepositoryCommand({ repositoryName: 'idle' }));
      client.destroy();
      const idle = new RegistryClient(short, await registryAuthorization(short));
      const started = await idle.fetch('/v2/idle/blobs/uploads/', { method: 'POST' });
      const location = started.headers.get('location')!;
      const id = started.headers.get('docker-upload-uuid')!;
      await idle.fetch(location, { method: 'PATCH', body: randomBytes(2048) });
      const uploads = join(short.dataDir, 'registry', 'uploads');
      expect(await readdir(uploads)).toContain(id);
      let status = 0;
      let files = [id];
      // The session is forgotten first, then its file removed: wait for both.
      for (let i = 0; i < 200 && (status !== 404 || files.length > 0); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        // Reading the session's progress is not using it: only writes keep it alive.
        status = (await idle.fetch(location, { method: 'GET' })).status;
        files = await readdir(uploads);
      }
      const gone = await idle.fetch(location, { method: 'GET' });
      expect(gone.status).toBe(404);
      expect(await errorCode(gone)).toBe('BLOB_UPLOAD_UNKNOWN');
      expect(await readdir(uploads)).toEqual([]);
    } finally {
      await short.dispose();
    }
  });
});
