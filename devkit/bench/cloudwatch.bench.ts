/**
 * CloudWatch metrics through the real SDK (awsJson1_0) against an in-process local cloud with a
 * persisted state (every PutMetricData journaled and fsynced before its reply, as `npm run up`
 * runs it): PutMetricData of 10 datums (one metric each, two dimensions: a service's per-task
 * figures), sequential and 8 at a time, and GetMetricData of an hour of one-minute data for 3
 * metrics. Printed: client p50/p99, the gateway's own p50 (body read to reply sent), and the
 * process's CPU per call (client and server share it). Compare with control-plane's rows: same
 * SDK, same store. Target: p50 ≤ 2 ms sequential.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord } from '../src/cloud/gateway.ts';
import { startCloud } from '../src/cloud/server.ts';
import { fmt, percentile, row, runCalls } from './stats.ts';

const CALLS = 1_000;
const WARMUP_CALLS = 100;
const CONCURRENCY = 8;
const DATUMS = 10;
const TARGET_P50_MS = 2;

export default async function cloudwatchBench(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'devkit-bench-cloudwatch-'));
  let serverMs: number[] | undefined;
  const cloud = await startCloud({
    port: 0,
    dataDir,
    onCall: (call: CallRecord) => {
      if (call.status >= 400) throw new Error(`${call.operation} failed: ${call.error}`);
      serverMs?.push(call.durationMs);
    },
  });
  const cw = new CloudWatchClient({
    endpoint: cloud.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    let sequence = 0;
    const put = () =>
      cw.send(
        new PutMetricDataCommand({
          Namespace: 'Bench',
          MetricData: Array.from({ length: DATUMS }, (_, i) => ({
            MetricName: `Metric${i}`,
            Dimensions: [
              { Name: 'ClusterName', Value: 'bench' },
              { Name: 'ServiceName', Value: 'api' },
            ],
            Timestamp: new Date(Date.now() - (sequence++ % 3600) * 1000),
            Value: sequence % 100,
            Unit: 'Percent',
          })),
        }),
      );
    const queries: MetricDataQuery[] = [0, 1, 2].map((i) => ({
      Id: `m${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'Bench',
          MetricName: `Metric${i}`,
          Dimensions: [
            { Name: 'ClusterName', Value: 'bench' },
            { Name: 'ServiceName', Value: 'api' },
          ],
        },
        Period: 60,
        Stat: 'Average',
      },
    }));
    const get = () =>
      cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(Date.now() - 3600_000),
          EndTime: new Date(),
        }),
      );
    console.log(
      `${CALLS} calls per row after ${WARMUP_CALLS} warm-up calls; ${availableParallelism()} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log(row(['operation', 'conc', 'p50 ms', 'p99 ms', 'calls/s', 'server p50', 'cpu ms/call']));
    const phases: Array<[string, number, () => Promise<unknown>]> = [
      [`PutMetricData ×${DATUMS}`, 1, put],
      [`PutMetricData ×${DATUMS}`, CONCURRENCY, put],
      ['GetMetricData 3×1h', 1, get],
      ['GetMetricData 3×1h', CONCURRENCY, get],
    ];
    const sequential: number[] = [];
    for (const [label, concurrency, call] of phases) {
      await runCalls(call, WARMUP_CALLS, concurrency);
      serverMs = [];
      const { latencies, seconds, cpuMsPerCall } = await runCalls(call, CALLS, concurrency);
      const server = serverMs;
      serverMs = undefined;
      const p50 = percentile(latencies, 0.5);
      if (concurrency === 1) sequential.push(p50);
      console.log(
        row([
          label,
          String(concurrency),
          fmt(p50, 2),
          fmt(percentile(latencies, 0.99), 2),
          String(Math.round(CALLS / seconds)),
          fmt(percentile(server, 0.5), 2),
          fmt(cpuMsPerCall, 2),
        ]),
      );
    }
    const worst = Math.max(...sequential);
    console.log(
      `  target p50 ≤ ${TARGET_P50_MS} ms (sequential): worst ${fmt(worst, 2)} ms ${worst <= TARGET_P50_MS ? 'OK' : 'OVER TARGET'}; load average now ${loadavg()[0]!.toFixed(1)}`,
    );
  } finally {
    cw.destroy();
    await cloud.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
