/**
 * Filter pattern syntax beyond terms and JSON (AWS's "Filter pattern syntax" page): space-delimited
 * patterns over Apache-style access lines, `%regex%` as a JSON or field value, and metric filters
 * that publish a space-delimited field (`$bytes`), through the real SDK and AWS CLI. Then hostile
 * patterns (fast-check, seeded, bounded) through FilterLogEvents and TestMetricFilter: each one
 * either works or is refused with InvalidParameterException worded as AWS words it, never a 500.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  TestMetricFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let logs: CloudWatchLogsClient;
const GROUP = '/patterns/apache';
const LINES = [
  '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534',
  '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
  '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /index.html HTTP/1.0" 200 2326',
  '10.0.0.7 - - [10/Oct/2000:13:55:36 -0700] "POST /v1/chat HTTP/1.1" 502 88',
  'not an access line',
  '{"level":"error","msg":"gemini timeout","status":504}',
];

beforeAll(async () => {
  t = await startTestCloud();
  logs = new CloudWatchLogsClient(t.clientConfig);
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'web' }));
  const now = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: 'web',
      logEvents: LINES.map((message, i) => ({ timestamp: now - 60_000 + i, message })),
    }),
  );
});

afterAll(async () => {
  logs.destroy();
  await t.dispose();
});

async function matching(filterPattern: string): Promise<number[]> {
  const { events } = await logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern }));
  return events!.map((e) => LINES.indexOf(e.message!));
}

describe('space-delimited patterns', () => {
  it.each([
    ['[ip, user, username, timestamp, request, status_code, bytes]', [0, 1, 2, 3]],
    ['[ip, user, username, timestamp, request = "*html*", status_code, bytes]', [2]],
    ['[ip, user, username, timestamp, request, status_code = 4*, bytes]', [0]],
    ['[..., status_code = 5*, bytes > 1000]', [1]],
    ['[ip, ..., status_code = 4* || status_code = 5*, bytes]', [0, 1, 3]],
    ['[ip = 10.*, user, username = -, ...]', [3]],
    ['[..., status_code >= 500 && status_code < 503, bytes]', [1, 3]],
    ['[ip = %^10\\.%, ...]', [3]],
    // Without '...' the field count must be the column count: only the JSON line has two fields.
    ['[w1, w2]', [5]],
    ['[w1, w2, w3]', []],
  ])('%s', async (pattern, expected) => {
    expect(await matching(pattern)).toEqual(expected);
  });

  it('%regex% as a JSON value', async () => {
    expect(await matching('{ $.msg = %timeout|refused% }')).toEqual([5]);
    expect(await matching('{ $.msg != %^gemini% }')).toEqual([]);
  });

  it('refuses malformed ones with InvalidParameterException', async () => {
    for (const [pattern, reason] of [
      ['[ip, user', "If a filter pattern starts with '[' it must end with ']'"],
      ['[ip, , bytes]', 'empty field in a space-delimited pattern'],
      ['[a, ..., b, ...]', "a space-delimited pattern can have at most one '...'"],
      [
        '[status_code = 4* && bytes > 1000]',
        "the conditions of one field name only that field ('status_code', not 'bytes')",
      ],
      ['[ip, status > high]', "'>' compares numbers only"],
    ]) {
      await expect(matching(pattern!), pattern).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: `Invalid filter pattern: ${reason}`,
      });
    }
  });

  it('names the fields a metric filter publishes ($bytes) and TestMetricFilter extracts', async () => {
    const tested = await logs.send(
      new TestMetricFilterCommand({
        filterPattern: '[ip, user, username, timestamp, request, status_code = 5*, bytes]',
        logEventMessages: LINES.slice(0, 3),
      }),
    );
    expect(tested.matches).toEqual([
      {
        eventNumber: 2,
        eventMessage: LINES[1],
        extractedValues: {
          $ip: '127.0.0.1',
          $user: '-',
          $username: 'frank',
          $timestamp: '10/Oct/2000:13:35:22 -0700',
          $request: 'GET /apache_pb.gif HTTP/1.0',
          $status_code: '500',
          $bytes: '5324',
        },
      },
    ]);
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: GROUP,
        filterName: 'server-error-bytes',
        filterPattern: '[..., status_code = 5*, bytes]',
        metricTransformations: [{ metricName: 'Bytes5xx', metricNamespace: 'Web', metricValue: '$bytes' }],
      }),
    );
    // Events stored from now on publish their bytes field when their status is 5xx.
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'web-2' }));
    const at = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: GROUP,
        logStreamName: 'web-2',
        logEvents: LINES.map((message, i) => ({ timestamp: at + i, message })),
      }),
    );
    const cloudwatch = new CloudWatchClient(t.clientConfig);
    const { Datapoints } = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Web',
        MetricName: 'Bytes5xx',
        StartTime: new Date(at - 60_000),
        EndTime: new Date(at + 60_000),
        Period: 300,
        Statistics: ['Sum', 'SampleCount'],
      }),
    );
    cloudwatch.destroy();
    // 5324 (500) and 88 (502): the two 5xx access lines.
    expect(Datapoints!.reduce((sum, d) => sum + d.Sum!, 0)).toBe(5324 + 88);
    expect(Datapoints!.reduce((sum, d) => sum + d.SampleCount!, 0)).toBe(2);
    await expect(
      logs.send(
        new PutMetricFilterCommand({
          logGroupName: GROUP,
          filterName: 'bad',
          filterPattern: '[..., status_code = 5*, bytes]',
          metricTransformations: [{ metricName: 'B', metricNamespace: 'Web', metricValue: '$size' }],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: "Invalid metricValue '$size': the filter pattern names no field 'size'",
    });
  });

  it.skipIf(!awsCliAvailable)('through the AWS CLI (filter-log-events, test-metric-filter)', async () => {
    const filtered = await t.aws([
      'logs',
      'filter-log-events',
      '--log-group-name',
      GROUP,
      '--log-stream-names',
      'web',
      '--filter-pattern',
      '[ip, user, username, timestamp, request, status_code = 4*, bytes]',
    ]);
    expect((filtered.json as { events: Array<{ message: string }> }).events.map((e) => e.message)).toEqual([
      LINES[0],
    ]);
    const tested = await t.aws([
      'logs',
      'test-metric-filter',
      '--filter-pattern',
      '[..., status_code, bytes > 5000]',
      '--log-event-messages',
      LINES[0]!,
      LINES[1]!,
    ]);
    expect(tested.json).toEqual({
      matches: [
        { eventNumber: 2, eventMessage: LINES[1], extractedValues: { $status_code: '500', $bytes: '5324' } },
      ],
    });
  });
});

/** Characters that mean something in some pattern syntax, and a few that mean nothing. */
const PATTERN_CHARS = [
  ...'[]{}()%$.,=!<>&|?*-+"\\ ^:_/#@;aZ09',
  '...',
  '&&',
  '||',
  ' = ',
  '$.a',
  '\u00e9',
  '\u{1F600}',
];
const hostilePattern = fc
  .array(fc.constantFrom(...PATTERN_CHARS), { maxLength: 40 })
  .map((parts) => parts.join(''))
  .filter((p) => p.length <= 1024);
