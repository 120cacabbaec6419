/**
 * A service's load balancer (lb/load-balancer.ts) in front of a bare node:http target, versus the
 * target hit directly, all on 127.0.0.1. Target and load balancer each run in a process of their
 * own (this file, run as `node load-balancer.bench.ts target|lb ...`); the load comes from this
 * process over keep-alive connections.
 *   throughput: 16 connections for 3 s;  latency: 1 connection, one request at a time, for 2 s.
 * Rounds alternate direct / through the load balancer; figures are medians of the rounds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LoadBalancer } from '../src/cloud/lb/load-balancer.ts';
import { fmt, median } from './stats.ts';

const ROUNDS = 3;
const THROUGHPUT = { connections: 16, durationMs: 3_000 };
const LATENCY = { connections: 1, durationMs: 2_000 };
const WARMUP_MS = 500;
const BODY = JSON.stringify({ version: 'v1', hostname: 'bench', served: 0 });
const SELF = fileURLToPath(import.meta.url);

interface LoadResult {
  requests: number;
  /** Requests including the warm-up: what the load balancer's CPU time was spent on. */
  total: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

export default async function loadBalancer(): Promise<void> {
  const target = await startChild(['target']);
  const lb = await startChild(['lb', String(target.port)]);
  try {
    const urls = { direct: target.port, lb: lb.port };
    const throughput = { direct: [] as LoadResult[], lb: [] as LoadResult[] };
    const latency = { direct: [] as LoadResult[], lb: [] as LoadResult[] };
    // CPU per request of the load balancer and of the target: what a busy machine blurs least.
    const cpuPerRequest = { lb: [] as number[], target: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ['direct', 'lb'] as const) {
        const cpuBefore = { lb: await cpuMicros(lb), target: await cpuMicros(target) };
        const result = await runLoad(urls[name], THROUGHPUT);
        if (name === 'lb') cpuPerRequest.lb.push(((await cpuMicros(lb)) - cpuBefore.lb) / result.total);
        else cpuPerRequest.target.push(((await cpuMicros(target)) - cpuBefore.target) / result.total);
        throughput[name].push(result);
        latency[name].push(await runLoad(urls[name], LATENCY));
      }
    }
    const failures = [...Object.values(throughput), ...Object.values(latency)]
      .flat()
      .reduce((n, r) => n + r.failures, 0);
    if (failures) throw new Error(`${failures} requests failed`);
    const m = (results: LoadResult[], key: keyof LoadResult) => median(results.map((r) => r[key]));
    // On a shared machine every figure moves with what else runs: say how busy it was.
    console.log(
      `medians of ${ROUNDS} rounds; target and load balancer in processes of their own; ` +
        `${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)}`,
    );
    console.log(
      `requests/s, ${THROUGHPUT.connections} connections: through the load balancer ` +
        `${fmt(m(throughput.lb, 'perSecond'), 0)}, direct ${fmt(m(throughput.direct, 'perSecond'), 0)} ` +
        `(${fmt((100 * m(throughput.lb, 'perSecond')) / m(throughput.direct, 'perSecond'), 0)} %)`,
    );
    const cpu = median(cpuPerRequest.lb);
    console.log(
      `CPU per request: load balancer ${fmt(cpu, 0)} µs (one core forwards about ${fmt(1e6 / cpu, 0)}/s), ` +
        `bare target ${fmt(median(cpuPerRequest.target), 0)} µs`,
    );
    for (const p of ['p50Ms', 'p99Ms'] as const) {
      const through = m(latency.lb, p);
      const direct = m(latency.direct, p);
      console.log(
        `${p.slice(0, 3)} latency, 1 connection: through ${fmt(through, 3)} ms, direct ${fmt(direct, 3)} ms` +
          ` → added ${fmt(through - direct, 3)} ms`,
      );
    }
  } finally {
    lb.process.kill();
    target.process.kill();
  }
}

/** Sends GET / over `connections` keep-alive connections for `durationMs`, after a warm-up. */
async function runLoad(
  port: number,
  options: { connections: number; durationMs: number },
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const once = () =>
    new Promise<boolean>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  const drive = async (untilMs: number, record: (ms: number, ok: boolean) => void) => {
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < untilMs) {
          const start = performance.now();
          const ok = await once();
          record(performance.now() - start, ok);
        }
      }),
    );
  };
  let warmup = 0;
  await drive(performance.now() + WARMUP_MS, () => warmup++);
  const times: number[] = [];
  let failures = 0;
  const start = performance.now();
  await drive(start + options.durationMs, (ms, ok) => {
    times.push(ms);
    if (!ok) failures++;
  });
  const elapsed = performance.now() - start;
  agent.destroy();
  times.sort((a, b) => a - b);
  return {
    requests: times.length,
    total: warmup + times.length,
    perSecond: (times.length * 1000) / elapsed,
    p50Ms: times[Math.floor(times.length * 0.5)] ?? NaN,
    p99Ms: times[Math.floor(times.length * 0.99)] ?? NaN,
    failures,
  };
}

type Child = { process: ChildProcess; port: number };

/** A child's CPU time so far (user + system), in microseconds: it answers a line on stdin. */
async function cpuMicros(child: Child): Promise<number> {
  const answer = new Promise<number>((resolve) =>
    child.process.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  );
  child.process.stdin!.write('cpu\n');
  return answer;
}

async function startChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, [SELF, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { process: child, port };
}

/** The child processes: a bare target, or a load balancer in front of one. */
async function child(role: string | undefined, targetPort: string | undefined): Promise<void> {
  if (role === 'target') {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(BODY);
    });
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
  } else if (role === 'lb') {
    const lb = new LoadBalancer();
    lb.register({ id: 'target', host: '127.0.0.1', port: Number(targetPort) });
    console.log(await lb.listen(0));
  }
  process.stdin.on('data', () => {
    const { user, system } = process.cpuUsage();
    console.log(user + system);
  });
}

if (process.argv[1] === SELF) {
  await child(process.argv[2], process.argv[3]);
  // The benchmark holds our stdin: when it ends, however it ended, so do we.
  process.stdin.on('end', () => process.exit(0)).resume();
}
