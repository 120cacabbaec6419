/**
 * The service benchmark's load generator, in a process of its own (run.ts forks it and pins it with
 * the Gemini stub, off the API's core). It takes one job at a time over IPC and answers with its
 * figures: autocannon for sustained load, and node:http over keep-alive connections for arrivals
 * (open loop) and bursts.
 */
import autocannon from 'autocannon';
import { Agent, request } from 'node:http';

export type LoadJob =
  | {
      kind: 'sustained';
      url: string;
      body: string;
      connections: number;
      durationS: number;
      /** Requests per second over all connections; as fast as answered when absent. */
      rate?: number;
    }
  | { kind: 'burst'; url: string; body: string; count: number }
  | {
      kind: 'arrivals';
      url: string;
      body: string;
      /** Mean arrivals per second. */
      rate: number;
      /** Arrivals before the measured ones: they fill the server and open the connections. */
      warmUpS: number;
      durationS: number;
    };

export interface Sustained {
  perSecond: number;
  /** Answered with 2xx, the warm-up's included. */
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface Reply {
  status: number;
  retryAfter: string | undefined;
  ms: number;
}

export type LoadResult =
  | { ok: true; sustained: Sustained }
  | { ok: true; replies: Reply[]; sent?: number }
  | { ok: false; error: string };

/**
 * Keep-alive POSTs on `connections` connections for `durationS` seconds after one second of
 * warm-up, as fast as answered or at `rate` requests/s.
 */
async function sustained(job: Extract<LoadJob, { kind: 'sustained' }>): Promise<Sustained> {
  const options = {
    url: job.url,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json' },
    body: job.body,
    connections: job.connections,
    ...(job.rate === undefined ? {} : { overallRate: job.rate }),
  };
  const warmUp = await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: job.durationS });
  if (result.errors > 0 && result['2xx'] === 0) throw new Error(`every request to ${job.url} failed`);
  return {
    perSecond: result['2xx'] / job.durationS,
    requests: warmUp['2xx'] + result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * `count` requests sent at once, each on its own keep-alive connection, twice: the first round opens
 * the connections (the load generator's to the server, and the server's own to its upstream) and
 * warms the code; the second, measured, finds them open, as requests from a load balancer would.
 * Every reply of the second round with its status and time.
 */
async function burst(job: Extract<LoadJob, { kind: 'burst' }>): Promise<Reply[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const round = () => Promise.all(Array.from({ length: job.count }, () => post(job, agent)));
  await round();
  const replies = await round();
  agent.destroy();
  return replies;
}

/**
 * Open-loop arrivals, as independent users make them: POSTs at exponentially distributed intervals
 * (a Poisson process, seeded, so every run and every target gets the same schedule) at a mean `rate`,
 * whether or not earlier ones were answered, over keep-alive connections opened as needed (as many
 * as are in flight at once). Each time runs from the request's scheduled instant, not from when the
 * generator got round to sending it: a late send counts against the target, never hides its delay.
 * The replies to the arrivals after the warm-up, and how many were sent in all.
 */
async function arrivals(
  job: Extract<LoadJob, { kind: 'arrivals' }>,
): Promise<{ replies: Reply[]; sent: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const random = seeded(16);
  const measuredFrom = job.warmUpS * 1000;
  const end = (job.warmUpS + job.durationS) * 1000;
  const measured: Promise<Reply>[] = [];
  const warmUp: Promise<Reply>[] = [];
  const start = performance.now();
  let next = 0;
  while (next < end) {
    const now = performance.now() - start;
    for (; next <= now && next < end; next += (-Math.log(1 - random()) * 1000) / job.rate) {
      const reply = post(job, agent, start + next);
      (next >= measuredFrom ? measured : warmUp).push(reply);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - (performance.now() - start))));
  }
  const replies = await Promise.all(measured);
  await Promise.all(warmUp);
  agent.destroy();
  return { replies, sent: measured.length + warmUp.length };
}

/** One POST; its time from `scheduled` (by default now) to the end of the response. */
function post(
  job: { url: string; body: string },
  agent: Agent,
  scheduled = performance.now(),
): Promise<Reply> {
  return new Promise<Reply>((resolve) => {
    const outgoing = request(
      job.url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            ms: performance.now() - scheduled,
          }),
        );
      },
    );
    outgoing.on('error', () =>
      resolve({ status: 0, retryAfter: undefined, ms: performance.now() - scheduled }),
    );
    outgoing.end(job.body);
  });
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

process.on('message', (job: LoadJob) => {
  const work =
    job.kind === 'sustained'
      ? sustained(job).then((s) => ({ sustained: s }))
      : job.kind === 'burst'
        ? burst(job).then((r) => ({ replies: r }))
        : arrivals(job);
  work.then(
    (result) => process.send!({ ok: true, ...result }),
    (error: unknown) => process.send!({ ok: false, error: String(error) }),
  );
});
// The benchmark went away (even killed): nothing is left to load.
process.once('disconnect', () => process.exit(0));
