/**
 * The ELBv2 data plane: every listener of every Application Load Balancer in the recorded state
 * serves HTTP (or HTTPS, terminating TLS with its IAM server certificates) on 127.0.0.1 at its
 * port, its rules choose a target group, and each target group's pool sends only to targets its
 * own HTTP health check found healthy (503 with the reason when none). Health results are written back to the state, where DescribeTargetHealth and the ECS
 * scheduler read them; a deregistered target drains (in-flight requests finish, up to the
 * deregistration delay) and then leaves the group, as AWS completes a deregistration.
 */
import type { StateStore } from '../state/store.ts';
import type { Timings } from '../scheduler/facts.ts';
import { elbv2 } from '../services/elbv2/index.ts';
import type {
  Elbv2State,
  ListenerRecord,
  LoadBalancerRecord,
  TargetGroupRecord,
  TargetRecord,
} from '../services/elbv2/state.ts';
import { liveTargets, loadBalancersOf, rulesOf, targetKey } from '../services/elbv2/state.ts';
import { deregisterTarget, reportedHealth } from '../services/elbv2/targets.ts';
import { compileRules, evaluate, type CompiledRules } from './listener-rules.ts';
import { listenerTls, type ListenerTls, type ServerCertificateMaterial } from './listener-tls.ts';
import { LoadBalancer, type LoadBalancerStats } from './load-balancer.ts';
import { checkTarget } from './target-health-check.ts';
import { TargetPool } from './target-pool.ts';

/** Where the data plane reaches a target, and why it may not (a security group in the way). */
export interface TargetAddress {
  host: string;
  port: number;
  blocked?: string;
}

/**
 * A target's address as seen from 127.0.0.1 (a task's IP:port is published on a host port), for
 * this load balancer; undefined when nothing answers at that address yet.
 */
export type ResolveTarget = (
  region: string,
  target: { id: string; port: number },
  loadBalancer: LoadBalancerRecord,
) => TargetAddress | undefined;

export interface ListenerInfo extends LoadBalancerStats {
  loadBalancerName: string;
  dnsName: string;
  port: number;
  /** Targets routed to now, over the listener's target groups. */
  targets: number;
}

interface RunningListener {
  arn: string;
  region: string;
  lb: LoadBalancer;
  loadBalancerArn: string;
  wantedPort: number;
  protocol: string;
  /** HTTPS: its TLS, and the policy and certificate ids it was built from (rebuilt when they change). */
  tls?: ListenerTls;
  tlsKey?: string;
  port?: number;
  listening?: Promise<void>;
  failedAt?: number;
  compiled: CompiledRules;
  /** The rules' JSON, to recompile only when they change. */
  rulesKey: string;
}

interface HealthCheckState {
  passes: number;
  fails: number;
  nextAt: number;
  running: boolean;
}

/** The reason a listener could not bind, as the load balancer's state shows it. */
export function listenFailedReason(port: number, code: string): string {
  const why = code === 'EADDRINUSE' ? 'the port is already in use' : `listen failed with ${code}`;
  return `Listener on port ${port} cannot serve on 127.0.0.1:${port}: ${why}. Free the port, or move the listener (ModifyListener --port).`;
}

/** The reason an HTTPS listener cannot serve with its certificates and policy. */
export function tlsFailedReason(port: number, why: string): string {
  return `Listener on port ${port} cannot serve HTTPS: ${why}. Give it a certificate it can use (ModifyListener --certificates).`;
}

export class ApplicationLoadBalancers {
  private readonly store: StateStore;
  private readonly timings: Timings;
  private readonly resolve: ResolveTarget;
  private readonly onChange: () => void;
  private readonly listenRetryMs: number;
  private readonly listeners = new Map<string, RunningListener>();
  /** By target group ARN. */
  private readonly pools = new Map<string, TargetPool>();
  /** By `<target group ARN>|<id:port>`. */
  private readonly checks = new Map<string, HealthCheckState>();
  private readonly draining = new Map<string, Promise<void>>();

  /** `onChange` runs after the data plane changed the recorded state on its own (health, drains). */
  constructor(options: {
    store: StateStore;
    timings: Timings;
    resolve: ResolveTarget;
    onChange?: () => void;
    listenRetryMs?: number;
  }) {
    this.store = options.store;
    this.timings = options.timings;
    this.resolve = options.resolve;
    this.onChange = options.onChange ?? (() => {});
    this.listenRetryMs = options.listenRetryMs ?? 5_000;
  }

