// The base images the devkit builds from, with the real engine (offline here: node:24-slim cannot be
// pulled). Every entry point gets them from the devkit itself; no environment carries them.
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { makeStandIns, standInImages } from '../../src/deploy/base-image-stand-ins.ts';
import { baseImages, STANDARD_NODE_IMAGE, withBaseImages } from '../../src/deploy/base-images.ts';
import { envWithoutAws, runCli } from '../cli/run-cli.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';

const run = promisify(execFile);
/** Runs `command` in a fresh container of `image`; its stdout. */
const inImage = async (image: string, command: string[], options: string[] = []) =>
  (await run('docker', ['run', '--rm', ...options, image, ...command])).stdout.trim();

describe.skipIf(!dockerAvailable)('base images', () => {
  const docker = new Docker();
  const id = randomBytes(4).toString('hex');
  const made = { build: `devkit-test/node-build:${id}`, runtime: `devkit-test/node-runtime:${id}` };
  afterAll(async () => {
    for (const image of Object.values(made))
      await docker
        .getImage(image)
        .remove()
        .catch(() => undefined);
  });

  it('stand-ins made from the running Node: node as uid 1000 in the runtime one, npm in the build one', async () => {
    await makeStandIns(docker, made, 'test');
    expect(await inImage(made.runtime, ['node', '-p', 'process.version'], ['--user', '1000'])).toBe(
      process.version,
    );
    const owners = `[fs.statSync("/home/node").uid, fs.statSync("/usr/local/bin/node").uid].join(" ")`;
    expect(await inImage(made.runtime, ['node', '-p', owners])).toBe('1000 0');
    expect(await inImage(made.build, ['npm', '--version'])).toMatch(/^11\.\d+\.\d+$/);
    // bash, as node:24-slim has, for the service's health check (its /dev/tcp), run as uid 1000.
    const bash = ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/9 || echo refused'];
    expect(await inImage(made.runtime, bash, ['--user', '1000'])).toBe('refused');
    // No /bin/sh: the Dockerfiles' RUN, HEALTHCHECK and CMD are exec form.
    await expect(run('docker', ['run', '--rm', made.runtime, 'sh', '-c', 'true'])).rejects.toThrow();
  }, 180_000);

  it('builds from node:24-slim when the engine has it or can pull it, else from the stand-ins', async () => {
    const images = await baseImages(docker);
    const hasStandard = await docker
      .getImage(STANDARD_NODE_IMAGE)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (hasStandard) expect(images).toEqual({ build: STANDARD_NODE_IMAGE, runtime: STANDARD_NODE_IMAGE });
    else {
      expect(images).toMatchObject(standInImages());
      expect(images.standInReason).toMatch(/^node:24-slim cannot be pulled \(.+\)$/);
      expect(await inImage(images.build, ['node', '-p', 'process.version'])).toBe(process.version);
    }
  }, 180_000);

  it('replaces only the build args that name the standard image', async () => {
    const images = await baseImages(docker);
    const args = { BUILD_IMAGE: STANDARD_NODE_IMAGE, RUNTIME_IMAGE: 'my/node:24', GIT_COMMIT: 'abc' };
    expect(await withBaseImages(docker, args)).toEqual({ ...args, BUILD_IMAGE: images.build });
    const none = { GIT_COMMIT: 'abc', OTHER: STANDARD_NODE_IMAGE };
    expect(await withBaseImages(docker, none)).toEqual(none);
  }, 180_000);

  it('`devkit base-images` prints them as build args, with no environment telling it', async () => {
    const images = await baseImages(docker);
    const cli = await runCli(['base-images'], { env: envWithoutAws(), timeoutMs: 180_000 });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(`BUILD_IMAGE=${images.build}\nRUNTIME_IMAGE=${images.runtime}\n`);
  }, 180_000);
});
