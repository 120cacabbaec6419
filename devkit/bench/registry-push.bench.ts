/**
 * `docker push` of a ~100 MB one-layer image (random bytes, so compression cannot shrink it)
 * through the local cloud's registry versus Debian's docker-registry (CNCF Distribution) on the same
 * machine. Every run gets fresh storage and a fresh port, so the layer really uploads; runs
 * alternate between the two to spread out the machine's noise. Target: ≤ 1.5× Distribution.
 */
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCloud } from '../src/cloud/server.ts';

const exec = promisify(execFile);
const RUNS = 5;
const LAYER_BYTES = 100 * 1024 * 1024;
const DISTRIBUTION = '/usr/bin/docker-registry';
const IMAGE = 'devkit-bench/registry-push:100mb';

export default async function registryPush(): Promise<void> {
  if (!existsSync(DISTRIBUTION)) {
    throw new Error(`${DISTRIBUTION} is missing: apt-get install -y docker-registry`);
  }
  const work = await mkdtemp(join(tmpdir(), 'devkit-bench-registry-'));
  const dockerEnv = { ...process.env, DOCKER_CONFIG: join(work, 'docker-config') };
  const docker = (args: string[], input?: string) => {
    const child = exec('docker', args, { env: dockerEnv, maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) child.child.stdin?.end(input);
    return child;
  };
  try {
    await writeFile(join(work, 'payload.bin'), randomBytes(LAYER_BYTES));
    await exec('tar', ['-C', work, '-cf', join(work, 'image.tar'), 'payload.bin']);
    await docker(['import', join(work, 'image.tar'), IMAGE]);
    await rm(join(work, 'payload.bin'));

    const ours: number[] = [];
    const theirs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      // Alternate who goes first, so neither always meets a warmer page cache.
      const order = run % 2 === 0 ? ['ours', 'distribution'] : ['distribution', 'ours'];
      for (const which of order) {
        const storage = await mkdtemp(join(work, `${which}-`));
        const seconds =
          which === 'ours'
            ? await pushToLocalCloud(storage, docker)
            : await pushToDistribution(storage, docker);
        (which === 'ours' ? ours : theirs).push(seconds);
        await rm(storage, { recursive: true, force: true });
      }
    }
    const oursMedian = median(ours);
    const theirsMedian = median(theirs);
    const format = (values: number[]) => values.map((s) => s.toFixed(2)).join(', ');
    console.log(
      `docker push of a ${LAYER_BYTES / 1024 / 1024} MiB layer, ${RUNS} runs each (fresh storage per run)`,
    );
    console.log(`  local cloud registry : median ${oursMedian.toFixed(2)} s  [${format(ours)}]`);
    console.log(`  CNCF Distribution    : median ${theirsMedian.toFixed(2)} s  [${format(theirs)}]`);
    const ratio = oursMedian / theirsMedian;
    console.log(`  ratio ${ratio.toFixed(2)}× (target ≤ 1.5×) ${ratio <= 1.5 ? 'OK' : 'OVER TARGET'}`);
  } finally {
    await docker(['rmi', '--force', IMAGE]).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

type Docker = (args: string[], input?: string) => Promise<{ stdout: string }>;

async function timedPush(docker: Docker, host: string): Promise<number> {
  const target = `${host}/bench/app:v1`;
  await docker(['tag', IMAGE, target]);
  try {
    const started = performance.now();
    await docker(['push', target]);
    return (performance.now() - started) / 1000;
  } finally {
    await docker(['rmi', target]);
  }
}

async function pushToLocalCloud(dataDir: string, docker: Docker): Promise<number> {
  const cloud = await startCloud({ port: 0, dataDir });
  const host = new URL(cloud.url).host;
  const ecr = new ECRClient({
    endpoint: cloud.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bench/app' }));
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    const password = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64').toString().slice(4);
    await docker(['login', '--username', 'AWS', '--password-stdin', host], password);
    return await timedPush(docker, host);
  } finally {
    ecr.destroy();
    await docker(['logout', host]).catch(() => undefined);
    await cloud.close();
  }
}

async function pushToDistribution(storage: string, docker: Docker): Promise<number> {
  const port = await freePort();
  const config = join(storage, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(storage, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const registry = spawn(DISTRIBUTION, ['serve', config], { stdio: 'ignore' });
  try {
    await waitForRegistry(`http://127.0.0.1:${port}/v2/`);
    return await timedPush(docker, `127.0.0.1:${port}`);
  } finally {
    registry.kill();
  }
}

async function waitForRegistry(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`docker-registry did not answer on ${url}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
