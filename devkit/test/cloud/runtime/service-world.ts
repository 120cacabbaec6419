/**
 * What the service-level runtime tests share: a local cloud running tasks on the real Docker
 * engine with fast timings, the fixture image in its ECR, a cluster, services reached through
 * their load balancers, and a bounded load generator that counts every failed request.
 */
import type { Deployment, HealthCheck, Service, ServiceEvent } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import type { Timings } from '../../../src/cloud/scheduler/facts.ts';
import type { TestCloud } from '../harness.ts';
import { FAST_TIMINGS, startTestCloud } from '../harness.ts';
import {
  createFixtureService,
  fixtureCluster,
  fixtureLoadBalancer,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
  TOLERANT_HEALTH_CHECK,
  waitFor,
} from './fixture.ts';

export interface ServiceWorld {
  t: TestCloud;
  /** An ECS client of the cloud as it runs now (a restart moves it to another port). */
  readonly ecs: ECSClient;
  docker: Docker;
  image: string;
  cluster: string;
  /**
   * Registers the fixture answering `version` (more env on top) with the tolerant health check
   * unless another is given; returns the task definition ARN.
   */
  revision(version: string, env?: Record<string, string>, healthCheck?: HealthCheck): Promise<string>;
  /**
   * Creates a service of the fixture behind an Application Load Balancer whose listener is on a
   * free port (its target group checks /health); `ingress: false` leaves the tasks' security
   * group without the rule admitting port 8080 from the load balancer's group.
   */
  service(
    options: {
      name: string;
      taskDefinition: string;
      desiredCount: number;
      ingress?: boolean;
      /** The listener's port (a free one when not given). */
      listenerPort?: number;
    } & Partial<Parameters<typeof createFixtureService>[1]>,
  ): Promise<{
    service: Service;
    url: string;
    securityGroup: string;
    targetGroupArn: string;
    loadBalancerArn: string;
    loadBalancerSecurityGroup: string;
  }>;
  /** The service, on the world's cluster unless another is named. */
  describe(serviceName: string, cluster?: string): Promise<Service>;
  /** Waits until the service has one COMPLETED deployment with every task running. */
  steady(serviceName: string, timeoutMs?: number, cluster?: string): Promise<Service>;
  close(): Promise<void>;
}

/** `timings` go on top of FAST_TIMINGS. */
export async function serviceWorld(name: string, timings: Partial<Timings> = {}): Promise<ServiceWorld> {
  const docker = new Docker();
  const t = await startTestCloud({ runtime: { docker, timings: { ...FAST_TIMINGS, ...timings } } });
  const clients = new Map<string, ECSClient>();
  const client = () => {
    const { endpoint } = t.clientConfig;
    if (!clients.has(endpoint)) clients.set(endpoint, new ECSClient(t.clientConfig));
    return clients.get(endpoint)!;
  };
  const image = await pushFixture(docker, t, `${name}-fixture`);
  const cluster = await fixtureCluster(client(), name);
  const describe = async (serviceName: string, on = cluster) => {
    const { services } = await client().send(
      new DescribeServicesCommand({ cluster: on, services: [serviceName] }),
    );
    return services![0]!;
  };
  return {
    t,
    get ecs() {
      return client();
    },
    docker,
    image,
    cluster,
    revision: (version, env = {}, healthCheck = TOLERANT_HEALTH_CHECK) =>
      registerFixtureTask(client(), {
        family: `${name}-app`,
        image,
        env: { VERSION: version, ...env },
        healthCheck,
        stopTimeout: 5,
      }),
    async service({ name: serviceName, ingress = true, listenerPort, ...options }) {
      const alb = await fixtureLoadBalancer(t, serviceName, listenerPort);
      const networkConfiguration = await fixtureNetwork(
        t,
        ingress ? { ingressPort: 8080, sourceGroup: alb.securityGroup } : {},
      );
      const service = await createFixtureService(client(), {
        cluster,
        serviceName,
        networkConfiguration,
        loadBalancers: [{ targetGroupArn: alb.targetGroupArn, containerName: 'app', containerPort: 8080 }],
        // The fixture needs a moment to listen once RUNNING: on a busy machine, many checks' worth.
        healthCheckGracePeriodSeconds: 60,
        ...options,
      });
      return {
        service,
        url: `http://127.0.0.1:${alb.port}/`,
        securityGroup: networkConfiguration.awsvpcConfiguration!.securityGroups![0]!,
        targetGroupArn: alb.targetGroupArn,
        loadBalancerArn: alb.loadBalancerArn,
        loadBalancerSecurityGroup: alb.securityGroup,
      };
    },
    describe,
    async steady(serviceName, timeoutMs = 180_000, on = cluster) {
      try {
        return await waitFor(
          `${serviceName} to be steady`,
          () => describe(serviceName, on),
          (s) =>
            s.deployments?.length === 1 &&
            s.deployments[0]!.rolloutState === 'COMPLETED' &&
            s.runningCount === s.desiredCount,
          timeoutMs,
        );
      } catch (error) {
        // Why its tasks stopped is what one needs to know then.
        (error as Error).message = `${(error as Error).message}\nstopped tasks: ${(
          await stoppedReasons(client(), on, serviceName)
        ).join('; ')}`;
        throw error;
      }
    },
    async close() {
      await t.cloud.close({ cleanup: true }).catch(() => undefined);
      await t.dispose();
    },
  };
}

