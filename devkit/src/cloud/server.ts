import Docker from 'dockerode';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { decisionsRoute } from './access/decisions-route.ts';
import { AccessControl } from './access/enforcement.ts';
import { localIssuerRoute } from './access/local-issuer.ts';
import { answerClientErrors } from './client-errors.ts';
import { consoleRoute } from './console/route.ts';
import { CONSOLE_PATH } from './console/page.ts';
import type { CallRecord, Route } from './gateway.ts';
import { ACCOUNT_ID, Gateway } from './gateway.ts';
import { ContainerInsights } from './metrics/container-insights.ts';
import { publishLogMetrics } from './metrics/log-metrics.ts';
import { BlobStore, type BlobStoreOptions } from './registry/blob-store.ts';
import { registryRoute } from './registry/route.ts';
import { MAX_API_BODY_BYTES } from './request-body.ts';
import { TaskRuntime } from './runtime/task-runtime.ts';
import { taskEndpointsHandler } from './runtime/task-endpoints-route.ts';
import { resolveTimings, type Timings } from './scheduler/facts.ts';
import { isReadOnlyOperation } from './service-definition.ts';
import { type CloudWatchState, evaluateAlarms } from './services/cloudwatch/index.ts';
import { ecrRegistryCatalog } from './services/ecr/index.ts';
import { allServices } from './services/index.ts';
import { StateStore } from './state/store.ts';

export { CONSOLE_PATH };

export const CLOUD_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface CloudOptions {
  /** 4566 by default, as LocalStack; 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where state persists; without it, state lives in memory only. */
  dataDir?: string;
  onCall?: (call: CallRecord) => void;
  /**
   * Runs ECS tasks as real containers (Docker), with these timings (a profile, `local` by default,
   * and single timings overridden: facts.ts); without it, the control plane only records.
   */
  runtime?: {
    docker?: Docker;
    timings?: Partial<Timings>;
    /** A local Node image to serve tasks' credentials and metadata endpoints from, when first needed (task-endpoints.ts). */
    taskEndpointsImage?: () => Promise<string>;
  };
  /** The registry's upload sessions: how long one may sit idle before it is purged. */
  registry?: BlobStoreOptions;
  /** How often CloudWatch alarms are evaluated, in seconds (AWS: 60; locally 10 by default). */
  alarmEvaluationSeconds?: number;
  /**
   * IAM enforcement (issue 19, `--enforce-iam`): off by default, as the design says. On, role
   * sessions' calls are evaluated against IAM policies and refused as AWS refuses them, and the
   * task runtime acts as each task's execution role (pulls, secrets, logs) as Fargate does. Off,
   * decisions on sessions' calls are still recorded (why-denied, least privilege).
   */
  enforceIam?: boolean;
}

const LOCAL_ALARM_EVALUATION_SECONDS = 10;

export interface Cloud {
  url: string;
  /** The console's page (`<url>/_devkit/`). */
  consoleUrl: string;
  port: number;
  store: StateStore;
  /** The task runtime, when enabled. */
  runtime: TaskRuntime | undefined;
  /** IAM's decisions on role sessions' calls: why one was denied, what a role used. */
  access: AccessControl;
  /**
   * Stops the cloud. Task containers keep running (the next start re-adopts them) unless
   * `cleanup` asks to remove every container, network and pulled image the cloud created.
   */
  close(options?: { cleanup?: boolean }): Promise<void>;
}

