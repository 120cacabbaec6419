/**
 * Control-plane latency through the real AWS SDK against an in-process local cloud on a free port
 * (state persisted to a temporary data directory, as `npm run up` runs it): DescribeServices of a
 * cluster with one service and its tasks, and PutLogEvents in batches of 10 JSON log lines.
 * Each operation runs N calls one at a time, then N calls 8 at a time, after a warm-up; printed are
 * the client-side p50/p99 and calls/s, and the gateway's own handling time (its onCall hook: body
 * read to reply sent), which separates the server from the SDK's signing and parsing.
 * Client and server share one process, so `cpu ms/call` (the process's CPU time over the calls) is
 * their cost together; on a busy machine it says more than wall-clock figures do. Two kinds of
 * rows give the scale: a bare node:http round trip (what this machine, loaded as it is now, charges
 * before any AWS work) and the SDK alone (the same calls answered by a canned copy of the cloud's
 * reply, no I/O). Writes are durable before they are answered (journal + fsync), so the data
 * disk's own fsync latency, measured first, is the floor of a write's latency; `recs/fsync` shows how
 * many journal records each fsync carried (1 when sequential; many under concurrency: group commit).
 * Target: p50 ≤ 2 ms.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord } from '../src/cloud/gateway.ts';
import { startCloud } from '../src/cloud/server.ts';
import { JournalFile } from '../src/cloud/state/journal.ts';
import { percentile, row, runCalls } from './stats.ts';

const CALLS = 2_000;
const WARMUP_CALLS = 200;
const CONCURRENCY = 8;
/** Many writers at once: how far group commit stretches one fsync. */
const MANY_WRITERS = 32;
const FSYNC_SAMPLES = 300;
const TASKS = 3;
const EVENTS_PER_BATCH = 10;
const TARGET_P50_MS = 2;
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

interface Phase {
  label: string;
  concurrency: number;
  call: () => Promise<unknown>;
  operation: string;
}

export default async function controlPlane(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'devkit-bench-control-plane-'));
  // The gateway reports every call; only the phase being measured keeps its figures.
  let serverMs: number[] | undefined;
  let measuredOperation = '';
  const cloud = await startCloud({
    port: 0,
    dataDir,
    onCall: (call: CallRecord) => {
      if (call.status >= 400) throw new Error(`${call.operation} failed: ${call.error}`);
      if (serverMs && call.operation === measuredOperation) serverMs.push(call.durationMs);
    },
  });
  const config = {
    endpoint: cloud.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const ecs = new ECSClient(config);
  const logs = new CloudWatchLogsClient(config);
  try {
    await setUpService(ecs, new EC2Client(config));
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/bench' }));
    await logs.send(
      new CreateLogStreamCommand({ logGroupName: '/ecs/bench', logStreamName: 'api/api/bench' }),
    );

    const describe = () => ecs.send(new DescribeServicesCommand(describeInput));
    const putBatch = () => logs.send(new PutLogEventsCommand(putInput()));
    const phases: Phase[] = [
      { label: 'DescribeServices', operation: 'DescribeServices', concurrency: 1, call: describe },
      { label: 'DescribeServices', operation: 'DescribeServices', concurrency: CONCURRENCY, call: describe },
      {
        label: `PutLogEvents ×${EVENTS_PER_BATCH}`,
        operation: 'PutLogEvents',
        concurrency: 1,
        call: putBatch,
      },
      {
        label: `PutLogEvents ×${EVENTS_PER_BATCH}`,
        operation: 'PutLogEvents',
        concurrency: CONCURRENCY,
        call: putBatch,
      },
      {
        label: `PutLogEvents ×${EVENTS_PER_BATCH}`,
        operation: 'PutLogEvents',
        concurrency: MANY_WRITERS,
        call: putBatch,
      },
    ];
    const fsync = await fsyncLatency(dataDir);
    console.log(
      `durable 1 KB journal append alone on the data disk (${FSYNC_SAMPLES}×, 1 ms apart): p50 ${fsync.p50.toFixed(2)} ms, p99 ${fsync.p99.toFixed(2)} ms`,
    );
    console.log(
      `${CALLS} calls per row after ${WARMUP_CALLS} warm-up calls; AWS SDK v3 over keep-alive HTTP to ${cloud.url}`,
    );
    console.log(
      row([
        'operation',
        'conc',
        'p50 ms',
        'p99 ms',
        'calls/s',
        'server p50',
        'server p99',
        'cpu ms/call',
        'recs/fsync',
      ]),
    );
    const measure = async (concurrency: number, call: () => Promise<unknown>, afterWarmUp = () => {}) => {
      await runCalls(call, WARMUP_CALLS, concurrency);
      afterWarmUp();
      const journal = { ...cloud.store.journalStats };
      const { latencies, seconds, cpuMsPerCall } = await runCalls(call, CALLS, concurrency);
      const fsyncs = cloud.store.journalStats.fsyncs - journal.fsyncs;
      return {
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        perSecond: CALLS / seconds,
        cpuMsPerCall,
        recordsPerFsync:
          fsyncs === 0 ? undefined : (cloud.store.journalStats.records - journal.records) / fsyncs,
      };
    };
    const print = (
      label: string,
      concurrency: number,
      m: { p50: number; p99: number; perSecond: number; cpuMsPerCall: number; recordsPerFsync?: number },
      server?: number[],
    ) =>
      console.log(
        row([
          label,
          String(concurrency),
          m.p50.toFixed(2),
          m.p99.toFixed(2),
          String(Math.round(m.perSecond)),
          server ? percentile(server, 0.5).toFixed(2) : '',
          server ? percentile(server, 0.99).toFixed(2) : '',
          m.cpuMsPerCall.toFixed(2),
          m.recordsPerFsync === undefined ? '' : m.recordsPerFsync.toFixed(1),
        ]),
      );

    const bare = await bareHttpServer();
    try {
      print('bare node:http', 1, await measure(1, bare.call));
    } finally {
      await bare.close();
    }
    // The SDK's own share: the same calls answered by a canned reply (the cloud's real one), no I/O.
    const cannedEcs = new ECSClient({
      ...config,
      requestHandler: cannedReply(await rawReply(cloud.url, 'ecs', describeInput)),
    });
    const cannedLogs = new CloudWatchLogsClient({
      ...config,
      requestHandler: cannedReply(await rawReply(cloud.url, 'logs', putInput())),
    });
    try {
      print(
        'SDK alone: Describe',
        1,
        await measure(1, () => cannedEcs.send(new DescribeServicesCommand(describeInput))),
      );
      print(
        'SDK alone: Put ×10',
        1,
        await measure(1, () => cannedLogs.send(new PutLogEventsCommand(putInput()))),
      );
    } finally {
      cannedEcs.destroy();
      cannedLogs.destroy();
    }

    const sequentialP50: number[] = [];
    const sequentialServerP50: number[] = [];
    for (const phase of phases) {
      measuredOperation = phase.operation;
      const measured = await measure(phase.concurrency, phase.call, () => (serverMs = []));
      const server = serverMs ?? [];
      serverMs = undefined;
      if (phase.concurrency === 1) {
        sequentialP50.push(measured.p50);
        sequentialServerP50.push(percentile(server, 0.5));
      }
      print(phase.label, phase.concurrency, measured, server);
    }
    const fsyncAfter = await fsyncLatency(dataDir);
    const worst = Math.max(...sequentialP50);
    const worstServer = Math.max(...sequentialServerP50);
    console.log(
      `  target p50 ≤ ${TARGET_P50_MS} ms (sequential): through the SDK worst ${worst.toFixed(2)} ms ${worst <= TARGET_P50_MS ? 'OK' : 'OVER TARGET'}; in the gateway worst ${worstServer.toFixed(2)} ms (a durable append alone: p50 ${fsync.p50.toFixed(2)} ms before the table, ${fsyncAfter.p50.toFixed(2)} ms after: the disk is shared)`,
    );
  } finally {
    ecs.destroy();
    logs.destroy();
    await cloud.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const describeInput = { cluster: 'bench', services: ['api'] };

let sequence = 0;
/** A batch of JSON access-log lines, as the API's pino logger writes them. */
function putInput() {
  const now = Date.now();
  return {
    logGroupName: '/ecs/bench',
    logStreamName: 'api/api/bench',
    logEvents: Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
      timestamp: now,
      message: JSON.stringify({
        level: 30,
        time: now,
        reqId: `req-${sequence++}`,
        msg: 'request completed',
        res: { statusCode: 200 },
        responseTime: 12.5 + i,
      }),
    })),
  };
}

