/**
 * Local stand-ins for node:24-slim, for an engine that cannot pull it: made from the Node binary
 * running the devkit and the host's bash — the executables, the loader and libraries they link (as
 * ldd lists them), CA certificates, a passwd with the `node` user (uid 1000) — and imported as
 * images. bash is there because node:24-slim has it and the service's health check is a bash probe
 * (a Node one costs ~20 times its CPU inside the task's limit); there is no /bin/sh, so the
 * Dockerfiles' RUN, HEALTHCHECK and CMD are exec form. The build image adds npm (and /usr/bin/env,
 * npm's shebang). Linux only: the host's binaries must run in a Linux container.
 */
import type Docker from 'dockerode';
import { execFile, spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { BaseImages } from './base-images.ts';
import { followDockerStream } from './docker-stream.ts';

const run = promisify(execFile);
/** Debian/Ubuntu's bundle, then Fedora/RHEL's. */
const CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'];
const NPM = 'npm@11';

/** What the stand-ins hold, as a tag suffix: a change here makes new ones on every engine. */
const CONTENTS = 'bash';

/** Named for the image they stand in for and the Node they carry: a new Node makes new ones. */
export function standInImages(): BaseImages {
  const tag = `24-${process.versions.node}-${CONTENTS}`;
  return { build: `devkit-base/node-build:${tag}`, runtime: `devkit-base/node-runtime:${tag}` };
}

export async function makeStandIns(docker: Docker, images: BaseImages, reason: string): Promise<void> {
  if (process.platform !== 'linux')
    throw new Error(
      `${reason}, and local stand-ins need Linux: give the Docker engine registry access (or \`docker pull node:24-slim\` once)`,
    );
  const work = await mkdtemp(join(tmpdir(), 'devkit-base-images-'));
  try {
    // npm's tarball is fetched while the runtime image is made.
    const npmLayer = join(work, 'npm-layer');
    const npmReady = addNpm(npmLayer, work);
    npmReady.catch(() => undefined);
    const runtime = join(work, 'runtime');
    await makeRootfs(runtime);
    await importRootfs(docker, runtime, images.runtime);
    await npmReady;
    await addLayer(docker, images.runtime, npmLayer, images.build);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function makeRootfs(fs: string): Promise<void> {
  for (const dir of ['usr/local/bin', 'usr/bin', 'etc/ssl/certs', 'tmp', 'home/node', 'app'])
    await mkdir(join(fs, dir), { recursive: true });
  await chmod(join(fs, 'tmp'), 0o1777);
  await addExecutable(fs, process.execPath, 'usr/local/bin/node');
  const bash = await run('bash', ['-c', 'command -v bash']).catch(() => {
    throw new Error('the base image stand-ins need bash on this host (the health check probe runs it)');
  });
  await addExecutable(fs, bash.stdout.trim(), 'usr/bin/bash');
  const bundle = CA_BUNDLES.find((path) => existsSync(path));
  if (bundle) await copyFile(bundle, join(fs, 'etc/ssl/certs/ca-certificates.crt'));
  await writeFile(
    join(fs, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n',
  );
  await writeFile(join(fs, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
}

/** `executable` at `target` in `fs`, with the loader and libraries it links. */
async function addExecutable(fs: string, executable: string, target: string): Promise<void> {
  await copyFile(executable, join(fs, target));
  const { stdout } = await run('ldd', [executable]);
  // Lines like `libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)` and `/lib64/ld-linux-x86-64.so.2 (0x…)`.
  for (const [, lib] of stdout.matchAll(/(?:^|\s)(\/\S+)/gm)) {
    await mkdir(join(fs, dirname(lib!)), { recursive: true });
    await copyFile(lib!, join(fs, lib!)); // follows symlinks: the library itself
  }
}

async function addNpm(fs: string, work: string): Promise<void> {
  await mkdir(join(fs, 'usr/local/bin'), { recursive: true });
  await mkdir(join(fs, 'usr/bin'), { recursive: true });
  await run('npm', ['pack', '--silent', NPM], { cwd: work });
  const tarball = (await readdir(work)).find((name) => /^npm-.*\.tgz$/.test(name));
  if (!tarball) throw new Error(`npm pack ${NPM} wrote no tarball`);
  const npmDir = join(fs, 'usr/local/lib/node_modules/npm');
  await mkdir(npmDir, { recursive: true });
  await run('tar', ['-xzf', join(work, tarball), '-C', npmDir, '--strip-components=1']);
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(fs, 'usr/local/bin/npm'));
  await copyFile('/usr/bin/env', join(fs, 'usr/bin/env'));
}

/**
 * `image`: `base` with the files under `fs` added as one layer (a container of `base` given the
 * files, committed). The build image is the runtime image plus npm: a second full rootfs would copy
 * and import Node again.
 */
async function addLayer(docker: Docker, base: string, fs: string, image: string): Promise<void> {
  const container = await docker.createContainer({ Image: base });
  try {
    const archive = spawn('tar', ['-c', '--owner=0', '--group=0', '--numeric-owner', '-C', fs, '.']);
    await container.putArchive(archive.stdout, { path: '/' });
    const [repo, tag] = image.split(':') as [string, string];
    await container.commit({ repo, tag });
  } finally {
    await container.remove({ force: true });
  }
}

/** Imports `fs` as `image`: every file root's, except the node user's home (as in node:24-slim). */
async function importRootfs(docker: Docker, fs: string, image: string): Promise<void> {
  const archive = `${fs}.tar`;
  const owner = (id: number) => [`--owner=${id}`, `--group=${id}`, '--numeric-owner'];
  await run('tar', ['-cf', archive, ...owner(0), '--exclude=./home/node', '-C', fs, '.']);
  await run('tar', ['-rf', archive, ...owner(1000), '-C', fs, './home/node']);
  const [repo, tag] = image.split(':') as [string, string];
  const stream = await docker.importImage(createReadStream(archive), {
    repo,
    tag,
    changes: [
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      // The host's CA bundle: npm works behind a TLS-inspecting proxy too.
      'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
      `ENV NODE_VERSION=${process.versions.node}`,
      'CMD ["node"]',
    ],
  });
  await followDockerStream(docker, stream, () => undefined);
}
