/**
 * The Gemini replay server (its container entry point, replay-main.ts) replaying a unary cassette,
 * versus a bare node:http server that reads the same request and writes the same bytes. Each server
 * runs in its own process pinned to one core; the load comes from a third process (this file, run
 * as `node gemini-replay.bench.ts load ...`) on another core, over keep-alive connections.
 *   throughput: 10 connections for 5 s;  latency: 1 connection, one request at a time.
 * Rounds alternate between the servers; figures are medians. Targets: ≥ 5,000 replays/s, added p50
 * < 1 ms. On a shared machine the throughput also depends on what else runs there, so the server's
 * own CPU time per request (from /proc) is printed as well: 1 s / that is what one core could serve.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { PROJECT_CASSETTES, readCassetteFile } from '../src/gemini/cassette-file.ts';
import { prepareReply } from '../src/gemini/reply.ts';
import { fmt, median } from './stats.ts';

const ROUNDS = 3;
const THROUGHPUT = { connections: 10, durationMs: 5_000 };
const LATENCY = { connections: 1, durationMs: 2_000 };
const WARMUP_MS = 1_000;
const PATH = '/v1beta/models/gemini-2.5-flash:generateContent';
const SELF = fileURLToPath(import.meta.url);
const REPLAY_MAIN = fileURLToPath(new URL('../src/gemini/replay-main.ts', import.meta.url));

interface LoadResult {
  requests: number;
  /** Requests including the warm-up: what the server's CPU time was spent on. */
  total: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export default async function geminiReplay(): Promise<void> {
  const [definition] = (await readCassetteFile(`${PROJECT_CASSETTES}/short-answer.json`)).definitions;
  const body = JSON.stringify(definition!.body);
  const cores = pinning();
  const servers = {
    replay: await startServer(cores.server, [REPLAY_MAIN], {
      GEMINI_MOCK_PORT: '0',
      GEMINI_MOCK_HOST: '127.0.0.1',
      GEMINI_MOCK_FALLBACK: 'false',
    }),
    bare: await startServer(cores.server, [SELF, 'bare']),
  };
  try {
    const results = { replay: [] as LoadResult[], bare: [] as LoadResult[] };
    const latency = { replay: [] as LoadResult[], bare: [] as LoadResult[] };
    const cpuPerRequest = { replay: [] as number[], bare: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ['replay', 'bare'] as const) {
        const cpuBefore = cpuMs(servers[name].process);
        const result = await runLoad(cores.load, servers[name].url, body, THROUGHPUT);
        cpuPerRequest[name].push(((cpuMs(servers[name].process) - cpuBefore) * 1000) / result.total);
        results[name].push(result);
        latency[name].push(await runLoad(cores.load, servers[name].url, body, LATENCY));
      }
    }
    const failures = [...Object.values(results), ...Object.values(latency)]
      .flat()
      .reduce((n, r) => n + r.failures, 0);
    if (failures) throw new Error(`${failures} requests failed or got an unexpected reply`);

    const replayRate = median(results.replay.map((r) => r.perSecond));
    const bareRate = median(results.bare.map((r) => r.perSecond));
    const replayP50 = median(latency.replay.map((r) => r.p50Ms));
    const bareP50 = median(latency.bare.map((r) => r.p50Ms));
    const added = replayP50 - bareP50;
    console.log(
      `servers pinned to ${cores.describe}; medians of ${ROUNDS} rounds;` +
        ` ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      `unary replays/s, ${THROUGHPUT.connections} connections: replay ${fmt(replayRate, 0)}, bare node:http ${fmt(bareRate, 0)}` +
        ` (target ≥ 5,000: ${replayRate >= 5_000 ? 'met' : 'MISSED'})`,
    );
    const replayCpu = median(cpuPerRequest.replay);
    console.log(
      `server CPU per request: replay ${fmt(replayCpu, 0)} µs, bare ${fmt(median(cpuPerRequest.bare), 0)} µs` +
        ` → one core's worth of replay CPU serves ${fmt(1e6 / replayCpu, 0)} replays/s`,
    );
    console.log(
      `p50 latency, 1 connection: replay ${fmt(replayP50, 3)} ms, bare ${fmt(bareP50, 3)} ms, added ${fmt(added, 3)} ms` +
        ` (target < 1 ms: ${added < 1 ? 'met' : 'MISSED'}); replay p99 ${fmt(median(latency.replay.map((r) => r.p99Ms)), 3)} ms`,
    );
  } finally {
    for (const server of Object.values(servers)) server.process.kill();
  }
}

