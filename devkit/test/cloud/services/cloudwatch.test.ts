/**
 * CloudWatch metrics and alarms through both protocols clients send: the real AWS CLI v2.9
 * (awsQuery) and the real SDK (awsJson1_0, gzip for big PutMetricData), with a restart between.
 */
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
  MissingRequiredParameterException,
} from '@aws-sdk/client-cloudwatch';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudWatchState } from '../../../src/cloud/services/cloudwatch/index.ts';
import { cloudWatchJournal } from '../../../src/cloud/services/cloudwatch/journal.ts';
import { StateStore } from '../../../src/cloud/state/store.ts';
import { awsCliAvailable, REGION, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let cw: CloudWatchClient;

beforeAll(async () => {
  // Alarms evaluated every half second, so their transitions show within a test.
  t = await startTestCloud({ alarmEvaluationSeconds: 0.5 });
  cw = new CloudWatchClient(t.clientConfig);
});

afterAll(async () => {
  cw.destroy();
  await t.dispose();
});

const MINUTE = 60_000;
/** A whole minute a few minutes back, so every datapoint below falls in known one-minute buckets. */
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

/** Rejects with the error the SDK raised, for its name and message. */
async function sdkError(promise: Promise<unknown>): Promise<Error & { name: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { name: string };
  }
  throw new Error('expected the call to fail');
}

async function cliError(args: string[]): Promise<string> {
  try {
    await t.aws(args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr);
  }
  throw new Error('expected the command to fail');
}

