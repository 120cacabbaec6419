/**
 * A build error through the real CLI, in a copy of the build context with a TypeScript syntax error:
 * `devkit up --detach` shows the compiler's own message (not only "returned a non-zero code: 1"),
 * keeps the cloud running and prints the command that deploys again; no container of the failed
 * build is left; the printed command deploys once the error is fixed. Non-default ports.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { freePort } from '../cloud/harness.ts';
import { removeLabelledImages } from '../deploy/labelled-images.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { envWithoutAws, REPO_ROOT, runCli } from './run-cli.ts';

/** What service/Dockerfile copies from the repository root, and the stack file. */
const CONTEXT_FILES = [
  'package.json',
  'package-lock.json',
  '.dockerignore',
  'stack.yml',
  'devkit/package.json',
  'service/package.json',
  'service/Dockerfile',
  'service/scripts',
  'service/src',
];
const BROKEN_LINE = 'const broken: number = ;';

/** A whole output line ending in a step's duration, in either of duration()'s forms ("12.3 s", "1 min 01 s"). */
const lineWithDuration = (start: string) =>
  new RegExp(String.raw`^${start} \((?:\d+\.\d s|\d+ min \d{2} s)\)$`, 'm');

describe.skipIf(!dockerAvailable)('a build error under devkit up and devkit deploy', () => {
  const docker = new Docker();
  const env = () => envWithoutAws();
  // Set on the failing step's layer, so the containers of this build (and only these) can be counted.
  const label = `devkit.test.build-errors=${process.pid}-${Date.now()}`;
  const buildContainers = async () =>
    (await docker.listContainers({ all: true, filters: { label: [label] } })).map((c) => c.Id);
  let port: number;
  let lbPort: number;
  let dir: string;
  let context: string;
  let retry: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    lbPort = await freePort();
    dir = await mkdtemp(join(tmpdir(), 'devkit-build-errors-'));
    context = join(dir, 'repo');
    for (const file of CONTEXT_FILES) {
      mkdirSync(join(context, file, '..'), { recursive: true });
      cpSync(join(REPO_ROOT, file), join(context, file), { recursive: true });
    }
    const dockerfile = join(context, 'service/Dockerfile');
    // After `npm ci`, so its cached layer is shared with every other build of the same lock file.
    writeFileSync(
      dockerfile,
      readFileSync(dockerfile, 'utf8').replace(
        'COPY service/scripts service/scripts',
        `LABEL ${label}\nCOPY service/scripts service/scripts`,
      ),
    );
    writeFileSync(
      join(context, 'service/src/app.ts'),
      `${readFileSync(join(context, 'service/src/app.ts'), 'utf8')}\n${BROKEN_LINE}\n`,
    );
    // The image tag is the git commit of the build context.
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=devkit', '-c', 'user.email=devkit@localhost', ...args], {
        cwd: context,
        stdio: 'ignore',
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'copy');
  });
  afterAll(async () => {
    await runCli(['down', '--port', String(port), '--state-dir', join(dir, 'state')], { env: env() });
    await removeRegistryImages(docker, port);
    await removeLabelledImages(docker, label);
    await rm(dir, { recursive: true, force: true });
  });

  it('up shows the compiler message, keeps the cloud running, says how to retry, leaves no build container', async () => {
    const before = await buildContainers();
    const up = await runCli(
      [
        'up',
        '--detach',
        '--port',
        String(port),
        '--lb-port',
        String(lbPort),
        '--state-dir',
        join(dir, 'state'),
        '--stack',
        join(context, 'stack.yml'),
      ],
      { env: env(), timeoutMs: 500_000 },
    );
    expect(up.code).toBe(1);
    const stderr = up.stderr.split('\n');
    expect(stderr[0]).toMatch(
      // BuildKit names the step by stage; the engine's wording: Docker 20-22 'executor failed
      // running [...]', 23+ 'process "..." did not complete successfully'.
      /^error: image build failed at \[build \d+\/\d+\] RUN \["node", "service\/scripts\/build\.ts"\]: (executor failed running|process) .*: exit code: 1$/,
    );
    // esbuild's own message: what is wrong, the file and line, the line itself.
    expect(stderr).toContain('  │ ✘ [ERROR] Unexpected ";"');
    expect(up.stderr).toMatch(/^ {2}│ +src\/app\.ts:\d+:\d+:$/m);
    expect(up.stderr).toContain(BROKEN_LINE);
    expect(up.stdout).not.toContain('IsCoolGPT is up');
    expect(up.stdout).toMatch(
      lineWithDuration(String.raw`✘ build: image build failed at \[build \d+\/\d+\] RUN .*`),
    );
    const hint =
      /the cloud keeps running: fix the error, then deploy again with `npm run devkit -- (deploy [^`]+)`/.exec(
        up.stdout,
      );
    // The session record supplies the cloud and the load balancer port: only the files are named.
    expect(hint?.[1]).toBe(`deploy --stack ${join(context, 'stack.yml')} --state-dir ${join(dir, 'state')}`);
    retry = (hint?.[1] ?? '').split(' ');
    const health = await fetch(`http://127.0.0.1:${port}/_devkit/health`);
    expect(health.status).toBe(200);
    expect(await buildContainers()).toEqual(before);
  }, 600_000);

  it('the printed command deploys once the error is fixed', async () => {
    const app = join(context, 'service/src/app.ts');
    // A line no other build has had, so the engine's build cache cannot skip the step whose
    // progress this test reads (BuildKit would reuse any earlier build of the same source).
    writeFileSync(app, readFileSync(app, 'utf8').replace(BROKEN_LINE, `// fixed: ${label}`));
    const { code, stdout, stderr } = await runCli(retry, { env: env(), timeoutMs: 500_000 });
    expect(stderr.trim()).toMatch(
      /^cloud: local at http:\/\/127\.0\.0\.1:\d+ \(devkit up session, pid \d+\)$/,
    );
    // The service answers at its load balancer's DNS name (a *.elb.localhost name) on the listener port.
    expect(stdout).toMatch(
      new RegExp(`at http://iscoolgpt-dev-[0-9a-f]+\\.us-east-1\\.elb\\.localhost:${lbPort}`),
    );
    expect(code).toBe(0);
    // Plain lines (not a terminal): what up provisioned is unchanged, in one line; the build and the
    // push say where they are with the time so far, without the builder's own output.
    expect(stdout).toMatch(lineWithDuration(String.raw`✔ provision: \d+ resources unchanged`));
    expect(stdout).not.toContain('▶ provision');
    expect(stdout).toMatch(/^▶ build: /m);
    expect(stdout).toMatch(
      /^ {2}\d+\.\d s {2}step \d+\/\d+: RUN \["node", "service\/scripts\/build\.ts"\]$/m,
    );
    expect(stdout).not.toContain(' ---> ');
    expect(stdout).toMatch(/^ {2}\d+\.\d s {2}\S+: \d+\/\d+ layers/m);
    expect(stdout).toMatch(
      // The base layers from the machine's layer cache when an earlier push kept them.
      lineWithDuration(
        String.raw`✔ push: sha256:\w+ \(\S+, latest\), [\d.]+ [kM]B sent(?:, [\d.]+ MB compressed from the layer cache)?`,
      ),
    );
    const response = await fetch(`http://127.0.0.1:${lbPort}/health`);
    expect(response.status).toBe(200);
  }, 600_000);
});
