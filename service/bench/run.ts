/**
 * The service's benchmark (`npm run bench -w service`): POST /v1/chat against the Gemini stub of
 * test/support, each in its own process on 127.0.0.1 (the API pinned to core 0, the stub and this
 * process, the load generator, on core 1 when taskset and two cores are there; BENCH_PIN=0 lets the
 * scheduler place them). Runs everything BENCH_RUNS times (3) and prints each run, then the medians
 * with the load average beside them. Asserts nothing but that the runs themselves worked.
 *   1. throughput and latency at 1, 10 and 200 connections, stub latency 0 ms (and the stub alone,
 *      for the API's added p50)
 *      and the CPU per request of the API's process against a bare node:http proxy making the same
 *      upstream call (bare-proxy.ts), both at the same fixed rate, from /proc: a figure the
 *      machine's other work hardly skews
 *   2. 1,000 concurrent requests, stub latency 2 s, limits that admit them: errors, p50, peak RSS,
 *      and the same p50 in the server (its access log's durationMs): what the API adds, apart from
 *      what the client's side (connection set-up, the load generator's own core) adds; and first
 *      the same burst through the bare proxy: what this machine, at its current load, allows
 *   3. overload: 1,000 concurrent, 2 s stub, MAX_CONCURRENT_UPSTREAM=100 and MAX_QUEUE=100:
 *      the share shed with 503 + Retry-After, how fast (as the client saw it, and the access log's
 *      durationMs: the server's own time, without the client's connection queueing), peak RSS
 * Issue targets: added p50 ≤ 2 ms at 10 connections; 1,000 slow requests with 0 errors, added p50
 * ≤ 250 ms and RSS ≤ 300 MB; CPU per request ≤ 2× the bare proxy's; shed responses within 5 ms p99.
 */
import autocannon from 'autocannon';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const STUB = fileURLToPath(new URL('../test/support/gemini-stub.ts', import.meta.url));
const SERVE = fileURLToPath(new URL('./serve.ts', import.meta.url));
const BARE_PROXY = fileURLToPath(new URL('./bare-proxy.ts', import.meta.url));
const DURATION_S = 5;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** The rate at which the API's and the bare proxy's CPU per request are compared (both reach it). */
const CPU_RATE = 300;
const BURST = 1_000;
const SLOW_STUB_MS = 2_000;
const CHAT_BODY = JSON.stringify({ question: 'What is photosynthesis?', level: 'beginner' });
const GEMINI_BODY = JSON.stringify({
  contents: [{ role: 'user', parts: [{ text: 'What is photosynthesis?' }] }],
});

const cores = pinning();

/** Children still running when the benchmark exits, even on an error, are stopped with it. */
const children = new Set<ChildProcess>();
process.once('exit', () => children.forEach((child) => child.kill()));

console.log(
  `API on ${cores.describe}; stub, load generator: one process each; logs at info, read by the benchmark;` +
    ` ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (other work on the machine skews every figure)`,
);
/** Each figure's value in every run, printed as medians at the end. */
const figures = new Map<string, number[]>();
function record(name: string, value: number): void {
  figures.set(name, [...(figures.get(name) ?? []), value]);
}
try {
  for (let run = 1; run <= RUNS; run++) {
    console.log(`
--- run ${run} of ${RUNS}, load average ${loadavg()[0]!.toFixed(1)}`);
    record('load average (1 min)', loadavg()[0]!);
    await fastStub();
    await slowStubAdmitted();
    await overload();
  }
  console.log(
    `
medians of ${RUNS} runs (API on ${cores.describe}; load average now ${loadavg()[0]!.toFixed(1)}):`,
  );
  for (const [name, values] of figures) {
    console.log(`  ${name}: ${fmt(median(values), 2)}  (runs: ${values.map((v) => fmt(v, 2)).join(', ')})`);
  }
} catch (error) {
  console.error('service benchmark failed:', error);
  process.exitCode = 1;
}

