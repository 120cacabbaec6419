/**
 * Logs Insights through the real SDK and the real AWS CLI: StartQuery / GetQueryResults /
 * StopQuery / DescribeQueries / GetLogRecord / GetLogGroupFields, with AWS's documented shapes
 * and errors, over events put with PutLogEvents and over the API service's own log lines.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeQueriesCommand,
  GetLogGroupFieldsCommand,
  GetLogRecordCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  MalformedQueryException,
  PutLogEventsCommand,
  StartQueryCommand,
  type StartQueryCommandInput,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, freePort, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let logs: CloudWatchLogsClient;
const NOW = Date.now();
const GROUP = '/ecs/iscoolgpt-api';

beforeAll(async () => {
  t = await startTestCloud();
  logs = new CloudWatchLogsClient(t.clientConfig);
  await logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'api/api/task1' }));
  const lines = [
    { level: 'info', msg: 'request', status: 200, durationMs: 12 },
    { level: 'error', msg: 'gemini failed', status: 502, durationMs: 480 },
    { level: 'info', msg: 'request', status: 200, durationMs: 8 },
    { level: 'error', msg: 'gemini timeout', status: 504, durationMs: 30_000 },
  ];
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: GROUP,
      logStreamName: 'api/api/task1',
      logEvents: lines.map((line, i) => ({
        timestamp: NOW - 120_000 + i * 30_000,
        message: JSON.stringify(line),
      })),
    }),
  );
});

afterAll(async () => {
  logs.destroy();
  await t.dispose();
});

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Polls GetQueryResults as a client does, until the query is no longer Scheduled or Running. */
async function results(queryId: string): Promise<GetQueryResultsCommandOutput> {
  for (;;) {
    const output = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (output.status !== 'Scheduled' && output.status !== 'Running') return output;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function query(queryString: string, extra: Partial<StartQueryCommandInput> = {}) {
  const { queryId } = await logs.send(
    new StartQueryCommand({
      logGroupName: GROUP,
      startTime: seconds(NOW - 3_600_000),
      endTime: seconds(NOW),
      queryString,
      ...extra,
    }),
  );
  expect(queryId).toMatch(/^[0-9a-f-]{36}$/);
  return { queryId: queryId!, ...(await results(queryId!)) };
}

const plain = (rows: GetQueryResultsCommandOutput['results']) =>
  (rows ?? []).map((row) =>
    Object.fromEntries(row.filter((f) => f.field !== '@ptr').map((f) => [f.field, f.value])),
  );

describe('StartQuery and GetQueryResults', () => {
  it('runs the query people run on ECS logs: errors per minute', async () => {
    const output = await query(
      "fields @timestamp, level, msg | filter level = 'error' | stats count(*) by bin(1m)",
    );
    expect(output.status).toBe('Complete');
    const rows = plain(output.results);
    expect(rows.map((r) => Number(r['count(*)'])).reduce((a, b) => a + b, 0)).toBe(2);
    expect(rows.every((r) => /^\d{4}-\d\d-\d\d \d\d:\d\d:00\.000$/.test(r['bin(1m)']!))).toBe(true);
    expect(output.statistics).toEqual({
      recordsMatched: 2,
      recordsScanned: 4,
      bytesScanned: expect.any(Number),
    });
  });

  it('returns events newest first with @ptr, which GetLogRecord reads back', async () => {
    const output = await query(
      'fields @timestamp, msg, status | filter status >= 500 | sort @timestamp desc',
    );
    expect(plain(output.results).map((r) => r.msg)).toEqual(['gemini timeout', 'gemini failed']);
    const pointer = output.results![0]!.find((f) => f.field === '@ptr')!.value!;
    const { logRecord } = await logs.send(new GetLogRecordCommand({ logRecordPointer: pointer }));
    expect(logRecord).toMatchObject({
      msg: 'gemini timeout',
      status: '504',
      '@logStream': 'api/api/task1',
      '@log': `000000000000:${GROUP}`,
    });
  });

  it('reads only the time range asked (epoch seconds) and honours the limit parameter', async () => {
    const recent = await query('fields msg', { startTime: seconds(NOW - 45_000) });
    expect(plain(recent.results)).toEqual([{ msg: 'gemini timeout' }]);
    const limited = await query('fields msg', { limit: 2 });
    expect(plain(limited.results)).toEqual([{ msg: 'gemini timeout' }, { msg: 'request' }]);
  });

  it('takes logGroupNames and logGroupIdentifiers (ARNs), once each', async () => {
    const byNames = await query('stats count(*) as n', {
      logGroupName: undefined,
      logGroupNames: [GROUP, GROUP],
    });
    expect(plain(byNames.results)).toEqual([{ n: '4' }]);
    const byArn = await query('stats avg(durationMs) as avg', {
      logGroupName: undefined,
      logGroupIdentifiers: [`arn:aws:logs:us-east-1:000000000000:log-group:${GROUP}`],
    });
    expect(plain(byArn.results)).toEqual([{ avg: '7625' }]);
  });

  it('refuses a malformed query with MalformedQueryException and its queryCompileError', async () => {
    const error = await logs
      .send(
        new StartQueryCommand({
          logGroupName: GROUP,
          startTime: 0,
          endTime: seconds(NOW),
          queryString: 'fields @message | filter level = ',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedQueryException);
    expect((error as MalformedQueryException).queryCompileError).toEqual({
      location: { startCharOffset: 33, endCharOffset: 33 },
      message: 'unexpected end of query at line 1 and position 34',
    });
  });

  it.each([
    [
      { logGroupName: '/no/such/group' },
      'ResourceNotFoundException',
      "Log group '/no/such/group' does not exist for account ID '000000000000'",
    ],
    [
      { logGroupNames: [GROUP] },
      'InvalidParameterException',
      'Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.',
    ],
    [
      { startTime: seconds(NOW), endTime: seconds(NOW) - 10 },
      'InvalidParameterException',
      'End time should not be before the start time',
    ],
    [
      { queryLanguage: 'SQL' as const },
      'InvalidParameterException',
      expect.stringContaining('Query language SQL is not supported'),
    ],
    [
      { limit: 0 },
      'InvalidParameterException',
      expect.stringContaining("at 'limit' failed to satisfy constraint"),
    ],
  ])('refuses %j with %s', async (input, name, message) => {
    const error = (await logs
      .send(
        new StartQueryCommand({
          logGroupName: GROUP,
          startTime: 0,
          endTime: seconds(NOW),
          queryString: 'fields @message',
          ...input,
        }),
      )
      .catch((e: unknown) => e)) as Error;
    expect({ name: error.name, message: error.message }).toEqual({ name, message });
  });

  it('answers an unknown query id with ResourceNotFoundException, and StopQuery on a finished query with InvalidParameterException', async () => {
    await expect(logs.send(new GetQueryResultsCommand({ queryId: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const { queryId } = await query('fields @message');
    await expect(logs.send(new StopQueryCommand({ queryId }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: `Query ${queryId} is not running`,
    });
  });

  it('lists queries newest first with DescribeQueries, by group and status', async () => {
    const { queryId } = await query('fields msg | limit 1');
    const { queries } = await logs.send(
      new DescribeQueriesCommand({ logGroupName: GROUP, status: 'Complete', maxResults: 2 }),
    );
    expect(queries).toHaveLength(2);
    expect(queries![0]).toEqual({
      queryLanguage: 'CWLI',
      queryId,
      queryString: 'fields msg | limit 1',
      status: 'Complete',
      createTime: expect.any(Number),
      logGroupName: GROUP,
    });
    const none = await logs.send(new DescribeQueriesCommand({ logGroupName: '/other', status: 'Complete' }));
    expect(none.queries).toEqual([]);
  });

  it('stops a query while it runs (Cancelled)', async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: GROUP, logStreamName: 'bulk' }));
    const batch = Array.from({ length: 10_000 }, (_, i) => ({
      timestamp: NOW - 3_000_000,
      message: `line ${i} ${'x'.repeat(60)}`,
    }));
    for (let i = 0; i < 4; i++)
      await logs.send(
        new PutLogEventsCommand({ logGroupName: GROUP, logStreamName: 'bulk', logEvents: batch }),
      );
    const { queryId } = await logs.send(
      new StartQueryCommand({
        logGroupName: GROUP,
        startTime: 0,
        endTime: seconds(NOW),
        queryString: 'filter @message like /(x|x|xx)*y/ | stats count(*)',
      }),
    );
    const stopped = await logs.send(new StopQueryCommand({ queryId }));
    expect(stopped.success).toBe(true);
    const output = await results(queryId!);
    expect(output.status).toBe('Cancelled');
    expect(output.results).toEqual([]);
  });
});

describe('GetLogGroupFields', () => {
  it('lists the system fields and the JSON fields of recent events with their share', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/fields' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/fields', logStreamName: 's' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '/fields',
        logStreamName: 's',
        logEvents: [
          { timestamp: NOW - 2000, message: '{"level":"info","req":{"id":"1"}}' },
          { timestamp: NOW - 1000, message: '{"level":"warn"}' },
          { timestamp: NOW, message: 'plain' },
          { timestamp: NOW, message: '{"level":"info"}' },
        ],
      }),
    );
    const { logGroupFields } = await logs.send(new GetLogGroupFieldsCommand({ logGroupName: '/fields' }));
    expect(logGroupFields).toEqual([
      { name: '@ingestionTime', percent: 100 },
      { name: '@log', percent: 100 },
      { name: '@logStream', percent: 100 },
      { name: '@message', percent: 100 },
      { name: '@timestamp', percent: 100 },
      { name: 'level', percent: 75 },
      { name: 'req.id', percent: 25 },
    ]);
    await expect(logs.send(new GetLogGroupFieldsCommand({ logGroupName: '/none' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe.skipIf(!awsCliAvailable)('AWS CLI', () => {
  it('runs aws logs start-query and get-query-results', async () => {
    const started = await t.aws([
      'logs',
      'start-query',
      '--log-group-name',
      GROUP,
      '--start-time',
      String(seconds(NOW - 3_600_000)),
      '--end-time',
      String(seconds(NOW)),
      '--query-string',
      "filter level = 'error' | stats count(*) as errors, max(durationMs) as worst",
    ]);
    const { queryId } = started.json as { queryId: string };
    let output: { status: string; results: Array<Array<{ field: string; value: string }>> };
    do {
      output = (await t.aws(['logs', 'get-query-results', '--query-id', queryId])).json as typeof output;
    } while (output.status === 'Running' || output.status === 'Scheduled');
    expect(output.status).toBe('Complete');
    expect(output.results).toEqual([
      [
        { field: 'errors', value: '2' },
        { field: 'worst', value: '30000' },
      ],
    ]);
  });
});

describe("the API service's own log lines", () => {
  it('answers the errors-per-minute query over what the real server process logged', async () => {
    // The real server (node service/src/server.ts) with Gemini unreachable: a chat call fails and is logged.
    const serviceDir = fileURLToPath(new URL('../../../../service/', import.meta.url));
    const port = await freePort();
    const child = spawn(process.execPath, ['src/server.ts'], {
      cwd: serviceDir,
      env: {
        PATH: process.env.PATH ?? '',
        GEMINI_API_KEY: 'test-key',
        PORT: String(port),
        GEMINI_BASE_URL: 'http://127.0.0.1:9',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Each line with the time it was read, as the awslogs driver stamps it (a line's own `time` is
    // when it was logged: an access line is logged at its request's start and written at its end).
    const read: Array<{ line: string; at: number }> = [];
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const complete = buffered.split('\n');
      buffered = complete.pop() ?? '';
      const at = Date.now();
      read.push(...complete.filter((line) => line.trim() !== '').map((line) => ({ line, at })));
    });
    try {
      while (!read.some(({ line }) => line.includes('"listening"')))
        await new Promise((resolve) => setTimeout(resolve, 50));
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/v1/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: 'What is photosynthesis?' }),
        });
        expect(response.status).toBe(502);
      }
      await fetch(`http://127.0.0.1:${port}/health`);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    // As the awslogs driver ships them: one event per line, at the time it was read.
    const group = '/ecs/real-service';
    await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'api/api/real' }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 'api/api/real',
        logEvents: read.map(({ line, at }) => ({ timestamp: at, message: line })),
      }),
    );
    const warned = read.filter(({ line }) => (JSON.parse(line) as { level: string }).level === 'warn');
    expect(warned.length).toBeGreaterThanOrEqual(3);
    const output = await query(
      "fields @timestamp, level, msg | filter level = 'warn' | stats count(*) by bin(1m)",
      {
        logGroupName: group,
        endTime: seconds(Date.now()) + 1,
      },
    );
    const counted = plain(output.results).reduce((sum, r) => sum + Number(r['count(*)']), 0);
    expect(counted).toBe(warned.length);
    const access = await query(
      "filter event = 'access' | stats count(*) as n by status, path | sort n desc",
      {
        logGroupName: group,
        endTime: seconds(Date.now()) + 1,
      },
    );
    expect(plain(access.results)).toContainEqual({ status: '502', path: '/v1/chat', n: '3' });
  });
});
