/**
 * The machine's layer cache with the real engine and two local clouds: the first push to a registry
 * keeps the engine's compressed big layer; a push of the same image to a fresh registry uploads it
 * from the cache first and `docker push` finds it there, giving the very same manifest digest; a
 * damaged cache file is refused by the registry, dropped, and the push goes on as without a cache.
 */
import { BatchGetImageCommand, CreateRepositoryCommand } from '@aws-sdk/client-ecr';
import Docker from 'dockerode';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildImage } from '../../src/deploy/build.ts';
import type { BuiltImage } from '../../src/deploy/build.ts';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { LayerCache } from '../../src/deploy/layer-cache.ts';
import type { ProgressEvent } from '../../src/deploy/progress.ts';
import { pushImage } from '../../src/deploy/push.ts';
import { parseStack } from '../../src/stack/load.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { MINIMAL } from '../stack/fixture.ts';

/** 9 MiB that gzip cannot shrink below the cache's 8 MiB floor, the same bytes every run. */
function incompressible(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let block = 0, offset = 0; offset < bytes; block++, offset += 32)
    createHash('sha256').update(`layer-cache-${block}`).digest().copy(out, offset);
  return out;
}

describe('the layer cache: which registries it serves', () => {
  it('loopback registries only, under XDG_CACHE_HOME or DEVKIT_LAYER_CACHE; off when asked', () => {
    const env = { XDG_CACHE_HOME: '/x/cache' };
    expect(LayerCache.forRegistry('127.0.0.1:4566', env)?.dir).toBe('/x/cache/devkit/layers');
    expect(LayerCache.forRegistry('localhost.localstack.cloud:4566', env)).toBeUndefined();
    expect(LayerCache.forRegistry('[::1]:4566', env)?.dir).toBe('/x/cache/devkit/layers');
    expect(LayerCache.forRegistry('127.example.com:4566', env)).toBeUndefined();
    expect(LayerCache.forRegistry('123456789012.dkr.ecr.us-east-1.amazonaws.com', env)).toBeUndefined();
    expect(LayerCache.forRegistry('127.0.0.1:4566', { ...env, DEVKIT_LAYER_CACHE: '/y' })?.dir).toBe('/y');
    expect(LayerCache.forRegistry('127.0.0.1:4566', { ...env, DEVKIT_LAYER_CACHE: 'off' })).toBeUndefined();
  });
});

