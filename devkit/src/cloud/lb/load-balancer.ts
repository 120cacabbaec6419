/**
 * A service's load balancer on 127.0.0.1: forwards each request to one registered, healthy target
 * (round robin) and, like an ALB target group, stops sending new requests to a target as soon as it
 * is deregistered while letting its in-flight requests finish (the deregistration delay), so a
 * rolling deployment under load drops nothing.
 */
import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** Connection handling is per hop: the client's connection is ours, the target's is the agent's. */
function perHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  return copy;
}

export interface Target {
  id: string;
  host: string;
  port: number;
}

interface TargetState extends Target {
  inFlight: number;
  draining: boolean;
  drained: Array<() => void>;
}

export interface LoadBalancerStats {
  requests: number;
  failures: number;
}

export class LoadBalancer {
  private readonly targets = new Map<string, TargetState>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private server: Server | undefined;
  private next = 0;
  /** Why there is no target to route to, for the 503 body (e.g. a security group blocks the port). */
  unavailableReason = 'no healthy targets';
  readonly stats: LoadBalancerStats = { requests: 0, failures: 0 };

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((req, res) => this.forward(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** Routes to the target; a target still draining is taken back as it is. */
  register(target: Target): void {
    const known = this.targets.get(target.id);
    if (known) known.draining = false;
    else this.targets.set(target.id, { ...target, inFlight: 0, draining: false, drained: [] });
  }

  /** Whether the target is registered or still draining. */
  has(id: string): boolean {
    return this.targets.has(id);
  }

  /** Stops routing to the target now; resolves when its in-flight requests are done or `delayMs` passed. */
  async deregister(id: string, delayMs: number): Promise<void> {
    const target = this.targets.get(id);
    if (!target) return;
    target.draining = true;
    if (target.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        target.drained.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // Registered again while it drained: it stays.
    if (target.draining) this.targets.delete(id);
  }

  registeredIds(): string[] {
    return [...this.targets.values()].filter((t) => !t.draining).map((t) => t.id);
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private pick(): TargetState | undefined {
    const live = [...this.targets.values()].filter((t) => !t.draining);
    if (live.length === 0) return undefined;
    return live[this.next++ % live.length];
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    const target = this.pick();
    if (!target) {
      this.stats.failures++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'no_healthy_targets', message: this.unavailableReason } }));
      return;
    }
    this.send(req, res, target, true);
  }

  private send(req: IncomingMessage, res: ServerResponse, target: TargetState, firstAttempt: boolean): void {
    target.inFlight++;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      target.inFlight--;
      if (target.inFlight === 0) for (const resolve of target.drained.splice(0)) resolve();
    };
    const upstream = request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...perHop(req.headers), 'x-forwarded-for': req.socket.remoteAddress ?? '' },
        agent: this.agent,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, perHop(upstreamRes.headers));
        upstreamRes.pipe(res);
        upstreamRes.on('end', done);
        upstreamRes.on('error', done);
      },
    );
    upstream.on('error', () => {
      done();
      // The target closed an idle keep-alive connection just as it was reused: nothing reached it,
      // so a request without a body is safe to send once more on a fresh connection.
      const bodyless = req.method === 'GET' || req.method === 'HEAD';
      if (firstAttempt && upstream.reusedSocket && bodyless && !res.headersSent) {
        this.send(req, res, target, false);
        return;
      }
      this.stats.failures++;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'bad_gateway', message: `target ${target.id} did not answer` } }),
        );
      } else res.destroy();
    });
    res.on('close', done);
    if (firstAttempt) req.pipe(upstream);
    else upstream.end();
  }
}