/** Starts of patterns of each kind, so the generator reaches every parser. */
const anyKind = fc
  .tuple(fc.constantFrom('', '[', '{ ', '%', '?', '-', '"'), hostilePattern)
  .map(([start, rest]) => start + rest);

describe('hostile filter patterns (seeded, bounded)', () => {
  it('work or are refused with InvalidParameterException, never a server error', async () => {
    const refused = new Set<string>();
    await fc.assert(
      fc.asyncProperty(anyKind, async (filterPattern) => {
        for (const call of [
          () => logs.send(new FilterLogEventsCommand({ logGroupName: GROUP, filterPattern })),
          () => logs.send(new TestMetricFilterCommand({ filterPattern, logEventMessages: LINES })),
        ]) {
          const error = await call().then(
            () => undefined,
            (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
          );
          if (!error) continue;
          expect(error.$metadata?.httpStatusCode, `${filterPattern}: ${error.message}`).toBe(400);
          expect(error.name, filterPattern).toBe('InvalidParameterException');
          // Long patterns are refused by the model's length bound; the rest by the pattern's grammar.
          expect(error.message, filterPattern).toMatch(
            /^(Invalid filter pattern: |1 validation error detected)/,
          );
          refused.add(filterPattern);
        }
      }),
      { seed: 20261205, numRuns: 150, endOnFailure: true },
    );
    // The generator reached the refusals, not only patterns that match.
    expect(refused.size).toBeGreaterThan(10);
  });
});
