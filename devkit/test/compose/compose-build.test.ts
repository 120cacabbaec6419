// Builds exactly what compose.yaml describes, with the real engine: each `build:` section's context
// (relative to the file), its dockerfile (relative to the context, as Compose resolves it) and its
// args (a listed name takes its value from the environment, as Compose passes it). The environment
// is what the file's header tells offline users to run with: the devkit's base images.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { TEST_BASE_IMAGES } from '../deploy/base-images.ts';
import type { ComposeService } from './compose-check.ts';
import { loadCompose } from './compose-check.ts';

const exec = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const env = { BUILD_IMAGE: TEST_BASE_IMAGES.build, RUNTIME_IMAGE: TEST_BASE_IMAGES.runtime };
const compose = loadCompose(readFileSync(join(root, 'compose.yaml'), 'utf8'), env);
const built = Object.entries(compose.services).filter(([, service]) => service.build);

/** The `--build-arg`s Compose passes for a build section. */
function buildArgs(build: NonNullable<ComposeService['build']>): string[] {
  const args = Array.isArray(build.args)
    ? build.args.map((entry) => entry.split(/=(.*)/s, 2) as [string, string | undefined])
    : Object.entries(build.args ?? {});
  return args.flatMap(([name, value]) => {
    const resolved = value ?? env[name as keyof typeof env];
    return resolved === undefined ? [] : ['--build-arg', `${name}=${resolved}`];
  });
}

describe.skipIf(!dockerAvailable)('compose.yaml builds', () => {
  const id = randomBytes(4).toString('hex');
  const tags: string[] = [];
  afterAll(async () => {
    if (tags.length) await exec('docker', ['rmi', '--force', ...tags]).catch(() => undefined);
  });

  it('has build sections', () => {
    expect(built.map(([name]) => name).sort()).toEqual(['api', 'gemini-mock']);
  });

  for (const [name, service] of built) {
    it(`${name}: builds its context and dockerfile with its args`, async () => {
      const build = service.build!;
      const context = join(root, build.context);
      const tag = `devkit-test/compose-${name}:${id}`;
      tags.push(tag);
      const args = [
        'build',
        '--quiet',
        '--tag',
        tag,
        '--file',
        join(context, build.dockerfile ?? 'Dockerfile'),
      ];
      // A failing build rejects with the builder's own output.
      await exec('docker', [...args, ...buildArgs(build), context], { maxBuffer: 64 * 1024 * 1024 });
      const { stdout } = await exec('docker', ['image', 'inspect', '--format', '{{json .Config}}', tag]);
      const config = JSON.parse(stdout) as { Entrypoint: string[] | null; Cmd: string[] | null };
      expect([...(config.Entrypoint ?? []), ...(config.Cmd ?? [])][0]).toBe('node');
    }, 600_000);
  }
});