/** Server on one core, load on another, when taskset and two cores are there. */
function pinning(): { server: string[]; load: string[]; describe: string } {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    execFileSync('taskset', ['-c', '1', 'true']);
    return {
      server: ['taskset', '-c', '0'],
      load: ['taskset', '-c', '1'],
      describe: 'core 0 (load on core 1)',
    };
  } catch {
    return { server: [], load: [], describe: 'no core (taskset or a second core missing)' };
  }
}

async function startServer(
  pin: string[],
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ url: string; process: ChildProcess }> {
  const [command, ...rest] = [...pin, process.execPath, ...args];
  const child = spawn(command!, rest, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Stopped with the benchmark even when it dies before its finally (a closed stdout, an error).
  const stop = () => child.kill();
  process.once('exit', stop);
  child.once('exit', () => process.off('exit', stop));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${output}`)));
  });
  return { url, process: child };
}

async function runLoad(
  pin: string[],
  url: string,
  body: string,
  load: { connections: number; durationMs: number },
): Promise<LoadResult> {
  const [command, ...rest] = [
    ...pin,
    process.execPath,
    SELF,
    'load',
    url,
    body,
    String(load.connections),
    String(load.durationMs),
  ];
  const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited ${code}`);
  return JSON.parse(output) as LoadResult;
}

/** User + system CPU time of a process so far, in ms (Linux /proc, clock ticks of 10 ms); NaN elsewhere. */
function cpuMs(child: ChildProcess): number {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

// --- the child roles ----------------------------------------------------------------------------

/** The baseline: reads the request like the replay server does, answers the cassette's bytes. */
async function bareServer(): Promise<void> {
  const [definition] = (await readCassetteFile(`${PROJECT_CASSETTES}/short-answer.json`)).definitions;
  const reply = prepareReply(definition!);
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    console.log(`bare on http://127.0.0.1:${port}`);
  });
}

/** Keep-alive POSTs on `connections` sockets, one at a time each; warm-up first, then measured. */
async function loadGenerator(
  url: string,
  body: string,
  connections: number,
  durationMs: number,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(PATH, url);
  const once = () =>
    new Promise<boolean>((resolve) => {
      const outgoing = request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'x-goog-api-key': 'bench-key' },
        },
        (response) => {
          let size = 0;
          response.on('data', (chunk: Buffer) => (size += chunk.length));
          response.on('end', () => resolve(response.statusCode === 200 && size > 0));
        },
      );
      outgoing.on('error', () => resolve(false));
      outgoing.end(body);
    });
  const run = async (ms: number, latencies?: number[]) => {
    let failures = 0;
    const deadline = performance.now() + ms;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < deadline) {
          const start = performance.now();
          if (!(await once())) failures++;
          latencies?.push(performance.now() - start);
        }
      }),
    );
    return failures;
  };
  const warmup: number[] = [];
  await run(WARMUP_MS, warmup);
  const latencies: number[] = [];
  const started = performance.now();
  const failures = await run(durationMs, latencies);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const result: LoadResult = {
    requests: latencies.length,
    total: warmup.length + latencies.length,
    perSecond: latencies.length / elapsed,
    p50Ms: latencies[Math.floor(latencies.length * 0.5)]!,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    failures,
  };
  console.log(JSON.stringify(result));
  agent.destroy();
}

if (import.meta.main) {
  const [role, ...args] = process.argv.slice(2);
  if (role === 'bare') await bareServer();
  else if (role === 'load') await loadGenerator(args[0]!, args[1]!, Number(args[2]), Number(args[3]));
  else throw new Error(`unknown role ${role}`);
}