  /** Brings listeners, pools and health checks in line with the recorded state (every tick). */
  sync(now = Date.now()): void {
    const wantedListeners = new Set<string>();
    const wantedPools = new Set<string>();
    for (const [region, state] of this.store.regions<Elbv2State>(elbv2.signingName)) {
      for (const listener of Object.values(state.listeners)) {
        const lb = state.loadBalancers[listener.loadBalancerArn];
        if (!lb) continue;
        wantedListeners.add(listener.arn);
        this.syncListener(region, state, lb, listener.arn, now);
      }
      for (const tg of Object.values(state.targetGroups)) {
        wantedPools.add(tg.arn);
        this.syncPool(region, state, tg, now);
      }
    }
    for (const [arn, running] of this.listeners) {
      if (!wantedListeners.has(arn)) {
        this.listeners.delete(arn);
        void Promise.resolve(running.listening).then(() => running.lb.close());
      }
    }
    for (const [arn, pool] of this.pools) {
      if (!wantedPools.has(arn)) {
        this.pools.delete(arn);
        pool.close();
      }
    }
  }

  /**
   * Deregisters every target at `id` (a task's IP) from every target group of the region: no new
   * requests; resolves once its in-flight requests finished or the deregistration delay passed.
   */
  drain(region: string, id: string): Promise<void> {
    const state = this.state(region);
    const now = Date.now();
    const drains: Array<Promise<void>> = [];
    for (const tg of Object.values(state.targetGroups)) {
      for (const [key, target] of Object.entries(tg.targets)) {
        if (target.id !== id) continue;
        if (target.drainUntilMs === undefined) {
          deregisterTarget(state, tg, key, now, this.timings.deregistrationDelaySeconds);
          this.store.markDirty(elbv2.signingName, region);
        }
        drains.push(this.drainTarget(region, tg, key));
      }
    }
    return Promise.all(drains).then(() => undefined);
  }

  /** Listening listeners and what they carried, for health output. */
  listenerInfo(): ListenerInfo[] {
    return [...this.listeners.values()]
      .filter((l) => l.port !== undefined)
      .map((l) => {
        const lb = this.state(l.region).loadBalancers[l.loadBalancerArn];
        return {
          loadBalancerName: lb?.name ?? '',
          dnsName: lb?.dnsName ?? '',
          port: l.port!,
          targets: this.poolsOf(l).reduce((n, p) => n + p.registeredIds().length, 0),
          ...this.poolsOf(l).reduce(
            (sum, p) => ({
              requests: sum.requests + p.stats.requests,
              failures: sum.failures + p.stats.failures,
              retries: sum.retries + p.stats.retries,
            }),
            { requests: l.lb.answered, failures: 0, retries: 0 },
          ),
        };
      });
  }