/** Starts the local cloud: one HTTP endpoint on 127.0.0.1 for every emulated AWS service. */
export async function startCloud(options: CloudOptions = {}): Promise<Cloud> {
  const host = options.host ?? '127.0.0.1';
  const store = await StateStore.open(options.dataDir, {
    journals: Object.fromEntries(allServices.flatMap((s) => (s.journal ? [[s.signingName, s.journal]] : []))),
  });
  const blobs = await BlobStore.open(options.dataDir, options.registry);
  const started = Date.now();
  const alarmEvaluationSeconds = options.alarmEvaluationSeconds ?? LOCAL_ALARM_EVALUATION_SECONDS;
  const access = new AccessControl({ enforce: options.enforceIam ?? false, store, accountId: ACCOUNT_ID });
  let runtime: TaskRuntime | undefined;
  let metrics: ContainerInsights | undefined;
  let endpointsServer: Server | undefined;
  const healthRoute: Route = (req, res) => {
    if (req.method !== 'GET' || req.url !== '/_devkit/health') return false;
    const body = JSON.stringify({
      status: 'running',
      version: CLOUD_VERSION,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      services: Object.fromEntries(gateway.services.map((s) => [s.signingName, 'running'])),
      runtime: runtime?.health() ?? { enabled: false },
      alarmEvaluationSeconds,
      iam: { enforced: access.enforced },
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return true;
  };
  const gateway: Gateway = new Gateway({
    services: allServices,
    store,
    blobs,
    access,
    publishMetrics: (region, data) => publishLogMetrics(store, region, data),
    routes: [
      healthRoute,
      decisionsRoute(access),
      consoleRoute(store),
      localIssuerRoute(store),
      registryRoute({ catalog: ecrRegistryCatalog(store, { access, accountId: ACCOUNT_ID }), blobs }),
    ],
    onCall: (call) => {
      // A change may give the runtime something to do: it looks at once rather than at its next tick.
      if (call.status < 400 && !isReadOnlyOperation(call.operation)) runtime?.poke();
      options.onCall?.(call);
    },
  });
  const server = createServer((req, res) => void gateway.handle(req, res));
  answerClientErrors(server);
  // `Expect: 100-continue`: an oversized body is refused before the client sends it.
  server.on('checkContinue', (req, res) => {
    if (!(Number(req.headers['content-length']) > MAX_API_BODY_BYTES)) res.writeContinue();
    void gateway.handle(req, res);
  });
  // The SDK keeps connections alive between calls; match AWS's generous idle window.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4566, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const alarms = setInterval(() => {
    for (const [region, state] of store.regions<CloudWatchState>('monitoring')) {
      const changed = evaluateAlarms(state, Date.now());
      if (changed.length > 0) store.markDirty('monitoring', region, { alarms: changed });
    }
  }, alarmEvaluationSeconds * 1000);
  if (options.runtime) {
    const timings = resolveTimings(options.runtime.timings);
    const docker = options.runtime.docker ?? new Docker();
    runtime = new TaskRuntime({
      store,
      docker,
      timings,
      registryPort: port,
      access,
      ...(options.runtime.taskEndpointsImage
        ? { taskEndpointsImage: options.runtime.taskEndpointsImage }
        : {}),
    });
    await runtime.start();
    if (runtime.endpoints) {
      endpointsServer = createServer(
        taskEndpointsHandler(runtime, (req, res) => void gateway.handle(req, res)),
      );
      const socketPath = runtime.endpoints.socketPath;
      await new Promise<void>((resolve, reject) => {
        endpointsServer!.once('error', reject);
        endpointsServer!.listen(socketPath, () => resolve());
      });
    }
    const running = runtime;
    metrics = new ContainerInsights({ store, docker, timings, tasks: () => running.runningTasks() });
    metrics.start();
  }
  return {
    url: `http://${host}:${port}`,
    consoleUrl: `http://${host}:${port}${CONSOLE_PATH}`,
    port,
    store,
    runtime,
    access,
    async close(closeOptions = {}) {
      clearInterval(alarms);
      await metrics?.close();
      for (const listening of [server, endpointsServer]) {
        await new Promise<void>((resolve) => {
          if (!listening) return resolve();
          listening.close(() => resolve());
          listening.closeAllConnections();
        });
      }
      try {
        await runtime?.close(closeOptions);
      } finally {
        // State is saved even when the engine could not be cleaned up.
        await store.flush();
        await blobs.close();
      }
    },
  };
}
