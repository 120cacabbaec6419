/**
 * The service benchmark's load generator, in a process of its own (run.ts forks it and pins it with
 * the Gemini stub, off the API's core). It takes one job at a time over IPC and answers with its
 * figures: autocannon for sustained load, and node:http over keep-alive connections for bursts.
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
  | { kind: 'burst'; url: string; body: string; count: number };

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
  { ok: true; sustained: Sustained } | { ok: true; replies: Reply[] } | { ok: false; error: string };

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
  const one = () =>
    new Promise<Reply>((resolve) => {
      const started = performance.now();
      const outgoing = request(
        job.url,
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
      outgoing.end(job.body);
    });
  const round = () => Promise.all(Array.from({ length: job.count }, one));
  await round();
  const replies = await round();
  agent.destroy();
  return replies;
}

process.on('message', (job: LoadJob) => {
  const work =
    job.kind === 'sustained'
      ? sustained(job).then((s) => ({ sustained: s }))
      : burst(job).then((r) => ({ replies: r }));
  work.then(
    (result) => process.send!({ ok: true, ...result }),
    (error: unknown) => process.send!({ ok: false, error: String(error) }),
  );
});
// The benchmark went away (even killed): nothing is left to load.
process.once('disconnect', () => process.exit(0));