describe.skipIf(!dockerAvailable)('the layer cache between two fresh local registries', () => {
  const docker = new Docker();
  const clouds: TestCloud[] = [];
  const clients: AwsClients[] = [];
  const events: ProgressEvent[] = [];
  const progress = { report: (event: ProgressEvent) => events.push(event) };
  const cacheDir = mkdtempSync(join(tmpdir(), 'devkit-layer-cache-'));
  const context = mkdtempSync(join(tmpdir(), 'devkit-layer-cache-context-'));
  let built: BuiltImage;
  let bigLayer: string;
  const tagged: string[] = [];

  /** The image under `repository` of cloud `n` (created), tagged `t`. */
  async function inCloud(n: number, repository: string): Promise<BuiltImage> {
    const created = await clients[n]!.ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
    const uri = created.repository!.repositoryUri!;
    await docker.getImage(built.id).tag({ repo: uri, tag: 't' });
    tagged.push(`${uri}:t`);
    return { id: built.id, repository: uri, tags: ['t'] };
  }
  const logs = () => events.flatMap((e) => (e.kind === 'log' && e.step === 'push' ? [e.text] : []));

  beforeAll(async () => {
    vi.stubEnv('DEVKIT_LAYER_CACHE', cacheDir);
    for (let n = 0; n < 2; n++) {
      const cloud = await startTestCloud();
      clouds.push(cloud);
      clients.push(createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials }));
    }
    writeFileSync(
      join(context, 'Dockerfile'),
      'FROM scratch\nCOPY big.bin /big.bin\nCOPY small.txt /small.txt\n',
    );
    writeFileSync(join(context, 'big.bin'), incompressible(9 * 1024 * 1024));
    writeFileSync(join(context, 'small.txt'), 'small\n');
    const stack = {
      file: join(context, 'stack.yml'),
      stage: 'dev',
      buildContext: context,
      config: parseStack(MINIMAL, 'stack.yml', { stage: 'dev', env: {} }),
    };
    built = await buildImage(
      docker,
      stack,
      { repository: 'devkit-test/layer-cache', tag: 'built' },
      progress,
    );
    tagged.push(...built.tags.map((tag) => `${built.repository}:${tag}`));
    bigLayer = (await docker.getImage(built.id).inspect()).RootFS.Layers![0]!;
  }, 180_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    for (const name of tagged)
      await docker
        .getImage(name)
        .remove({ noprune: true })
        .catch(() => undefined);
    for (const c of clients) destroyClients(c);
    for (const cloud of clouds) await cloud.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
    rmSync(context, { recursive: true, force: true });
  });

  it('keeps the engine’s compressed big layer after the first push, by its uncompressed digest', async () => {
    const first = await pushImage(docker, clients[0]!, await inCloud(0, 'cache-a'), progress);
    expect(first.cachedBytes).toBe(0);
    expect(first.sentBytes).toBeGreaterThan(9 * 1024 * 1024);
    // Only the big layer: the small one changes with the code and is cheap to compress.
    const hex = bigLayer.replace('sha256:', '');
    expect((await readdir(cacheDir)).sort()).toEqual([`${hex}.json`, `${hex}.tar.gz`]);
    const { images = [] } = await clients[0]!.ecr.send(
      new BatchGetImageCommand({ repositoryName: 'cache-a', imageIds: [{ imageDigest: first.digest }] }),
    );
    const manifest = JSON.parse(images[0]!.imageManifest!) as {
      layers: Array<{ digest: string; size: number }>;
    };
    const kept = JSON.parse(await readFile(join(cacheDir, `${hex}.json`), 'utf8')) as { digest: string };
    expect(kept.digest).toBe(manifest.layers[0]!.digest);
    const bytes = await readFile(join(cacheDir, `${hex}.tar.gz`));
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(kept.digest);

    // A fresh registry: the cache uploads the layer, the engine finds it and sends only the rest.
    events.length = 0;
    const second = await pushImage(docker, clients[1]!, await inCloud(1, 'cache-b'), progress);
    expect(second.cachedBytes).toBe(manifest.layers[0]!.size);
    expect(second.sentBytes).toBeLessThan(1024 * 1024);
    expect(second.digest).toBe(first.digest);
    expect(logs()).toContainEqual(
      expect.stringMatching(/^uploaded 9\.\d MB of compressed layers from the layer cache /),
    );
    expect(logs()).toContainEqual(expect.stringMatching(/^t [0-9a-f]{12}: Layer already exists$/));
    const done = events.find((e) => e.kind === 'done' && e.step === 'push');
    expect(done && 'summary' in done ? done.summary : '').toMatch(
      / sent, 9\.\d MB compressed from the layer cache$/,
    );
  }, 300_000);

  it('a damaged cache file is refused by the registry, dropped, and the push goes on without it', async () => {
    const hex = bigLayer.replace('sha256:', '');
    const file = join(cacheDir, `${hex}.tar.gz`);
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(file, bytes);

    const pushed = await pushImage(docker, clients[1]!, await inCloud(1, 'cache-c'), progress);
    expect(pushed.cachedBytes).toBe(0);
    expect(pushed.sentBytes).toBeGreaterThan(9 * 1024 * 1024);
    // Kept again, from this push: whole and matching its digest.
    const kept = JSON.parse(await readFile(join(cacheDir, `${hex}.json`), 'utf8')) as { digest: string };
    const again = await readFile(file);
    expect(`sha256:${createHash('sha256').update(again).digest('hex')}`).toBe(kept.digest);
  }, 300_000);
});
