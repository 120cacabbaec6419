/**
 * Cold `npm run up` (issue 16: ≤ 45 s to the first answer): a fresh clone of this checkout, Node 24
 * on PATH, and a Docker engine with nothing in it (a private one, private-engine.ts: the shared
 * engine's cache is never pruned), through the real npm script on free ports, to the first chat
 * answer. The npm cache (~/.npm) is the machine's, as on a developer's. Prints the total and where
 * it went (npm ci, base images, the replay server's image, build, push, rollout, verify), timed from
 * the lines the script prints as they arrive, with the load average. Needs root; skipped otherwise.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startPrivateEngine } from './private-engine.ts';
import { freePort } from '../test/cloud/harness.ts';
import { load } from './stats.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TARGET_S = 45;

interface TimedLine {
  at: number;
  line: string;
}

/** Runs the command in `cwd`; resolves with each output line and when it arrived (ms since start). */
function timedLines(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  started: number,
): Promise<TimedLine[]> {
  const lines: TimedLine[] = [];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const parts = (partial + chunk.toString()).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) lines.push({ at: performance.now() - started, line });
      });
    }
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(lines)
        : reject(
            Object.assign(
              new Error(
                `${command} ${args.join(' ')} exited ${code}: ${lines
                  .slice(-30)
                  .map((l) => l.line)
                  .join('\n')}`,
              ),
              { lines },
            ),
          ),
    );
  });
}

export default async function coldUp(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('skipped: a private Docker engine needs root');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'devkit-bench-cold-up-'));
  const engine = await startPrivateEngine(join(dir, 'engine'));
  const clone = join(dir, 'clone');
  const env = {
    ...process.env,
    DOCKER_HOST: engine.host,
    // Node 24 on PATH (this one): the set-up fetches none.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    // An empty layer cache too: a machine that never pushed.
    DEVKIT_LAYER_CACHE: join(dir, 'layer-cache'),
  };
  const port = await freePort();
  const lbPort = await freePort();
  const upArgs = ['run', 'up', '--', '--detach', '--port', String(port), '--lb-port', String(lbPort)];
  try {
    await promisify(execFile)('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone]);
    console.log(`${availableParallelism()} cores, ${load()}; empty private engine ${engine.host}`);
    const started = performance.now();
    const lines = await timedLines('npm', upArgs, clone, env, started).catch(
      (error: Error & { lines?: TimedLine[] }) => {
        // Where the time went up to the failure, then the failure.
        for (const [what, seconds] of breakdown(error.lines ?? []))
          console.log(`  ${what}: ${seconds.toFixed(1)} s`);
        throw error;
      },
    );
    const response = await fetch(`http://127.0.0.1:${lbPort}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'What is a container?' }),
    });
    if (!response.ok) throw new Error(`chat answered HTTP ${response.status}`);
    const total = (performance.now() - started) / 1000;
    console.log(
      `cold npm run up to the first answer: ${total.toFixed(1)} s (target ≤ ${TARGET_S} s, ×${(total / TARGET_S).toFixed(2)}) [${load()}]`,
    );
    for (const [what, seconds] of breakdown(lines)) console.log(`  ${what}: ${seconds.toFixed(1)} s`);
  } finally {
    await promisify(execFile)('npm', ['run', 'down', '--', '--port', String(port)], {
      cwd: clone,
      env,
    }).catch((error: Error) => console.error(error.message));
    await engine.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Where the time went, from the lines' arrival: each stage runs from its first line to the first
 * line of the next; the CLI's own steps say their duration (`✔ build: … (12.3 s)`).
 */
function breakdown(lines: TimedLine[]): Array<[string, number]> {
  const at = (pattern: RegExp) => lines.find((l) => pattern.test(l.line))?.at;
  const span = (from: RegExp, to: RegExp): number | undefined => {
    const start = at(from);
    const end = at(to);
    return start !== undefined && end !== undefined ? (end - start) / 1000 : undefined;
  };
  // `(12.3 s)` or `(1 min 23 s)`, as the CLI prints a step's duration.
  const step = (name: string): number | undefined => {
    const pattern = new RegExp(`^✔ ${name}: .*\\((?:(\\d+) min )?(\\d+(?:\\.\\d)?) s\\)$`);
    const match = lines.map((l) => pattern.exec(l.line)).find(Boolean);
    return match ? Number(match[1] ?? 0) * 60 + Number(match[2]) : undefined;
  };
  const first = lines[0]?.at ?? 0;
  const figures: Array<[string, number | undefined]> = [
    ['before the first line (npm, set-up checks)', first / 1000],
    ['npm ci', span(/^setup: installing npm dependencies/, /^(setup: (?!installing npm)|▶ cloud)/)],
    ['cloud start', span(/^▶ cloud/, /^✔ cloud/)],
    ['base images (stand-ins made)', span(/making local stand-ins/, /^\s*made devkit-base/)],
    ['replay server image', span(/^▶ gemini-mock/, /^✔ gemini-mock/)],
    ['provision', step('provision')],
    ['build', step('build')],
    ['push', step('push')],
    ['register', step('register')],
    ['rollout', step('rollout')],
    ['verify', step('verify')],
  ];
  return figures.flatMap(([what, seconds]) => (seconds === undefined ? [] : [[what, seconds]]));
}
