/**
 * The fixture app itself, run with plain Docker (no ECS): what the runtime tests rely on it doing
 * — answer with its version, pass then fail its exec-form health probe, drain on SIGTERM. Each
 * case runs its own containers, all at once.
 */
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import type { TestCloud } from '../harness.ts';
import { startTestCloud } from '../harness.ts';
import { ecrAuth, FIXTURE_HEALTH_CHECK, pushFixture } from './fixture.ts';

const docker = new Docker();

describe.skipIf(!dockerAvailable).concurrent('runtime fixture app', () => {
  let t: TestCloud;
  let image: string;
  const containers: Docker.Container[] = [];

  beforeAll(async () => {
    t = await startTestCloud();
    image = await pushFixture(docker, t, 'fixture-self-test');
    // pushFixture leaves no local tag: the engine pulls the image back from the local ECR.
    const pull = await docker.pull(image, { authconfig: await ecrAuth(t) });
    await new Promise((resolve, reject) =>
      docker.modem.followProgress(pull, (error: Error | null) => (error ? reject(error) : resolve(null))),
    );
  }, 120_000);

  afterAll(async () => {
    for (const c of containers) await c.remove({ force: true }).catch(() => undefined);
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
    await t.dispose();
  });

  async function run(env: Record<string, string>): Promise<{ container: Docker.Container; url: string }> {
    const container = await docker.createContainer({
      Image: image,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    containers.push(container);
    await container.start();
    const port = (await container.inspect()).NetworkSettings.Ports['8080/tcp']![0]!.HostPort;
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(url + '/health').then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { container, url };
  }

  async function probe(container: Docker.Container): Promise<number | null> {
    // The runtime tests' health check, as the engine runs it (exec form: no `CMD`).
    const exec = await container.exec({ Cmd: FIXTURE_HEALTH_CHECK.command!.slice(1), AttachStdout: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise((resolve) => stream.on('end', resolve).resume());
    for (;;) {
      const { Running, ExitCode } = await exec.inspect();
      if (!Running) return ExitCode;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('is pulled back from the local ECR and answers with its version and environment', async () => {
    const { url } = await run({ VERSION: 'v7', GREETING: 'hi' });
    expect(await (await fetch(url)).json()).toMatchObject({ version: 'v7' });
    expect(await (await fetch(url + '/env/GREETING')).json()).toEqual({ name: 'GREETING', value: 'hi' });
  }, 60_000);

  it('its exec-form probe passes, then fails once the app turns unhealthy', async () => {
    const { container, url } = await run({});
    expect(await probe(container)).toBe(0);
    await fetch(url + '/unhealthy', { method: 'POST' });
    expect(await probe(container)).toBe(1);
  }, 60_000);

  it('drains on SIGTERM and exits 0; with IGNORE_SIGTERM only SIGKILL ends it', async () => {
    const { container } = await run({});
    await container.stop({ t: 10 });
    expect((await container.inspect()).State.ExitCode).toBe(0);
    const stubborn = (await run({ IGNORE_SIGTERM: '1' })).container;
    await stubborn.stop({ t: 1 });
    expect((await stubborn.inspect()).State.ExitCode).toBe(137);
  }, 60_000);
});