async function fastStub(): Promise<void> {
  await using stub = await startStub(0);
  const direct = await sustained(
    `${stub.url}/v1beta/models/gemini-2.5-flash:generateContent`,
    GEMINI_BODY,
    10,
  );
  let bareCpuMs: number;
  {
    await using bare = await startApi(stub.url, {}, BARE_PROXY);
    bareCpuMs = await cpuPerRequest(bare);
  }
  await using api = await startApi(stub.url, {});
  const apiCpuMs = await cpuPerRequest(api);
  record('CPU per request at a fixed rate, API (ms)', apiCpuMs);
  record('CPU per request at a fixed rate, bare proxy (ms)', bareCpuMs);
  record('CPU per request, API / bare proxy (aim ≤ 2)', apiCpuMs / bareCpuMs);
  console.log(`\nPOST /v1/chat, stub latency 0 ms, ${DURATION_S} s per run (after 1 s of warm-up)`);
  for (const connections of [1, 10, 200]) {
    const cpu = cpuMs(api.process);
    const result = await sustained(`${api.url}/v1/chat`, CHAT_BODY, connections);
    const cpuAtFullSpeed = (cpuMs(api.process) - cpu) / result.requests;
    record(`${connections} connections, 0 ms stub: req/s`, result.perSecond);
    record(`${connections} connections, 0 ms stub: p50 (ms)`, result.p50);
    record(`${connections} connections, 0 ms stub: p99 (ms)`, result.p99);
    console.log(
      `  ${String(connections).padStart(3)} connections: ${fmt(result.perSecond, 0)} req/s, p50 ${fmt(result.p50, 2)} ms,` +
        ` p99 ${fmt(result.p99, 2)} ms, non-2xx ${result.non2xx}, errors ${result.errors}, API CPU ${fmt(cpuAtFullSpeed, 3)} ms/request`,
    );
    if (connections === 10) {
      const added = result.p50 - direct.p50;
      record('10 connections: added p50 over the stub alone (ms, target ≤ 2)', added);
      console.log(
        `       stub alone p50 ${fmt(direct.p50, 2)} ms → added p50 ${fmt(added, 2)} ms (target ≤ 2 ms: ${added <= 2 ? 'met' : 'MISSED'})`,
      );
      console.log(
        `       CPU per request at ${CPU_RATE} req/s: API ${fmt(apiCpuMs, 3)} ms, bare node:http proxy ${fmt(bareCpuMs, 3)} ms → ×${fmt(apiCpuMs / bareCpuMs, 2)} (aim ≤ 2×)`,
      );
    }
  }
}

async function slowStubAdmitted(): Promise<void> {
  await using stub = await startStub(SLOW_STUB_MS);
  // The yardstick: what the same burst costs a bare node:http proxy on this machine, now.
  {
    await using bare = await startApi(stub.url, {}, BARE_PROXY);
    const cpu = cpuMs(bare.process);
    const replies = await burst(`${bare.url}/v1/chat`, BURST);
    const bareCpuMs = (cpuMs(bare.process) - cpu) / BURST;
    const ok = replies.filter((reply) => reply.status === 200);
    console.log(
      `\n${BURST} concurrent requests through the bare node:http proxy, stub latency ${SLOW_STUB_MS} ms: 200: ${ok.length},` +
        ` p50 ${fmt(percentile(ok, 0.5), 0)} ms (added ${fmt(percentile(ok, 0.5) - SLOW_STUB_MS, 0)} ms),` +
        ` CPU ${fmt(bareCpuMs, 3)} ms/request, peak RSS ${fmt(peakRssMb(bare.process), 0)} MB`,
    );
    record('1,000 concurrent, 2 s stub, bare proxy: added p50 (ms)', percentile(ok, 0.5) - SLOW_STUB_MS);
    record('1,000 concurrent, 2 s stub, bare proxy: CPU per request (ms)', bareCpuMs);
  }
  await using api = await startApi(stub.url, {
    MAX_CONCURRENT_UPSTREAM: String(BURST),
    MAX_QUEUE: String(BURST),
  });
  const cpu = cpuMs(api.process);
  const replies = await burst(`${api.url}/v1/chat`, BURST);
  const burstCpuMs = (cpuMs(api.process) - cpu) / BURST;
  const ok = replies.filter((reply) => reply.status === 200);
  const rss = peakRssMb(api.process);
  const inServer = api.accessLines
    .filter((line) => line.status === 200)
    .map((line) => ({ status: 200, retryAfter: undefined, ms: line.durationMs }));
  console.log(
    `${BURST} concurrent requests to the API, stub latency ${SLOW_STUB_MS} ms, MAX_CONCURRENT_UPSTREAM=${BURST}`,
  );
  console.log(
    `  200: ${ok.length}, errors: ${replies.length - ok.length}, p50 ${fmt(percentile(ok, 0.5), 0)} ms` +
      ` (added ${fmt(percentile(ok, 0.5) - SLOW_STUB_MS, 0)} ms, target ≤ 250 ms),` +
      ` p99 ${fmt(percentile(ok, 0.99), 0)} ms, peak RSS ${fmt(rss, 0)} MB (target 0 errors, ≤ 300 MB);` +
      ` API CPU ${fmt(burstCpuMs, 3)} ms/request (a new connection each, both sides)`,
  );
  record('1,000 concurrent, 2 s stub: errors', replies.length - ok.length);
  record('1,000 concurrent, 2 s stub: added p50 (ms, target ≤ 250)', percentile(ok, 0.5) - SLOW_STUB_MS);
  record(
    '1,000 concurrent, 2 s stub: added p50 in the server (ms)',
    percentile(inServer, 0.5) - SLOW_STUB_MS,
  );
  record('1,000 concurrent, 2 s stub: peak RSS (MB, target ≤ 300)', rss);
  record('1,000 concurrent, 2 s stub: API CPU per request (ms)', burstCpuMs);
  console.log(
    `  in the server (access log durationMs of ${inServer.length} lines): p50 ${fmt(percentile(inServer, 0.5), 0)} ms` +
      ` (added ${fmt(percentile(inServer, 0.5) - SLOW_STUB_MS, 0)} ms), p99 ${fmt(percentile(inServer, 0.99), 0)} ms;` +
      ` the rest of the client's time is outside the API's handlers (connections, the load generator)`,
  );
}

