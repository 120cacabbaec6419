/**
 * `devkit up --detach` to the first chat answer, and a warm redeploy after a one-line code change,
 * through the real CLI on non-default ports with a fresh cloud state. Images present (the service's
 * build cache and the replay image as earlier runs left them): Docker's build cache is not cleared,
 * since a truly cold build re-runs `npm ci` in the image. The change is made in a copy of the
 * service's build context, so the checkout is never touched. Targets (issue 6): warm redeploy ≤ 8 s.
 */
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeRegistryImages } from '../test/deploy/registry-images.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'devkit/bin/devkit.js');
/** What service/Dockerfile copies from the repository root, and the Dockerfile. */
const CONTEXT = [
  'package.json',
  'package-lock.json',
  '.dockerignore',
  'service/Dockerfile',
  'service/package.json',
  'service/scripts',
  'service/src',
  'devkit/package.json',
];
const CHANGED_FILE = 'service/src/build-info.ts';
const CHANGED_LINE = {
  from: 'buildTime: env.BUILD_TIME || null',
  to: "buildTime: env.BUILD_TIME || 'bench'",
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs the CLI; resolves with its output. */
function devkit(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: REPO,
        env: process.env,
        maxBuffer: 64 * 1024 * 1024,
        timeout: 900_000,
      },
      (error, stdout, stderr) =>
        error ? reject(new Error(`devkit ${args[0]} failed: ${stderr.trim()}`)) : resolve(stdout),
    );
  });
}

async function chat(lbPort: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${lbPort}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'What is a container?' }),
  });
  if (!response.ok) throw new Error(`chat answered HTTP ${response.status}`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export default async function up(): Promise<void> {
  const port = await freePort();
  const lbPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'devkit-bench-up-'));
  const context = join(dir, 'context');
  const stateArgs = ['--port', String(port), '--state-dir', join(dir, 'state')];
  console.log(
    `${availableParallelism()} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  try {
    let started = performance.now();
    await devkit(['up', '--detach', ...stateArgs, '--lb-port', String(lbPort)]);
    await chat(lbPort);
    console.log(
      `up --detach (fresh cloud state, images present) to the first chat answer: ${seconds(performance.now() - started)}`,
    );

    for (const path of CONTEXT) await cp(join(REPO, path), join(context, path), { recursive: true });
    const stack = join(dir, 'stack.yml');
    await writeFile(
      stack,
      (await readFile(join(REPO, 'stack.yml'), 'utf8')).replace('  context: .', `  context: ${context}`),
    );
    const deploy = (tag: string) =>
      devkit([
        'deploy',
        '--stack',
        stack,
        '--endpoint',
        `http://127.0.0.1:${port}`,
        '--opt',
        `lb-port=${lbPort}`,
        '--image-tag',
        tag,
      ]);
    await deploy('bench-warm-1');
    // A change that reaches the bundle (a comment would not: esbuild drops it, the image stays the same).
    const file = join(context, CHANGED_FILE);
    const source = await readFile(file, 'utf8');
    if (!source.includes(CHANGED_LINE.from))
      throw new Error(`${CHANGED_FILE} no longer has: ${CHANGED_LINE.from}`);
    await writeFile(file, source.replace(CHANGED_LINE.from, CHANGED_LINE.to));
    started = performance.now();
    const output = await deploy('bench-warm-2');
    await chat(lbPort);
    console.log(
      `warm redeploy after a one-line change (build, push, register, roll out, verify): ${seconds(performance.now() - started)} (target ≤ 8 s)`,
    );
    // The steps as the CLI timed them.
    for (const line of output.split('\n').filter((l) => l.startsWith('✔ '))) console.log(`  ${line}`);
  } finally {
    await devkit(['down', ...stateArgs]).catch((error: Error) => console.error(error.message));
    await removeRegistryImages(new Docker(), port);
    await rm(dir, { recursive: true, force: true });
  }
}