/** The distinct stop reasons of a service's stopped tasks (at most 100 looked at). */
async function stoppedReasons(ecs: ECSClient, cluster: string, serviceName: string): Promise<string[]> {
  const { taskArns = [] } = await ecs.send(
    new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED' }),
  );
  if (taskArns.length === 0) return [];
  const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(0, 100) }));
  return [...new Set(tasks.map((t) => `${t.stopCode}: ${t.stoppedReason}`))];
}

export interface LoadReport {
  requests: number;
  /** Every request that did not get a 200, as `status body` or the network error. */
  failures: string[];
  /** Answers by the version the fixture reported. */
  versions: Record<string, number>;
  /** Each finished request's time span (performance.now() ms), to tell what was in flight when. */
  spans: RequestSpan[];
}

export interface RequestSpan {
  start: number;
  end: number;
  /** Why it failed, when it did. */
  failure?: string;
}

/**
 * Steady GET requests from `workers` loops, a few milliseconds apart, until `stop()` (or
 * `maxRequests`, so the load is bounded whatever happens).
 */
export function steadyLoad(
  url: string,
  options: { workers?: number; pauseMs?: number; maxRequests?: number } = {},
): { stop(): Promise<LoadReport>; report: LoadReport } {
  const report: LoadReport = { requests: 0, failures: [], versions: {}, spans: [] };
  const maxRequests = options.maxRequests ?? 20_000;
  let stopped = false;
  const worker = async () => {
    while (!stopped && report.requests < maxRequests) {
      report.requests++;
      const start = performance.now();
      let failure: string | undefined;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        if (res.status !== 200) failure = `${res.status} ${text}`;
        else {
          const { version } = JSON.parse(text) as { version: string };
          report.versions[version] = (report.versions[version] ?? 0) + 1;
        }
      } catch (error) {
        failure = String((error as Error).cause ?? error);
      }
      report.spans.push({ start, end: performance.now(), ...(failure ? { failure } : {}) });
      if (failure) report.failures.push(failure);
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 25));
    }
  };
  const running = Promise.all(Array.from({ length: options.workers ?? 2 }, worker));
  return {
    report,
    async stop() {
      stopped = true;
      await running;
      return report;
    },
  };
}

/** GET through the load balancer: status and parsed body (or the error text). */
export async function get(url: string): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  } catch (error) {
    return { status: 0, body: String((error as Error).cause ?? error) };
  }
}

/** Oldest first, as a person reads them. */
export function eventMessages(service: Service): string[] {
  return (service.events ?? []).map((e: ServiceEvent) => e.message!).reverse();
}

export function primary(service: Service): Deployment {
  return service.deployments!.find((d) => d.status === 'PRIMARY')!;
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 6)}`;
