/**
 * The targets one load balancer route sends to (an ALB target group's registered targets, as the
 * listener sees them): forwards each request to one registered target (round robin) and, like an
 * ALB target group, stops sending new requests to a target as soon as it is deregistered while
 * letting its in-flight requests finish (the deregistration delay), so a rolling deployment under
 * load drops nothing. A target that dies before it is deregistered costs no request that could
 * safely go elsewhere: one that never reached it (connection refused or reset before anything was
 * sent) is sent to another target, whatever its method, and so is a bodyless idempotent one that
 * got no answer (RFC 9110 §9.2.2).
 */
import {
  Agent,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Connection handling is per hop: the client's connection is ours, the target's is the agent's. */
function perHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  return copy;
}

/** Methods whose request may be sent again after a connection failure (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Whether the client sends a body after the headers (we keep no copy, so it can be sent once only). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
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
  /** Requests sent to another target (or once more) after a connection failed under them. */
  retries: number;
}

export class TargetPool {
  private readonly targets = new Map<string, TargetState>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private next = 0;
  /** Why there is no target to route to, for the 503 body (e.g. a security group blocks the port). */
  unavailableReason = 'no healthy targets';
  readonly stats: LoadBalancerStats = { requests: 0, failures: 0, retries: 0 };

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

  /** Closes the pooled connections to the targets. */
  close(): void {
    this.agent.destroy();
  }

  /** The next live target in turn, other than those already tried for this request. */
  private pick(tried: ReadonlySet<TargetState> = new Set()): TargetState | undefined {
    const live = [...this.targets.values()].filter((t) => !t.draining && !tried.has(t));
    if (live.length === 0) return undefined;
    return live[this.next++ % live.length];
  }

  /** Sends the request to one live target in turn, or answers 503 with the reason there is none. */
  forward(req: IncomingMessage, res: ServerResponse): void {
    this.stats.requests++;
    const target = this.pick();
    if (!target) {
      this.stats.failures++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'no_healthy_targets', message: this.unavailableReason } }));
      return;
    }
    this.send(req, res, target, new Set());
  }

  /**
   * One attempt at `target`. The client's body is piped only once the connection is up, so an
   * attempt whose connection fails has consumed none of it and the next can still send it all.
   * `tried` bounds the attempts: every target at most once, plus one resend on a reused
   * keep-alive connection the target closed under the request (a race, not a dead target).
   */
  private send(
    req: IncomingMessage,
    res: ServerResponse,
    target: TargetState,
    tried: Set<TargetState>,
    resend = false,
  ): void {
    tried.add(target);
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
        // As an ALB: the client's address, and the protocol and port it reached the listener on.
        headers: {
          ...perHop(req.headers),
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-proto': (req.socket as TLSSocket).encrypted ? 'https' : 'http',
          'x-forwarded-port': String(req.socket.localPort ?? ''),
        },
        agent: this.agent,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, perHop(upstreamRes.headers));
        upstreamRes.pipe(res);
        upstreamRes.on('end', done);
        upstreamRes.on('error', done);
      },
    );
    let socket: Socket | undefined;
    let connected = false;
    let writtenBefore = 0;
    upstream.on('socket', (assigned) => {
      socket = assigned;
      // A reused socket carries earlier requests' bytes: only what this request adds counts.
      writtenBefore = assigned.bytesWritten;
      const connect = () => {
        connected = true;
        if (hasBody(req)) req.pipe(upstream);
        else upstream.end();
      };
      if (assigned.connecting) assigned.once('connect', connect);
      else connect();
    });
    upstream.on('error', () => {
      done();
      if (res.headersSent) {
        // The answer was under way: what the client got is all there is.
        this.stats.failures++;
        res.destroy();
        return;
      }
      const sent = connected && (socket?.bytesWritten ?? 0) > writtenBefore;
      if (hasBody(req)) req.unpipe(upstream);
      // A client that went away is owed nothing more.
      const next = res.destroyed
        ? undefined
        : this.retryTarget(req, target, tried, sent, upstream.reusedSocket && !resend);
      if (next) {
        this.stats.retries++;
        this.send(req, res, next, tried, next === target);
        return;
      }
      this.stats.failures++;
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'bad_gateway', message: `target ${target.id} did not answer` } }),
      );
    });
    res.on('close', done);
  }

  /**
   * Where a failed attempt goes next, if anywhere: nothing sent, anything may go to another
   * target; sent, only a bodyless idempotent request may, or go once more to the same target when
   * it was on a reused keep-alive connection (closed by the target just as it was reused).
   */
  private retryTarget(
    req: IncomingMessage,
    failed: TargetState,
    tried: Set<TargetState>,
    sent: boolean,
    staleKeepAlive: boolean,
  ): TargetState | undefined {
    if (sent && (hasBody(req) || !IDEMPOTENT.has(req.method ?? ''))) return undefined;
    const other = this.pick(tried);
    if (other) return other;
    return staleKeepAlive && !failed.draining ? failed : undefined;
  }
}
