/**
 * One listener on 127.0.0.1: an HTTP server (HTTPS when given TLS: its default certificate, and
 * SNI's choice from its certificate list) that hands each request to the target pool its route
 * picks (an ALB listener's rules choose a target group) or answers it itself (fixed responses,
 * redirects). Without a route, it forwards everything to its own pool.
 */
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ListenerTls } from './listener-tls.ts';
import { TargetPool, type LoadBalancerStats, type Target } from './target-pool.ts';

export type { LoadBalancerStats, Target } from './target-pool.ts';

/** What a listener does with one request. */
export type RouteDecision =
  | { kind: 'forward'; pool: TargetPool }
  | { kind: 'respond'; status: number; headers: OutgoingHttpHeaders; body: string };

export class LoadBalancer {
  /** The pool requests go to when no route is given. */
  readonly pool = new TargetPool();
  private readonly route: (req: IncomingMessage) => RouteDecision;
  private server: Server | HttpsServer | undefined;
  private tls: ListenerTls | undefined;
  /** Requests this listener answered itself (fixed responses, redirects). */
  answered = 0;

  constructor(options: { route?: (req: IncomingMessage) => RouteDecision } = {}) {
    this.route = options.route ?? (() => ({ kind: 'forward', pool: this.pool }));
  }

  get stats(): LoadBalancerStats {
    return this.pool.stats;
  }

  /** Why there is no target to route to, for the 503 body (e.g. a security group blocks the port). */
  get unavailableReason(): string {
    return this.pool.unavailableReason;
  }

  set unavailableReason(reason: string) {
    this.pool.unavailableReason = reason;
  }

  /** Serves HTTP, or HTTPS with `tls` (which setTls may change while it serves). */
  async listen(port: number, host = '127.0.0.1', tls?: ListenerTls): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.tls = tls;
    const server: Server | HttpsServer = tls
      ? createHttpsServer(
          {
            ...tls.defaultContext,
            // A falsy context: the default certificate's (no SNI, or no certificate for the name).
            SNICallback: (name, done) => done(null, this.tls?.select(name)),
          },
          handler,
        )
      : createServer(handler);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** New certificates or policy for an HTTPS listener: new connections get them. */
  setTls(tls: ListenerTls): void {
    this.tls = tls;
    if (this.server && 'setSecureContext' in this.server) this.server.setSecureContext(tls.defaultContext);
  }

  register(target: Target): void {
    this.pool.register(target);
  }

  has(id: string): boolean {
    return this.pool.has(id);
  }

  deregister(id: string, delayMs: number): Promise<void> {
    return this.pool.deregister(id, delayMs);
  }

  registeredIds(): string[] {
    return this.pool.registeredIds();
  }

  /** Sets how long an idle client connection stays open (the ALB's idle timeout). */
  setIdleTimeout(seconds: number): void {
    if (this.server) this.server.keepAliveTimeout = seconds * 1000;
  }

  async close(): Promise<void> {
    this.pool.close();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /**
   * HTTPS: the request headers that tell targets the TLS version and cipher suite (the load
   * balancer's routing.http.x_amzn_tls_version_and_cipher_suite.enabled), under the listener's names.
   */
  tlsHeaders: { version: string; cipherSuite: string } | undefined;

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const decision = this.route(req);
    if (decision.kind === 'forward') {
      const socket = req.socket as TLSSocket;
      // Set over whatever the client sent under those names, as an ALB does.
      if (this.tlsHeaders && socket.encrypted) {
        req.headers[this.tlsHeaders.version.toLowerCase()] = socket.getProtocol() ?? '';
        req.headers[this.tlsHeaders.cipherSuite.toLowerCase()] = socket.getCipher().name;
      }
      decision.pool.forward(req, res);
      return;
    }
    this.answered++;
    // The request's body is not wanted; drain it so the connection stays usable.
    req.resume();
    res.writeHead(decision.status, decision.headers).end(decision.body);
  }
}
