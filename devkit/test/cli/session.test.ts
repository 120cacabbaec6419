/**
 * Stage commands act on the running `devkit up` session by default, through the real CLI: one
 * detached `up` on free ports (as the README's "other ports" example), then status, doctor, logs,
 * deploy (interrupted mid-rollout), wait, verify and remove run without --endpoint or --opt and
 * find it; AWS_ENDPOINT_URL and --endpoint override it. The session is shared by the checks below,
 * in order, to keep this file to one `up`.
 */
import Docker from 'dockerode';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusJson } from '../../src/cli/status-json.ts';
import type { UpSession } from '../../src/cli/up/session.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { freePort, startTestCloud } from '../cloud/harness.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { envWithoutAws, runCli } from './run-cli.ts';

describe.skipIf(!dockerAvailable)('stage commands find the running devkit up session', () => {
  const docker = new Docker();
  let port: number;
  let lbPort: number;
  let stateDir: string;
  let session: UpSession;
  let other: TestCloud;
  const env = (extra: Record<string, string> = {}) => envWithoutAws(extra);
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli([...args, '--state-dir', stateDir], { env: env(extra), timeoutMs: 500_000 });
  const sessionLine = () =>
    `cloud: local at http://127.0.0.1:${port} (devkit up session, pid ${session.pid})`;

  beforeAll(async () => {
    port = await freePort();
    lbPort = await freePort();
    stateDir = await mkdtemp(join(tmpdir(), 'devkit-session-'));
    other = await startTestCloud();
    const up = await runCli(
      ['up', '--detach', '--port', String(port), '--lb-port', String(lbPort), '--state-dir', stateDir],
      { env: env(), timeoutMs: 500_000 },
    );
    if (up.code !== 0) throw new Error(`up failed: ${up.stderr || up.stdout.slice(-2000)}`);
    session = JSON.parse(await readFile(join(stateDir, 'up.json'), 'utf8')) as UpSession;
  }, 600_000);
  afterAll(async () => {
    await runCli(['down', '--port', String(port), '--state-dir', stateDir], { env: env() });
    await removeRegistryImages(docker, port);
    await other.dispose();
    await rm(stateDir, { recursive: true, force: true });
  }, 300_000);

  it('status acts on the session, says so, and shows the URL and image', async () => {
    const { code, stdout, stderr } = await cli(['status']);
    expect(stderr.trim()).toBe(sessionLine());
    expect(code).toBe(0);
    expect(stdout).toContain(`url:   http://127.0.0.1:${lbPort}\n`);
    expect(stdout).toMatch(
      new RegExp(`^image: 127\\.0\\.0\\.1:${port}/iscoolgpt-dev@sha256:[0-9a-f]{64} \\(tags: .+\\)$`, 'm'),
    );
    expect(stdout).toMatch(/^iscoolgpt-dev +ACTIVE +iscoolgpt-dev:1 +1 +1 +0$/m);
  });

  it('AWS_ENDPOINT_URL overrides the session, and --endpoint overrides both', async () => {
    const fromEnv = await cli(['status'], { AWS_ENDPOINT_URL: other.cloud.url });
    expect(fromEnv.stderr.trim()).toBe(`cloud: local at ${other.cloud.url} (AWS_ENDPOINT_URL)`);
    expect(fromEnv.stdout.trim()).toBe(
      'no service in cluster iscoolgpt-dev: deploy the stage first (`devkit deploy`)',
    );
    const fromFlag = await cli(['status', '--json', '--endpoint', `http://127.0.0.1:${port}`], {
      AWS_ENDPOINT_URL: other.cloud.url,
    });
    expect(fromFlag.stderr.trim()).toBe(
      `cloud: local at http://127.0.0.1:${port} (--endpoint; devkit up session, pid ${session.pid})`,
    );
    const status = JSON.parse(fromFlag.stdout) as StatusJson;
    expect(status.cloud).toEqual({ target: 'local', endpoint: `http://127.0.0.1:${port}` });
    expect(status.url).toBe(`http://127.0.0.1:${lbPort}`);
    expect(status.service?.running).toBe(1);
  });

  it("doctor checks the session's ports, held by its cloud", async () => {
    const { stdout, stderr } = await cli(['doctor']);
    expect(stderr.trim()).toBe(sessionLine());
    expect(stdout).toMatch(new RegExp(`^✔ target local +answers at http://127\\.0\\.0\\.1:${port}$`, 'm'));
    expect(stdout).toMatch(
      new RegExp(`^✔ local cloud port ${port} +held by the local cloud \\(pid ${session.pid}\\)$`, 'm'),
    );
    expect(stdout).toMatch(
      new RegExp(`^✔ load balancer port ${lbPort} +held by the local cloud \\(pid ${session.pid}\\)$`, 'm'),
    );
  });
});