  async close(): Promise<void> {
    const listeners = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(listeners.map((l) => Promise.resolve(l.listening).then(() => l.lb.close())));
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  private state(region: string): Elbv2State {
    return this.store.slice(elbv2.signingName, region, () => elbv2.initialState(region));
  }

  /** An IAM server certificate by its id (IAM is global: one slice). */
  private serverCertificate(id: string): ServerCertificateMaterial | undefined {
    const iam = this.store
      .regions<{ serverCertificates?: Record<string, ServerCertificateMaterial> }>('iam')
      .find(([region]) => region === 'global')?.[1];
    return Object.values(iam?.serverCertificates ?? {}).find((c) => c.id === id);
  }

  private poolsOf(listener: RunningListener): TargetPool[] {
    const state = this.state(listener.region);
    const l = state.listeners[listener.arn];
    if (!l) return [];
    const arns = new Set(
      [l.defaultActions, ...rulesOf(state, l.arn).map((r) => r.actions)].flatMap((actions) =>
        actions.flatMap((a) => a.ForwardConfig?.TargetGroups?.map((t) => t.TargetGroupArn ?? '') ?? []),
      ),
    );
    return [...arns].flatMap((arn) => this.pools.get(arn) ?? []);
  }

  private pool(arn: string): TargetPool {
    let pool = this.pools.get(arn);
    if (!pool) {
      pool = new TargetPool();
      this.pools.set(arn, pool);
    }
    return pool;
  }

  private syncListener(
    region: string,
    state: Elbv2State,
    lb: LoadBalancerRecord,
    arn: string,
    now: number,
  ): void {
    const listener = state.listeners[arn]!;
    let running = this.listeners.get(arn);
    // A new port or protocol is a new server.
    if (running && (running.wantedPort !== listener.port || running.protocol !== listener.protocol)) {
      this.listeners.delete(arn);
      const old = running;
      void Promise.resolve(old.listening).then(() => old.lb.close());
      running = undefined;
    }
    const rules = rulesOf(state, arn);
    const rulesKey = JSON.stringify([rules, listener.defaultActions]);
    if (!running) {
      const created: RunningListener = {
        arn,
        region,
        loadBalancerArn: lb.arn,
        wantedPort: listener.port,
        protocol: listener.protocol,
        compiled: compileRules(rules, listener.defaultActions),
        rulesKey,
        lb: new LoadBalancer({
          route: (req) => {
            const outcome = evaluate(created.compiled, req);
            if (outcome.kind === 'respond') return outcome;
            return { kind: 'forward', pool: this.pool(outcome.targetGroupArn) };
          },
        }),
      };
      running = created;
      this.listeners.set(arn, running);
    } else if (running.rulesKey !== rulesKey) {
      running.compiled = compileRules(rules, listener.defaultActions);
      running.rulesKey = rulesKey;
    }
    if (listener.protocol === 'HTTPS') {
      const tlsKey = JSON.stringify([listener.sslPolicy, listener.certificates, listener.certificateList]);
      if (running.tlsKey !== tlsKey) {
        running.tlsKey = tlsKey;
        this.buildTls(running, listener, lb, now);
      }
      if (!running.tls) return;
    }
    this.ensureListening(running, lb, now);
    running.lb.setIdleTimeout(Number(lb.attributes['idle_timeout.timeout_seconds'] ?? 60));
    const names = listener.attributes ?? {};
    running.lb.tlsHeaders =
      lb.attributes['routing.http.x_amzn_tls_version_and_cipher_suite.enabled'] === 'true'
        ? {
            version: names['routing.http.request.x_amzn_tls_version.header_name'] ?? 'X-Amzn-Tls-Version',
            cipherSuite:
              names['routing.http.request.x_amzn_tls_cipher_suite.header_name'] ?? 'X-Amzn-Tls-Cipher-Suite',
          }
        : undefined;
  }

  /** Listens unless it does or is about to; a port in use puts the reason in the load balancer's state. */
  private ensureListening(running: RunningListener, lb: LoadBalancerRecord, now: number): void {
    if (running.port !== undefined || running.listening) return;
    if (running.failedAt !== undefined && now - running.failedAt < this.listenRetryMs) return;
    running.listening = running.lb.listen(running.wantedPort, undefined, running.tls).then(
      (port) => {
        running.port = port;
        running.failedAt = undefined;
        // Certificates or policy changed while it was binding.
        if (running.tls) running.lb.setTls(running.tls);
        if (lb.state.code !== 'active' && !this.anyListenerFailing(lb)) {
          lb.state = { code: 'active' };
          this.changed(running.region);
        }
      },
      (error: NodeJS.ErrnoException) => {
        running.listening = undefined;
        running.failedAt = Date.now();
        this.impair(running, lb, listenFailedReason(running.wantedPort, error.code ?? error.message));
      },
    );
  }

  /**
   * The listener's TLS from its certificates and policy. When they cannot make one (a key OpenSSL
   * refuses, a certificate gone from IAM), the reason goes in the load balancer's state and the
   * listener keeps the TLS it had, if any.
   */
  private buildTls(
    running: RunningListener,
    listener: ListenerRecord,
    lb: LoadBalancerRecord,
    now: number,
  ): void {
    let tls: ListenerTls | undefined;
    let failure: string;
    try {
      tls = listenerTls(listener, (id) => this.serverCertificate(id));
      failure = 'its default certificate is no longer in IAM';
    } catch (error) {
      failure = (error as Error).message;
    }
    if (!tls) {
      running.failedAt = now;
      this.impair(running, lb, tlsFailedReason(listener.port, failure));
      return;
    }
    running.tls = tls;
    running.failedAt = undefined;
    if (running.port === undefined) return;
    running.lb.setTls(tls);
    if (lb.state.code !== 'active' && !this.anyListenerFailing(lb)) {
      lb.state = { code: 'active' };
      this.changed(running.region);
    }
  }

  private impair(running: RunningListener, lb: LoadBalancerRecord, reason: string): void {
    if (lb.state.reason === reason) return;
    lb.state = { code: 'active_impaired', reason };
    console.error(`[cloud] load balancer ${lb.name}: ${reason}`);
    this.changed(running.region);
  }

  private anyListenerFailing(lb: LoadBalancerRecord): boolean {
    return [...this.listeners.values()].some((l) => l.loadBalancerArn === lb.arn && l.failedAt !== undefined);
  }

  /** The pool routes to exactly the group's healthy, reachable targets; health checks go on. */
  private syncPool(region: string, state: Elbv2State, tg: TargetGroupRecord, now: number): void {
    const pool = this.pool(tg.arn);
    const lbArn = loadBalancersOf(state, tg.arn)[0];
    const lb = lbArn === undefined ? undefined : state.loadBalancers[lbArn];
    const routed = new Set<string>();
    let blocked: string | undefined;
    for (const target of liveTargets(tg, now)) {
      const key = targetKey(target.id, target.port);
      if (target.drainUntilMs !== undefined) {
        void this.drainTarget(region, tg, key);
        continue;
      }
      if (!lb) continue;
      const address = this.resolve(region, target, lb) ?? { host: target.id, port: target.port };
      blocked ??= address.blocked;
      this.scheduleCheck(region, tg, target, address, now);
      if (reportedHealth(state, tg, target, now).state === 'healthy' && !address.blocked) {
        routed.add(key);
        pool.register({ id: key, host: address.host, port: address.port });
      }
    }
    for (const key of pool.registeredIds()) {
      if (!routed.has(key) && !this.draining.has(`${tg.arn}|${key}`)) void pool.deregister(key, 0);
    }
    pool.unavailableReason =
      blocked ??
      `Target group ${tg.name} has no healthy targets (${Object.keys(tg.targets).length} registered).`;
  }

  private scheduleCheck(
    region: string,
    tg: TargetGroupRecord,
    target: TargetRecord,
    address: TargetAddress,
    now: number,
  ): void {
    if (!tg.healthCheck.enabled) return;
    const key = `${tg.arn}|${targetKey(target.id, target.port)}`;
    let check = this.checks.get(key);
    if (!check) {
      check = { passes: 0, fails: 0, nextAt: now, running: false };
      this.checks.set(key, check);
    }
    if (check.running || now < check.nextAt) return;
    const intervalS =
      this.timings.targetHealthCheckIntervalSeconds ??
      this.timings.healthCheckIntervalSeconds ??
      tg.healthCheck.intervalSeconds;
    // The timing profile compresses the interval only; one check at a time runs per target anyway.
    const timeoutMs = tg.healthCheck.timeoutSeconds * 1000;
    check.running = true;
    check.nextAt = now + intervalS * 1000;
    if (target.health.reason === 'Elb.RegistrationInProgress') {
      target.health = {
        state: 'initial',
        reason: 'Elb.InitialHealthChecking',
        description: 'Initial health checks in progress',
      };
      this.changed(region);
    }
    const port = tg.healthCheck.port === 'traffic-port' ? address.port : Number(tg.healthCheck.port);
    // A security group in the way times the check out, as it does on AWS.
    const result = address.blocked
      ? Promise.resolve({
          passed: false as const,
          failure: {
            state: 'unhealthy' as const,
            reason: 'Target.Timeout' as const,
            description: 'Request timed out',
          },
        })
      : checkTarget({ host: address.host, port }, tg.healthCheck, timeoutMs);
    void result.then((outcome) => {
      check.running = false;
      const current = this.state(region).targetGroups[tg.arn]?.targets[targetKey(target.id, target.port)];
      if (!current || current.drainUntilMs !== undefined) return;
      if (outcome.passed) {
        check.passes++;
        check.fails = 0;
        if (current.health.state !== 'healthy' && check.passes >= tg.healthCheck.healthyThreshold) {
          current.health = { state: 'healthy' };
          this.changed(region);
        }
        return;
      }
      check.fails++;
      check.passes = 0;
      const changed =
        current.health.state !== 'unhealthy' || current.health.reason !== outcome.failure.reason;
      if (check.fails >= tg.healthCheck.unhealthyThreshold && changed) {
        current.health = outcome.failure;
        this.changed(region);
      }
    });
  }

  /** Waits out a draining target (its in-flight requests, at most its delay), then removes it. */
  private drainTarget(region: string, tg: TargetGroupRecord, key: string): Promise<void> {
    const id = `${tg.arn}|${key}`;
    const pending = this.draining.get(id);
    if (pending) return pending;
    const target = tg.targets[key];
    const delayMs = Math.max(0, (target?.drainUntilMs ?? 0) - Date.now());
    const pool = this.pool(tg.arn);
    const done = (pool.has(key) ? pool.deregister(key, delayMs) : Promise.resolve()).then(() => {
      this.draining.delete(id);
      this.checks.delete(id);
      const current = this.state(region).targetGroups[tg.arn];
      if (current?.targets[key]?.drainUntilMs !== undefined) {
        delete current.targets[key];
        this.changed(region);
      }
    });
    this.draining.set(id, done);
    return done;
  }

  private changed(region: string): void {
    this.store.markDirty(elbv2.signingName, region);
    this.onChange();
  }
}