// Each AWS CLI call starts a Python process: the calls that do not depend on each other run at once.
describe.skipIf(!awsCliAvailable).concurrent('CloudWatch through the AWS CLI (awsQuery)', () => {
  it('put-metric-data, then get-metric-statistics, get-metric-data and list-metrics read it back', async () => {
    const dims = 'Name=Service,Value=api Name=Env,Value=dev';
    const single = ([offset, value]: readonly [number, number]) =>
      t.aws([
        'cloudwatch',
        'put-metric-data',
        '--namespace',
        'App',
        '--metric-data',
        `MetricName=Latency,Unit=Milliseconds,Value=${value},Timestamp=${iso(base + offset)},Dimensions=[{Name=Service,Value=api},{Name=Env,Value=dev}]`,
      ]);
    await Promise.all([
      ...(
        [
          [0, 10],
          [10_000, 30],
          [MINUTE, 50],
        ] as const
      ).map(single),
      t.aws([
        'cloudwatch',
        'put-metric-data',
        '--namespace',
        'App',
        '--metric-data',
        `MetricName=Latency,Unit=Milliseconds,Timestamp=${iso(base + 2 * MINUTE)},Values=1,2,3,100,Counts=1,1,1,1,Dimensions=[{Name=Env,Value=dev},{Name=Service,Value=api}]`,
      ]),
      t.aws([
        'cloudwatch',
        'put-metric-data',
        '--namespace',
        'Other',
        '--metric-name',
        'Count',
        '--value',
        '1',
      ]),
    ]);
    const [
      { json: stats },
      { json: pct },
      { json: data },
      { json: listed },
      { json: recent },
      { json: byName },
    ] = await Promise.all([
      t.aws([
        'cloudwatch',
        'get-metric-statistics',
        '--namespace',
        'App',
        '--metric-name',
        'Latency',
        '--dimensions',
        ...dims.split(' '),
        '--start-time',
        iso(base),
        '--end-time',
        iso(base + 3 * MINUTE),
        '--period',
        '60',
        '--statistics',
        'Average',
        'Sum',
        'SampleCount',
        'Minimum',
        'Maximum',
      ]),
      t.aws([
        'cloudwatch',
        'get-metric-statistics',
        '--namespace',
        'App',
        '--metric-name',
        'Latency',
        '--dimensions',
        ...dims.split(' '),
        '--start-time',
        iso(base + 2 * MINUTE),
        '--end-time',
        iso(base + 3 * MINUTE),
        '--period',
        '60',
        '--extended-statistics',
        'p50',
        'p99',
      ]),
      t.aws([
        'cloudwatch',
        'get-metric-data',
        '--start-time',
        iso(base),
        '--end-time',
        iso(base + 3 * MINUTE),
        '--scan-by',
        'TimestampAscending',
        '--metric-data-queries',
        JSON.stringify([
          {
            Id: 'm1',
            MetricStat: {
              Metric: {
                Namespace: 'App',
                MetricName: 'Latency',
                Dimensions: [
                  { Name: 'Service', Value: 'api' },
                  { Name: 'Env', Value: 'dev' },
                ],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
          { Id: 'e1', Expression: 'm1 * 2', Label: 'Double' },
        ]),
      ]),
      t.aws(['cloudwatch', 'list-metrics', '--namespace', 'App', '--dimensions', 'Name=Service,Value=api']),
      t.aws(['cloudwatch', 'list-metrics', '--recently-active', 'PT3H']),
      t.aws(['cloudwatch', 'list-metrics', '--dimensions', 'Name=Env']),
    ]);
    const points = (stats as { Label: string; Datapoints: Array<Record<string, unknown>> }).Datapoints.sort(
      (a, b) => Date.parse(String(a.Timestamp)) - Date.parse(String(b.Timestamp)),
    );
    expect((stats as { Label: string }).Label).toBe('Latency');
    expect(points).toHaveLength(3);
    expect(points[0]).toMatchObject({
      Average: 20,
      Sum: 40,
      SampleCount: 2,
      Minimum: 10,
      Maximum: 30,
      Unit: 'Milliseconds',
    });
    expect(Date.parse(String(points[0]!.Timestamp))).toBe(base);
    expect(points[1]).toMatchObject({ Average: 50, SampleCount: 1 });
    expect(points[2]).toMatchObject({ Sum: 106, SampleCount: 4, Maximum: 100 });

    expect(
      (pct as { Datapoints: Array<{ ExtendedStatistics: unknown }> }).Datapoints[0]!.ExtendedStatistics,
    ).toEqual({
      p50: 2,
      p99: 100,
    });

    const results = (
      data as {
        MetricDataResults: Array<{
          Id: string;
          Label: string;
          Values: number[];
          Timestamps: string[];
          StatusCode: string;
        }>;
      }
    ).MetricDataResults;
    expect(results.map((r) => [r.Id, r.Label, r.Values, r.StatusCode])).toEqual([
      ['m1', 'Latency', [30, 50, 100], 'Complete'],
      ['e1', 'Double', [60, 100, 200], 'Complete'],
    ]);
    expect(results[0]!.Timestamps.map((s) => Date.parse(s))).toEqual([
      base,
      base + MINUTE,
      base + 2 * MINUTE,
    ]);

    expect((listed as { Metrics: unknown[] }).Metrics).toEqual([
      {
        Namespace: 'App',
        MetricName: 'Latency',
        Dimensions: [
          { Name: 'Env', Value: 'dev' },
          { Name: 'Service', Value: 'api' },
        ],
      },
    ]);
    expect(
      (recent as { Metrics: Array<{ Namespace: string }> }).Metrics.map((m) => m.Namespace).sort(),
    ).toEqual(['App', 'Other']);
    expect((byName as { Metrics: unknown[] }).Metrics).toHaveLength(1);
  }, 480_000);

  it("refuses what AWS refuses, with AWS's error codes", async () => {
    // The refusals do not depend on each other: all at once.
    const [reservedNamespace, valueAndStatistics, unknownUnit, tooManyPoints, noStatistic, noAlarm] =
      await Promise.all([
        cliError([
          'cloudwatch',
          'put-metric-data',
          '--namespace',
          'AWS/ECS',
          '--metric-name',
          'X',
          '--value',
          '1',
        ]),
        cliError([
          'cloudwatch',
          'put-metric-data',
          '--namespace',
          'App',
          '--metric-data',
          'MetricName=X,Value=1,StatisticValues={SampleCount=1,Sum=1,Minimum=1,Maximum=1}',
        ]),
        cliError([
          'cloudwatch',
          'put-metric-data',
          '--namespace',
          'App',
          '--metric-name',
          'X',
          '--value',
          '1',
          '--unit',
          'Parsecs',
        ]),
        cliError([
          'cloudwatch',
          'get-metric-statistics',
          '--namespace',
          'App',
          '--metric-name',
          'Latency',
          '--start-time',
          iso(base - 2 * 24 * 60 * MINUTE),
          '--end-time',
          iso(base),
          '--period',
          '60',
          '--statistics',
          'Sum',
        ]),
        cliError([
          'cloudwatch',
          'get-metric-statistics',
          '--namespace',
          'App',
          '--metric-name',
          'Latency',
          '--start-time',
          iso(base),
          '--end-time',
          iso(base + MINUTE),
          '--period',
          '60',
        ]),
        cliError(['cloudwatch', 'delete-alarms', '--alarm-names', 'nope']),
      ]);
    expect(reservedNamespace).toContain('(InvalidParameterValue)');
    expect(valueAndStatistics).toContain('(InvalidParameterCombination)');
    expect(unknownUnit).toMatch(
      /\(ValidationError\).*Value 'Parsecs' at 'metricData.1.member.unit' failed to satisfy constraint: Member must satisfy enum value set/,
    );
    expect(tooManyPoints).toMatch(
      /\(InvalidParameterCombination\).*requested up to 2,880 datapoints, which exceeds the limit of 1,440/,
    );
    expect(noStatistic).toContain('(InvalidParameterCombination)');
    expect(noAlarm).toContain('(ResourceNotFound)');
  }, 480_000);
});

describe('CloudWatch through the SDK (awsJson1_0)', () => {
  it('round-trips a big (gzipped) PutMetricData and pages GetMetricData', async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    // 600 datums of one-second data: over the SDK's 10 KB threshold, so the body is gzipped.
    const data = Array.from({ length: 600 }, (_, i) => ({
      MetricName: 'Requests',
      Dimensions: [{ Name: '__proto__', Value: 'constructor' }],
      Timestamp: new Date(now - (600 - i) * 1000),
      Value: i,
      Unit: 'Count' as const,
      StorageResolution: 1,
    }));
    await cw.send(new PutMetricDataCommand({ Namespace: 'Sdk', MetricData: data }));
    const query = {
      Id: 'r',
      MetricStat: {
        Metric: {
          Namespace: 'Sdk',
          MetricName: 'Requests',
          Dimensions: [{ Name: '__proto__', Value: 'constructor' }],
        },
        Period: 1,
        Stat: 'Sum',
      },
    };
    const values: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: [query],
          StartTime: new Date(now - 700_000),
          EndTime: new Date(now + 1000),
          ScanBy: 'TimestampAscending',
          MaxDatapoints: 250,
          NextToken: token,
        }),
      );
      values.push(...page.MetricDataResults![0]!.Values!);
      token = page.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(values).toEqual(data.map((d) => d.Value));

    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Sdk',
        MetricName: 'Requests',
        Dimensions: [{ Name: '__proto__', Value: 'constructor' }],
        StartTime: new Date(now - 700_000),
        EndTime: new Date(now + 60_000),
        Period: 3600,
        Statistics: ['SampleCount', 'Sum'],
      }),
    );
    const total = stats.Datapoints!.reduce((a, d) => a + d.SampleCount!, 0);
    expect(total).toBe(600);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Sdk' }));
    expect(listed.Metrics).toEqual([
      { Namespace: 'Sdk', MetricName: 'Requests', Dimensions: [{ Name: '__proto__', Value: 'constructor' }] },
    ]);
  });

  it('reads a gzip body as the SDK sends one, and refuses one that does not decompress', async () => {
    const call = (body: Buffer) =>
      fetch(t.cloud.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'content-encoding': 'gzip',
          'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData',
        },
        body,
      });
    const ok = await call(
      gzipSync(JSON.stringify({ Namespace: 'Gzip', MetricData: [{ MetricName: 'g', Value: 3 }] })),
    );
    expect(ok.status).toBe(200);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Gzip' }));
    expect(listed.Metrics?.map((m) => m.MetricName)).toEqual(['g']);
    const bad = await call(Buffer.from('not gzip at all'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { __type: string }).__type).toBe('SerializationException');
  });

  it('answers errors with the SDK exception classes (query-compatible codes)', async () => {
    const tooMany = await sdkError(
      cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: Array.from({ length: 501 }, (_, i) => ({ Id: `e${i}`, Expression: 'm1' })),
          StartTime: new Date(base),
          EndTime: new Date(base + MINUTE),
        }),
      ),
    );
    expect(tooMany).toBeInstanceOf(InvalidParameterValueException);
    expect(tooMany.message).toBe('The collection MetricDataQueries must not have a size greater than 500.');
    const invalid = await sdkError(
      cw.send(new PutMetricDataCommand({ Namespace: 'AWS/X', MetricData: [{ MetricName: 'a', Value: 1 }] })),
    );
    expect(invalid).toBeInstanceOf(InvalidParameterValueException);
    const combo = await sdkError(
      cw.send(
        new PutMetricDataCommand({
          Namespace: 'A',
          MetricData: [{ MetricName: 'a', Values: [1, 2], Counts: [1] }],
        }),
      ),
    );
    expect(combo).toBeInstanceOf(InvalidParameterValueException);
    expect(combo.message).toBe(
      'The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.',
    );
    const both = await sdkError(
      cw.send(
        new GetMetricStatisticsCommand({
          Namespace: 'A',
          MetricName: 'a',
          StartTime: new Date(base),
          EndTime: new Date(base + MINUTE),
          Period: 60,
        }),
      ),
    );
    expect(both).toBeInstanceOf(InvalidParameterCombinationException);
    // AWS's current model requires only the alarm's name; the service still needs the rest.
    const noPeriods = await sdkError(
      cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'a',
          Namespace: 'A',
          MetricName: 'a',
          Statistic: 'Sum',
          Period: 60,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ),
    );
    expect(noPeriods).toBeInstanceOf(MissingRequiredParameterException);
    expect(noPeriods.message).toBe('The parameter EvaluationPeriods is required.');
    const missing = await sdkError(
      cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'x', NextToken: 'garbage' })),
    );
    expect(missing.name).toBe('InvalidNextToken');
  });

  it('evaluates an alarm on its timer: INSUFFICIENT_DATA -> ALARM -> OK, with its history', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'cpu-high',
        Namespace: 'Alarmed',
        MetricName: 'Cpu',
        // Minimum over one period: a low reading brings it back at once, without waiting for the high one to age out.
        Statistic: 'Minimum',
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 80,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const state = async () =>
      (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['cpu-high'] }))).MetricAlarms![0]!;
    const waitFor = async (value: string) => {
      for (let i = 0; i < 200; i++) {
        const alarm = await state();
        if (alarm.StateValue === value) return alarm;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`alarm never reached ${value}; it is ${(await state()).StateValue}`);
    };
    expect((await state()).StateValue).toBe('INSUFFICIENT_DATA');
    await cw.send(
      new PutMetricDataCommand({ Namespace: 'Alarmed', MetricData: [{ MetricName: 'Cpu', Value: 95 }] }),
    );
    const alarmed = await waitFor('ALARM');
    expect(alarmed.StateReason).toMatch(
      /^Threshold Crossed: 1 out of the last 1 datapoints \[95\.0 \(.*\)\] was greater than the threshold \(80\.0\)/,
    );
    await cw.send(
      new PutMetricDataCommand({ Namespace: 'Alarmed', MetricData: [{ MetricName: 'Cpu', Value: 5 }] }),
    );
    const ok = await waitFor('OK');
    expect(ok.StateReason).toMatch(/was not greater than the threshold/);
    const history = await cw.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: 'cpu-high',
        HistoryItemType: 'StateUpdate',
        ScanBy: 'TimestampAscending',
      }),
    );
    expect(history.AlarmHistoryItems!.map((h) => h.HistorySummary)).toEqual([
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
      'Alarm updated from ALARM to OK',
    ]);
    const gone = await sdkError(
      cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'bad',
          Namespace: 'A',
          MetricName: 'a',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          DatapointsToAlarm: 2,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ),
    );
    expect(gone).toBeInstanceOf(InvalidParameterValueException);
    const unknown = await sdkError(
      cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'test' })),
    );
    expect(unknown).toBeInstanceOf(ResourceNotFound);
    expect(unknown.message).toBe('Alarm nope not found');
  });

  it('has a 2xx PutMetricData on disk at once (journal), and keeps everything across a restart', async () => {
    await cw.send(
      new PutMetricDataCommand({ Namespace: 'Durable', MetricData: [{ MetricName: 'kept', Value: 7 }] }),
    );
    // What a kill -9 now would leave: a copy of the state directory, recovered by a fresh store.
    const copy = await mkdtemp(join(tmpdir(), 'devkit-cw-copy-'));
    try {
      await cp(join(t.dataDir, 'state'), join(copy, 'state'), { recursive: true });
      const recovered = await StateStore.open(copy, { journals: { monitoring: cloudWatchJournal } });
      const [, region] = recovered.regions<CloudWatchState>('monitoring').find(([r]) => r === REGION)!;
      const kept = Object.values(region.metrics).find((m) => m.namespace === 'Durable');
      expect(kept?.points.map((p) => p.sum)).toEqual([7]);
      expect(Object.keys(region.alarms)).toContain('cpu-high');
      await recovered.close();
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
    const before = await cw.send(new DescribeAlarmsCommand({}));
    cw.destroy();
    await t.stop();
    await t.restart();
    cw = new CloudWatchClient(t.clientConfig);
    const listed = await cw.send(new ListMetricsCommand({ Namespace: 'Durable' }));
    expect(listed.Metrics).toEqual([{ Namespace: 'Durable', MetricName: 'kept', Dimensions: [] }]);
    // States may move on with time (the data ages out of the window); definitions and history stay.
    const after = await cw.send(new DescribeAlarmsCommand({}));
    expect(after.MetricAlarms!.map((a) => [a.AlarmName, a.Threshold, a.Statistic])).toEqual(
      before.MetricAlarms!.map((a) => [a.AlarmName, a.Threshold, a.Statistic]),
    );
    const history = await cw.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'cpu-high', ScanBy: 'TimestampAscending' }),
    );
    expect(history.AlarmHistoryItems!.slice(0, 3).map((h) => h.HistorySummary)).toEqual([
      'Alarm "cpu-high" created',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
      'Alarm updated from ALARM to OK',
    ]);
  });
});
