/**
 * CloudWatch Logs metric and subscription filters through the real SDK and AWS CLI: AWS's API
 * reference examples and errors, and a metric filter's values read back from CloudWatch metrics.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DeleteSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  DescribeSubscriptionFiltersCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  type PutMetricFilterCommandInput,
  PutSubscriptionFilterCommand,
  type PutSubscriptionFilterCommandInput,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let logs: CloudWatchLogsClient;
let cloudwatch: CloudWatchClient;
const NOW = Date.now();

beforeAll(async () => {
  t = await startTestCloud();
  logs = new CloudWatchLogsClient(t.clientConfig);
  cloudwatch = new CloudWatchClient(t.clientConfig);
});

afterAll(async () => {
  logs.destroy();
  cloudwatch.destroy();
  await t.dispose();
});

async function group(name: string) {
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: 's' }));
}

async function put(name: string, messages: object[]) {
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: name,
      logStreamName: 's',
      logEvents: messages.map((m, i) => ({ timestamp: NOW - 60_000 + i, message: JSON.stringify(m) })),
    }),
  );
}

async function statistics(
  namespace: string,
  name: string,
  dimensions: Array<{ Name: string; Value: string }> = [],
) {
  const { Datapoints } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: name,
      Dimensions: dimensions,
      StartTime: new Date(NOW - 3_600_000),
      EndTime: new Date(NOW + 60_000),
      Period: 3600,
      Statistics: ['Sum', 'SampleCount', 'Average', 'Maximum'],
    }),
  );
  return Datapoints ?? [];
}

const errorsFilter = (logGroupName: string): PutMetricFilterCommandInput => ({
  logGroupName,
  filterName: 'errors',
  filterPattern: '{ $.level = "error" }',
  metricTransformations: [
    { metricName: 'Errors', metricNamespace: 'IsCoolGPT', metricValue: '1', unit: 'Count' },
  ],
});

describe('metric filters', () => {
  it('publishes a count for each matching event, read back with GetMetricStatistics', async () => {
    await group('/mf/count');
    await logs.send(new PutMetricFilterCommand(errorsFilter('/mf/count')));
    await put('/mf/count', [{ level: 'error' }, { level: 'info' }, { level: 'error', msg: 'again' }]);
    const [point] = await statistics('IsCoolGPT', 'Errors');
    expect(point).toMatchObject({ Sum: 2, SampleCount: 2, Unit: 'Count' });
  });

  it('publishes a JSON field as the value, with dimensions from fields, and defaultValue for events that do not match', async () => {
    await group('/mf/latency');
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: '/mf/latency',
        filterName: 'latency',
        filterPattern: '{ $.event = "access" }',
        metricTransformations: [
          {
            metricName: 'Latency',
            metricNamespace: 'IsCoolGPT',
            metricValue: '$.durationMs',
            unit: 'Milliseconds',
            dimensions: { Path: '$.path' },
          },
        ],
      }),
    );
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: '/mf/latency',
        filterName: 'server-errors',
        filterPattern: '{ $.status >= 500 }',
        metricTransformations: [
          { metricName: 'ServerErrors', metricNamespace: 'IsCoolGPT', metricValue: '1', defaultValue: 0 },
        ],
      }),
    );
    await put('/mf/latency', [
      { event: 'access', path: '/v1/chat', durationMs: 300, status: 200 },
      { event: 'access', path: '/v1/chat', durationMs: 500, status: 502 },
      { event: 'access', path: '/health', durationMs: 2, status: 200 },
      { event: 'listening' },
    ]);
    expect(await statistics('IsCoolGPT', 'Latency', [{ Name: 'Path', Value: '/v1/chat' }])).toEqual([
      expect.objectContaining({ Average: 400, Maximum: 500, SampleCount: 2, Unit: 'Milliseconds' }),
    ]);
    expect(await statistics('IsCoolGPT', 'ServerErrors')).toEqual([
      expect.objectContaining({ Sum: 1, SampleCount: 4, Unit: 'None' }),
    ]);
    const { metricFilters } = await logs.send(
      new DescribeMetricFiltersCommand({ logGroupName: '/mf/latency' }),
    );
    expect(metricFilters!.map((f) => f.filterName)).toEqual(['latency', 'server-errors']);
    expect(metricFilters![1]).toEqual({
      filterName: 'server-errors',
      filterPattern: '{ $.status >= 500 }',
      metricTransformations: [
        { metricName: 'ServerErrors', metricNamespace: 'IsCoolGPT', metricValue: '1', defaultValue: 0 },
      ],
      creationTime: expect.any(Number),
      logGroupName: '/mf/latency',
    });
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/mf/latency' }),
    );
    expect(logGroups![0]!.metricFilterCount).toBe(2);
  });

  it('finds filters by metric, deletes them, and keeps them across a restart', async () => {
    await group('/mf/keep');
    await logs.send(new PutMetricFilterCommand({ ...errorsFilter('/mf/keep'), filterName: 'kept' }));
    await logs.send(new PutMetricFilterCommand({ ...errorsFilter('/mf/keep'), filterName: 'gone' }));
    await logs.send(new DeleteMetricFilterCommand({ logGroupName: '/mf/keep', filterName: 'gone' }));
    await t.stop();
    await t.restart();
    logs.destroy();
    logs = new CloudWatchLogsClient(t.clientConfig);
    const { metricFilters } = await logs.send(
      new DescribeMetricFiltersCommand({ metricName: 'Errors', metricNamespace: 'IsCoolGPT' }),
    );
    expect(metricFilters!.map((f) => `${f.logGroupName} ${f.filterName}`)).toEqual([
      '/mf/count errors',
      '/mf/keep kept',
    ]);
    await expect(
      logs.send(new DeleteMetricFilterCommand({ logGroupName: '/mf/keep', filterName: 'gone' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'The specified metric filter does not exist.',
    });
  });

  it.each([
    [{ logGroupName: '/no/such' }, 'ResourceNotFoundException', 'The specified log group does not exist.'],
    [
      { filterPattern: '{ $.level = ' },
      'InvalidParameterException',
      expect.stringContaining('Invalid filter pattern'),
    ],
    [
      { metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: 'abc' }] },
      'InvalidParameterException',
      expect.stringContaining("Invalid metricValue 'abc'"),
    ],
    [
      {
        metricTransformations: [
          {
            metricName: 'M',
            metricNamespace: 'N',
            metricValue: '1',
            defaultValue: 0,
            dimensions: { A: '$.a' },
          },
        ],
      },
      'InvalidParameterException',
      'A metric transformation with dimensions cannot have a default value.',
    ],
    [
      { metricTransformations: [{ metricName: 'M:x', metricNamespace: 'N', metricValue: '1' }] },
      'InvalidParameterException',
      expect.stringContaining('Member must satisfy regular expression pattern'),
    ],
  ])('refuses %j with %s', async (change, name, message) => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/mf/errors' })).catch(() => undefined);
    const error = (await logs
      .send(
        new PutMetricFilterCommand({
          ...errorsFilter('/mf/errors'),
          ...change,
        } as PutMetricFilterCommandInput),
      )
      .catch((e: unknown) => e)) as Error;
    expect({ name: error.name, message: error.message }).toEqual({ name, message });
  });

  it('tests a pattern against messages as the API reference shows (TestMetricFilter)', async () => {
    const { matches } = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: '{ $.eventType = "UpdateTrail" }',
        logEventMessages: [
          '{"eventType":"UpdateTrail"}',
          '{"eventType":"CreateTrail"}',
          '{"eventType":"UpdateTrail","x":1}',
        ],
      }),
    );
    expect(matches).toEqual([
      { eventNumber: 1, eventMessage: '{"eventType":"UpdateTrail"}', extractedValues: {} },
      { eventNumber: 3, eventMessage: '{"eventType":"UpdateTrail","x":1}', extractedValues: {} },
    ]);
  });
});

describe('subscription filters', () => {
  const subscription = (filterName: string, extra: Partial<PutSubscriptionFilterCommandInput> = {}) =>
    new PutSubscriptionFilterCommand({
      logGroupName: '/sf',
      filterName,
      filterPattern: 'ERROR',
      destinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:ship-logs',
      ...extra,
    });

  it('stores at most two per log group, with AWS validation, and describes and deletes them', async () => {
    await group('/sf');
    await logs.send(subscription('to-lambda'));
    await logs.send(
      subscription('to-kinesis', {
        destinationArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/logs',
        roleArn: 'arn:aws:iam::000000000000:role/CWLtoKinesisRole',
        distribution: 'Random',
      }),
    );
    await logs.send(subscription('to-lambda', { filterPattern: 'WARN' }));
    await expect(logs.send(subscription('third'))).rejects.toMatchObject({
      name: 'LimitExceededException',
      message: 'Resource limit exceeded.',
    });
    const { subscriptionFilters } = await logs.send(
      new DescribeSubscriptionFiltersCommand({ logGroupName: '/sf' }),
    );
    expect(subscriptionFilters).toEqual([
      {
        filterName: 'to-kinesis',
        filterPattern: 'ERROR',
        destinationArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/logs',
        roleArn: 'arn:aws:iam::000000000000:role/CWLtoKinesisRole',
        distribution: 'Random',
        creationTime: expect.any(Number),
        logGroupName: '/sf',
      },
      {
        filterName: 'to-lambda',
        filterPattern: 'WARN',
        destinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:ship-logs',
        distribution: 'ByLogStream',
        creationTime: expect.any(Number),
        logGroupName: '/sf',
      },
    ]);
    await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/sf', filterName: 'to-kinesis' }));
    await expect(
      logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/sf', filterName: 'to-kinesis' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it.each([
    [
      { destinationArn: 'arn:aws:sqs:us-east-1:000000000000:queue' },
      expect.stringContaining('Invalid destinationArn'),
    ],
    [
      { destinationArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/logs' },
      expect.stringContaining('roleArn is required'),
    ],
    [{ roleArn: 'not-an-arn' }, 'Invalid roleArn not-an-arn'],
    [{ filterPattern: '"unterminated' }, expect.stringContaining('Invalid filter pattern')],
  ])('refuses %j', async (change, message) => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/sf/errors' })).catch(() => undefined);
    await expect(
      logs.send(subscription('x', { logGroupName: '/sf/errors', ...change })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message,
    });
  });
});

describe.skipIf(!awsCliAvailable)('AWS CLI', () => {
  it('put-metric-filter, test-metric-filter, then cloudwatch get-metric-statistics sees the metric', async () => {
    await group('/mf/cli');
    await t.aws([
      'logs',
      'put-metric-filter',
      '--log-group-name',
      '/mf/cli',
      '--filter-name',
      'gemini-failures',
      '--filter-pattern',
      '{ $.event = "gemini_failed" }',
      '--metric-transformations',
      'metricName=GeminiFailures,metricNamespace=CliTest,metricValue=1,unit=Count',
    ]);
    const tested = await t.aws([
      'logs',
      'test-metric-filter',
      '--filter-pattern',
      '{ $.event = "gemini_failed" }',
      '--log-event-messages',
      '{"event":"gemini_failed"}',
      '{"event":"access"}',
    ]);
    expect(tested.json).toEqual({
      matches: [{ eventNumber: 1, eventMessage: '{"event":"gemini_failed"}', extractedValues: {} }],
    });
    await put('/mf/cli', [
      { event: 'gemini_failed' },
      { event: 'access' },
      { event: 'gemini_failed' },
      { event: 'gemini_failed' },
    ]);
    const stats = await t.aws([
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'CliTest',
      '--metric-name',
      'GeminiFailures',
      '--start-time',
      new Date(NOW - 3_600_000).toISOString(),
      '--end-time',
      new Date(NOW + 60_000).toISOString(),
      '--period',
      '3600',
      '--statistics',
      'Sum',
    ]);
    expect((stats.json as { Datapoints: Array<{ Sum: number; Unit: string }> }).Datapoints).toEqual([
      expect.objectContaining({ Sum: 3, Unit: 'Count' }),
    ]);
  });
});