async function overload(): Promise<void> {
  await using stub = await startStub(SLOW_STUB_MS);
  await using api = await startApi(stub.url, { MAX_CONCURRENT_UPSTREAM: '100', MAX_QUEUE: '100' });
  const replies = await burst(`${api.url}/v1/chat`, BURST);
  const shed = replies.filter((reply) => reply.status === 503 && reply.retryAfter !== undefined);
  const ok = replies.filter((reply) => reply.status === 200);
  const other = replies.length - shed.length - ok.length;
  const rss = peakRssMb(api.process);
  const p99 = percentile(shed, 0.99);
  const shedInServer = api.accessLines
    .filter((line) => line.status === 503)
    .map((line) => ({ status: 503, retryAfter: undefined, ms: line.durationMs }));
  console.log(
    `\noverload: ${BURST} concurrent, stub latency ${SLOW_STUB_MS} ms, MAX_CONCURRENT_UPSTREAM=100, MAX_QUEUE=100`,
  );
  console.log(
    `  503 + Retry-After: ${shed.length} (${fmt((100 * shed.length) / replies.length, 1)} %), 200: ${ok.length}, other: ${other}`,
  );
  console.log(
    `  shed responses: p50 ${fmt(percentile(shed, 0.5), 2)} ms, p99 ${fmt(p99, 2)} ms, last at ${fmt(percentile(shed, 1), 0)} ms` +
      ` (target p99 ≤ 5 ms: ${p99 <= 5 ? 'met' : 'MISSED'}); served p50 ${fmt(percentile(ok, 0.5), 0)} ms; peak RSS ${fmt(rss, 0)} MB`,
  );
  record('overload: share shed (%)', (100 * shed.length) / replies.length);
  record('overload: shed p99 as the client saw it (ms)', p99);
  record('overload: shed p99 in the server (ms)', percentile(shedInServer, 0.99));
  record('overload: peak RSS (MB)', rss);
  console.log(
    `  shed in the server (access log durationMs of ${shedInServer.length} lines): p50 ${fmt(percentile(shedInServer, 0.5), 2)} ms,` +
      ` p99 ${fmt(percentile(shedInServer, 0.99), 2)} ms`,
  );
}

// --- processes ----------------------------------------------------------------------------------

interface Running extends AsyncDisposable {
  url: string;
  process: ChildProcess;
  /** The API's access lines so far (status and durationMs), when its logs are read. */
  accessLines: { status: number; durationMs: number }[];
}

/** The stub answers :generateContent after `latencyMs`; it runs on the load generator's core. */
async function startStub(latencyMs: number): Promise<Running> {
  const [command, ...args] = [...cores.load, process.execPath, STUB];
  const child = spawn(command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STUB_LATENCY_MS: String(latencyMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`gemini stub exited ${code}: ${output}`)));
  });
  return running(child, `http://127.0.0.1:${port}`);
}