/** The cloud's reply body to one call, fetched without the SDK. */
async function rawReply(url: string, service: 'ecs' | 'logs', input: object): Promise<Uint8Array> {
  const target =
    service === 'ecs' ? 'AmazonEC2ContainerServiceV20141113.DescribeServices' : 'Logs_20140328.PutLogEvents';
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(input),
  });
  if (!response.ok) throw new Error(`${target}: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** An SDK request handler that answers every request with `body` at once. */
function cannedReply(body: Uint8Array) {
  return {
    handle: () =>
      Promise.resolve({
        response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body },
      }),
  };
}

/** A Fargate service with its tasks recorded (the control plane alone: no containers run). */
async function setUpService(ecs: ECSClient, ec2: EC2Client): Promise<void> {
  // ECS checks that the subnet exists in the region's EC2: the default VPC's first one.
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
  const subnet = Subnets?.[0]?.SubnetId;
  if (!subnet) throw new Error('the default VPC has no subnet');
  await ecs.send(new CreateClusterCommand({ clusterName: 'bench' }));
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'bench',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      containerDefinitions: [
        {
          name: 'api',
          image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/bench:v1`,
          essential: true,
          portMappings: [{ containerPort: 8080 }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/bench',
              'awslogs-region': REGION,
              'awslogs-stream-prefix': 'api',
            },
          },
        },
      ],
    }),
  );
  const { service } = await ecs.send(
    new CreateServiceCommand({
      cluster: 'bench',
      serviceName: 'api',
      taskDefinition: 'bench',
      desiredCount: TASKS,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    }),
  );
  if (service?.pendingCount !== TASKS)
    throw new Error(`expected ${TASKS} tasks, got ${service?.pendingCount}`);
}

/** A server that reads a small JSON POST and answers a small JSON body, and a keep-alive caller for it. */
async function bareHttpServer(): Promise<{ call: () => Promise<void>; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"services":[]}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true });
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"cluster":"bench","services":["api"]}');
    });
  return {
    call,
    close: async () => {
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What one durable append of a 1 KB record costs on the disk under `dir`: the journal's own write path. */
async function fsyncLatency(dir: string): Promise<{ p50: number; p99: number }> {
  const path = join(dir, 'fsync-probe.log');
  const journal = await JournalFile.create(path, { records: 0, fsyncs: 0 });
  const record = JSON.stringify({ probe: 'x'.repeat(1000) });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < FSYNC_SAMPLES; i++) {
      // Spaced as sequential calls are: a lone sync write costs more on a shared virtual disk than one of a burst.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const t0 = performance.now();
      await journal.append(record);
      latencies.push(performance.now() - t0);
    }
  } finally {
    await journal.close();
    await rm(path, { force: true });
  }
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** Nearest-rank percentile. */
