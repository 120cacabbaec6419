/**
 * Where users wait, through the real CLI on free ports with a fresh cloud state (issue 16 targets):
 * `up --detach` to the first chat answer (images present: the engine's build cache is shared with
 * other work and is not cleared; cold-up.bench.ts measures an empty engine), `up` again on the same
 * state after `down` (warm, ≤ 10 s, repeated), `devkit deploy` after a
 * one-line change (≤ 8 s), and `up --watch` from saving a one-line change to the new code answering
 * through the service URL (≤ 5 s). Changes are made in a copy of the service's build context, so the
 * checkout is never touched. Each figure is printed with the load average beside it.
 */
import Docker from 'dockerode';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { changeBuildTime, copyServiceContext } from '../test/deploy/context-copy.ts';
import { removeRegistryImages } from '../test/deploy/registry-images.ts';
import { freePort } from '../test/cloud/harness.ts';
import { load, median } from './stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'devkit/bin/devkit.js');
/** Repetitions of each warm measurement (each is a whole deploy). */
const RUNS = 3;

/** Runs the CLI; resolves with its output. */
function devkit(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO, env: process.env, maxBuffer: 64 * 1024 * 1024, timeout: 900_000 },
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

/** What /v1/info says the running build is (the marker a change put there). */
async function buildTime(lbPort: number): Promise<string | null | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${lbPort}/v1/info`, {
      signal: AbortSignal.timeout(2_000),
    });
    return ((await response.json()) as { buildTime: string | null }).buildTime;
  } catch {
    return undefined;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const figure = (what: string, values: number[], target?: number) =>
  console.log(
    `${what}: median ${seconds(median(values))} of ${values.map(seconds).join(', ')}${target ? ` (target ≤ ${target} s, ×${(median(values) / 1000 / target).toFixed(2)})` : ''} [${load()}]`,
  );

export default async function up(): Promise<void> {
  const port = await freePort();
  const lbPort = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'devkit-bench-up-'));
  const stateArgs = ['--port', String(port), '--state-dir', join(dir, 'state')];
  console.log(`${availableParallelism()} cores, ${load()}`);
  const { context, stack } = await copyServiceContext(dir);
  const stackArgs = ['--stack', stack, ...stateArgs, '--lb-port', String(lbPort)];
  try {
    let started = performance.now();
    await devkit(['up', '--detach', ...stackArgs]);
    await chat(lbPort);
    figure('up --detach, fresh cloud state, images present, to the first answer', [
      performance.now() - started,
    ]);
    const warm: number[] = [];
    let warmSteps = '';
    for (let run = 1; run <= RUNS; run++) {
      await devkit(['down', ...stateArgs]);
      started = performance.now();
      warmSteps = await devkit(['up', '--detach', ...stackArgs]);
      await chat(lbPort);
      warm.push(performance.now() - started);
    }
    figure('up --detach again on the same state (warm), to the first answer', warm, 10);
    // The last warm up's steps, as the CLI timed them.
    for (const line of warmSteps.split('\n').filter((l) => /^✔ /.test(l))) console.log(`  ${line}`);

    const deploys: number[] = [];
    let steps = '';
    for (let run = 1; run <= RUNS; run++) {
      await changeBuildTime(context, `bench-deploy-${run}`);
      started = performance.now();
      const output = await devkit([
        'deploy',
        '--stack',
        stack,
        '--state-dir',
        join(dir, 'state'),
        '--image-tag',
        `bench-deploy-${run}`,
      ]);
      await chat(lbPort);
      deploys.push(performance.now() - started);
      steps = output;
    }
    figure('devkit deploy after a one-line change (build, push, register, roll out, verify)', deploys, 8);
    // The last deploy's steps, as the CLI timed them.
    for (const line of steps.split('\n').filter((l) => l.startsWith('✔ '))) console.log(`  ${line}`);
    await devkit(['down', ...stateArgs]);

    await watchFigures(stackArgs, context, lbPort);
  } finally {
    await devkit(['down', ...stateArgs]).catch((error: Error) => console.error(error.message));
    await removeRegistryImages(new Docker(), port);
    await rm(dir, { recursive: true, force: true });
  }
}

/** `up --watch`: a save, then /v1/info polled until it shows the change (the new code answering). */
async function watchFigures(stackArgs: string[], context: string, lbPort: number): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'up', '--watch', ...stackArgs], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    while (!output.includes("the service's logs follow")) {
      if (child.exitCode !== null) throw new Error(`up --watch ended: ${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const lives: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const marker = `bench-watch-${run}`;
      const started = performance.now();
      await changeBuildTime(context, marker);
      while ((await buildTime(lbPort)) !== marker) {
        if (performance.now() - started > 300_000) throw new Error(`no ${marker}: ${output.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      lives.push(performance.now() - started);
      // The deploy goes on (verify) after the new code answers: the next save waits for it.
      while (output.split('✔ live: ').length - 1 < run)
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    figure('up --watch: save a one-line change to the new code answering', lives, 5);
    for (const line of output
      .split('\n')
      .filter((l) => /^✔ (build|push|rollout|verify|live)/.test(l))
      .slice(-5))
      console.log(`  ${line}`);
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}