/** The API (serve.ts), or another server that reports its port the same way (bare-proxy.ts). */
async function startApi(geminiUrl: string, env: Record<string, string>, script = SERVE): Promise<Running> {
  const child = fork(script, [], {
    execPath: cores.api.length ? cores.api[0] : process.execPath,
    execArgv: cores.api.length ? [...cores.api.slice(1), process.execPath] : [],
    env: {
      ...process.env,
      GEMINI_API_KEY: 'bench-key',
      GEMINI_BASE_URL: geminiUrl,
      GEMINI_TIMEOUT_MS: '30000',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const accessLines: Running['accessLines'] = [];
  readLines(child, (line) => {
    const entry = JSON.parse(line) as { event?: string; status: number; durationMs: number };
    if (entry.event === 'access') accessLines.push(entry);
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`the API exited ${code}`)));
  });
  return running(child, `http://127.0.0.1:${port}`, accessLines);
}

function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) onLine(line);
  });
}

function running(child: ChildProcess, url: string, accessLines: Running['accessLines'] = []): Running {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return {
    url,
    process: child,
    accessLines,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

/**
 * Server on core 0, everything else (the stub, and this process with all its threads: the load
 * generator) on core 1, when taskset and two cores are there and BENCH_PIN is not 0.
 */
function pinning(): { api: string[]; load: string[]; describe: string } {
  if (process.env.BENCH_PIN === '0') {
    return { api: [], load: [], describe: 'any core (BENCH_PIN=0: not pinned)' };
  }
  try {
    execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' });
    return {
      api: ['taskset', '-c', '0'],
      load: ['taskset', '-c', '1'],
      describe: 'core 0 (stub and load generator on core 1)',
    };
  } catch {
    return { api: [], load: [], describe: 'any core (taskset or a second core missing)' };
  }
}

/** The process's CPU time so far (user + system) in ms, from /proc/<pid>/stat; NaN without /proc. */
function cpuMs(child: ChildProcess): number {
  try {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** VmHWM: the process's peak resident set so far in MB (Linux); NaN without /proc. */
function peakRssMb(child: ChildProcess): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

// --- load ---------------------------------------------------------------------------------------

interface Sustained {
  perSecond: number;
  /** Answered with 2xx, the warm-up's included. */
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * The CPU time the server's process spends per chat request, at CPU_RATE requests/s on 10 keep-alive
 * connections: at one rate, the batching that a busier server gets for free is the same for all.
 */
async function cpuPerRequest(server: Running): Promise<number> {
  const cpu = cpuMs(server.process);
  const result = await sustained(`${server.url}/v1/chat`, CHAT_BODY, 10, CPU_RATE);
  return (cpuMs(server.process) - cpu) / result.requests;
}

/**
 * Keep-alive POSTs on `connections` connections for DURATION_S seconds, after one second of
 * warm-up, as fast as answered or at `rate` requests/s.
 */
async function sustained(url: string, body: string, connections: number, rate?: number): Promise<Sustained> {
  const options = {
    url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    ...(rate === undefined ? {} : { overallRate: rate }),
  };
  const warmUp = await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: DURATION_S });
  if (result.errors > 0 && result['2xx'] === 0) throw new Error(`every request to ${url} failed`);
  return {
    perSecond: result['2xx'] / DURATION_S,
    requests: warmUp['2xx'] + result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

interface Reply {
  status: number;
  retryAfter: string | undefined;
  ms: number;
}

/** `count` requests sent at once, each on its own connection; every reply with its status and time. */
async function burst(url: string, count: number): Promise<Reply[]> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const one = () =>
    new Promise<Reply>((resolve) => {
      const started = performance.now();
      const outgoing = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfter: response.headers['retry-after'],
              ms: performance.now() - started,
            }),
          );
        },
      );
      outgoing.on('error', () =>
        resolve({ status: 0, retryAfter: undefined, ms: performance.now() - started }),
      );
      outgoing.end(CHAT_BODY);
    });
  const replies = await Promise.all(Array.from({ length: count }, one));
  agent.destroy();
  return replies;
}

function percentile(replies: Reply[], share: number): number {
  if (replies.length === 0) return NaN;
  const sorted = replies.map((reply) => reply.ms).sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * share) - 1)]!;
}

function median(values: number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function fmt(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
