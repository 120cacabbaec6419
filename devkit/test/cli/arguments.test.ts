/** Each command's argument handling and its one-line human errors, through the real CLI. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envWithoutAws, runCli } from './run-cli.ts';
import { freePort } from '../cloud/harness.ts';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const oneErrorLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
};

// Each test starts its own CLI processes on its own ports and files: they run side by side (with
// room for a loaded machine, where several CLIs starting at once share two cores).
describe.concurrent('devkit CLI: arguments and human errors', { timeout: 180_000 }, () => {
  let dir: string;
  let nowhere: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devkit-cli-'));
    nowhere = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists every command in --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'up',
      'down',
      'deploy',
      'status',
      'logs',
      'rollback',
      'remove',
      'doctor',
      'cloud',
      'wait',
      'verify',
    ])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('refuses an unknown target, naming the choices', async () => {
    const { code, stderr } = await runCli(['deploy', '--target', 'gcp']);
    expect(code).toBe(1);
    expect(stderr).toContain(
      "error: option '--target <target>' argument 'gcp' is invalid. Allowed choices are local, localstack, aws.",
    );
  });

  it('refuses a malformed --since and --opt, one line each', async () => {
    const [since, opt] = await Promise.all([
      runCli(['logs', '--since', '5x', '--endpoint', nowhere]),
      runCli(['status', '--opt', 'lb-port', '--endpoint', nowhere]),
    ]);
    expect(since.code).toBe(1);
    expect(oneErrorLine(since.stderr)).toBe("error: --since must look like 30s, 10m, 2h or 1d (got '5x')");
    expect(opt.code).toBe(1);
    expect(oneErrorLine(opt.stderr)).toBe("error: --opt must look like name=value (got 'lb-port')");
  });

  it('names file, line and field of a bad stack file', async () => {
    const file = join(dir, 'stack.yml');
    const text = (await import('node:fs')).readFileSync(
      new URL('../../../stack.yml', import.meta.url),
      'utf8',
    );
    await writeFile(file, text.replace('  cpu: 1024', '  cpu: 1000'));
    const line = text.split('\n').indexOf('  cpu: 1024') + 1;
    const { code, stderr } = await runCli(['status', '--stack', file, '--endpoint', nowhere]);
    expect(code).toBe(1);
    expect(oneErrorLine(stderr)).toMatch(
      new RegExp(`^error: .*stack\\.yml:${line}: task\\.cpu: must be one of 256, 512, 1024`),
    );
  });

  it('names the stages a stack file declares when the stage is unknown', async () => {
    const { code, stderr } = await runCli(['status', '--stage', 'qa', '--endpoint', nowhere]);
    expect(code).toBe(1);
    expect(oneErrorLine(stderr)).toMatch(
      /^error: stack\.yml:\d+: stage 'qa' is not declared under stages \(declared: dev, staging, prod\)$/,
    );
  });

  it('says how to start the local cloud when it does not answer', async () => {
    const commands = ['status', 'logs', 'rollback', 'remove', 'wait', 'verify'];
    const runs = await Promise.all(commands.map((command) => runCli([command, '--endpoint', nowhere])));
    for (const { code, stderr } of runs) {
      expect(code).toBe(1);
      expect(oneErrorLine(stderr)).toBe(
        `error: the local cloud does not answer at ${nowhere}: start it with \`npm run up\` or \`npx devkit cloud\``,
      );
    }
  });

  it('refuses --target aws without credentials, in one line with the fix', async () => {
    const { code, stderr } = await runCli(['status', '--target', 'aws', '--stage', 'prod'], {
      env: envWithoutAws(),
    });
    expect(code).toBe(1);
    expect(oneErrorLine(stderr)).toMatch(
      /^error: AWS credentials missing for --target aws: .*Fix: set AWS_PROFILE/,
    );
  });

  it('refuses --target localstack without ECS and ECR, in one line', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/_localstack/health')
        res.end(JSON.stringify({ services: { ecs: 'disabled', sts: 'running' } }));
      else res.writeHead(404).end();
    });
    const endpoint = `http://127.0.0.1:${await listen(server)}`;
    try {
      const { code, stderr } = await runCli(['status', '--target', 'localstack', '--endpoint', endpoint]);
      expect(code).toBe(1);
      expect(oneErrorLine(stderr)).toBe(
        `error: LocalStack at ${endpoint} has no ECS/ECR (ecs: disabled, ecr: absent): they need LOCALSTACK_AUTH_TOKEN for a plan that includes them; or use --target local`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('says how to start Docker when the engine does not answer', async () => {
    const env = envWithoutAws({ DOCKER_HOST: `unix://${join(dir, 'no-docker.sock')}` });
    const { code, stderr } = await runCli(['deploy', '--endpoint', nowhere], { env });
    expect(code).toBe(1);
    expect(oneErrorLine(stderr)).toMatch(
      /^error: Docker is not running \(no answer at unix:\/\/.*no-docker\.sock: ENOENT\): start it/,
    );
  });

  it('doctor: a taken port fails, naming the port and what holds it', async () => {
    const holder = createServer();
    const taken = await listen(holder);
    try {
      const { code, stdout } = await runCli(['doctor', '--endpoint', nowhere, '--opt', `lb-port=${taken}`]);
      expect(code).toBe(1);
      expect(stdout).toMatch(
        new RegExp(`^✘ load balancer port ${taken} +port ${taken} is taken by pid ${process.pid} \\(`, 'm'),
      );
      expect(stdout).toMatch(
        /^! target local +the local cloud does not answer at .*\n +fix: start it with `npm run up`/m,
      );
      expect(stdout).toMatch(/^✔ docker +engine \S+ answers$/m);
      expect(stdout).toContain('1 finding(s) need fixing');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('down with nothing running says so', async () => {
    const port = await freePort();
    const { code, stdout } = await runCli(['down', '--port', String(port), '--state-dir', dir]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`nothing to stop: no devkit up is running (port ${port})`);
  });

  it('up: a taken cloud port: one line naming the port and what holds it', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const stateDir = await mkdtemp(join(tmpdir(), 'devkit-up-'));
    try {
      const { code, stderr } = await runCli(['up', '--port', String(port), '--state-dir', stateDir]);
      expect(code).toBe(1);
      expect(stderr.trim()).toMatch(
        new RegExp(
          `^error: port ${port} is taken by pid ${process.pid} \\(.*\\): stop it, or pass --port with a free port$`,
        ),
      );
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('up: Docker not running, one line saying how to start it', async () => {
    const env = envWithoutAws({ DOCKER_HOST: 'unix:///nonexistent/devkit-test/docker.sock' });
    const { code, stderr } = await runCli(['up', '--state-dir', tmpdir()], { env });
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      /^error: Docker is not running \(no answer at unix:\/\/\/nonexistent\/devkit-test\/docker\.sock: ENOENT\): start it/,
    );
  });

  it('up: refuses a port that is not a number', async () => {
    const { code, stderr } = await runCli(['up', '--lb-port', 'http']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("error: --lb-port must be a port number, got 'http'");
  });
});
