/** CloudWatch Logs through the real SDK and the real AWS CLI (`logs tail`, `filter-log-events`). */
import { spawn } from 'node:child_process';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendEvents,
  ensureLogStream,
  initialLogsState,
  type LogsState,
} from '../../../src/cloud/services/logs/index.ts';
import {
  AWS_CLI,
  awsCliAvailable,
  awsCliEnv,
  errorOf,
  REGION,
  startTestCloud,
  type TestCloud,
} from '../harness.ts';

let t: TestCloud;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  t = await startTestCloud();
  logs = new CloudWatchLogsClient(t.clientConfig);
});

afterAll(async () => {
  logs.destroy();
  await t.dispose();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A group with one stream per name given. */
async function group(name: string, ...streams: string[]) {
  await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
  for (const stream of streams) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: stream }));
  }
}

async function put(logGroupName: string, logStreamName: string, events: Array<[number, string]>) {
  return logs.send(
    new PutLogEventsCommand({
      logGroupName,
      logStreamName,
      logEvents: events.map(([timestamp, message]) => ({ timestamp, message })),
    }),
  );
}

async function filtered(input: FilterLogEventsCommandInput): Promise<string[]> {
  const { events } = await logs.send(new FilterLogEventsCommand(input));
  return events!.map((e) => e.message!);
}

describe('log groups', () => {
  it('creates a group with its ARNs, creation time and no retention', async () => {
    const before = Date.now();
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/app', tags: { team: 'core' } }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/app' }));
    expect(logGroups).toEqual([
      {
        logGroupName: '/ecs/app',
        arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/ecs/app:*',
        logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/ecs/app',
        creationTime: expect.any(Number),
        metricFilterCount: 0,
        storedBytes: 0,
        logGroupClass: 'STANDARD',
        deletionProtectionEnabled: false,
      },
    ]);
    expect(logGroups![0]!.creationTime).toBeGreaterThanOrEqual(before);
  });

  it('records the log group class and lists groups by class', async () => {
    await logs.send(
      new CreateLogGroupCommand({ logGroupName: 'class/ia', logGroupClass: 'INFREQUENT_ACCESS' }),
    );
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'class/std' }));
    const byClass = async (logGroupClass: 'STANDARD' | 'INFREQUENT_ACCESS') =>
      (
        await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'class/', logGroupClass }))
      ).logGroups!.map((g) => [g.logGroupName, g.logGroupClass]);
    expect(await byClass('INFREQUENT_ACCESS')).toEqual([['class/ia', 'INFREQUENT_ACCESS']]);
    expect(await byClass('STANDARD')).toEqual([['class/std', 'STANDARD']]);
  });

  it('refuses a duplicate, a bad name, and unknown groups', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' }));
    expect(await errorOf(logs.send(new CreateLogGroupCommand({ logGroupName: 'dup' })))).toEqual({
      name: 'ResourceAlreadyExistsException',
      message: 'The specified log group already exists',
    });
    expect(await errorOf(logs.send(new CreateLogGroupCommand({ logGroupName: 'bad name' })))).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining("Value 'bad name' at 'logGroupName' failed to satisfy constraint"),
    });
    expect(await errorOf(logs.send(new DeleteLogGroupCommand({ logGroupName: 'nope' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log group does not exist.',
    });
  });

  it('lists groups sorted by name, by prefix or pattern, a page at a time', async () => {
    for (const name of ['list/c', 'list/a', 'list/e', 'list/b', 'list/d']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: 'list/', limit: 2, nextToken }),
      );
      expect(page.logGroups!.length).toBeLessThanOrEqual(2);
      names.push(...page.logGroups!.map((g) => g.logGroupName!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toEqual(['list/a', 'list/b', 'list/c', 'list/d', 'list/e']);
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 't/d' }));
    expect(logGroups!.map((g) => g.logGroupName)).toEqual(['list/d']);
    expect(
      await errorOf(
        logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'a', logGroupNamePattern: 'b' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(logs.send(new DescribeLogGroupsCommand({ limit: 51 })))).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('Member must have value less than or equal to 50'),
    });
  });

  it('deletes a group with its streams and events', async () => {
    await group('doomed', 's');
    await put('doomed', 's', [[Date.now(), 'bye']]);
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'doomed' }));
    expect(logGroups).toEqual([]);
    expect(
      await errorOf(logs.send(new GetLogEventsCommand({ logGroupName: 'doomed', logStreamName: 's' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('retention', () => {
  it('accepts only the periods AWS offers', async () => {
    await group('ret/valid');
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret/valid', retentionInDays: 14 }));
    let { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret/valid' }));
    expect(logGroups![0]!.retentionInDays).toBe(14);
    const error = await errorOf(
      logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret/valid', retentionInDays: 2 })),
    );
    expect(error).toEqual({
      name: 'InvalidParameterException',
      message:
        "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
    });
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'ret/valid' }));
    ({ logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret/valid' })));
    expect(logGroups![0]!.retentionInDays).toBeUndefined();
    expect(
      await errorOf(
        logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret/none', retentionInDays: 1 })),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('drops events older than the retention period and refuses new ones that old', async () => {
    await group('ret/applied', 's');
    const now = Date.now();
    await put('ret/applied', 's', [[now - 3 * DAY, 'three days old']]);
    await put('ret/applied', 's', [[now - 2 * HOUR, 'two hours old']]);
    let { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret/applied' }));
    expect(logGroups![0]!.storedBytes).toBe('three days old'.length + 'two hours old'.length);

    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'ret/applied', retentionInDays: 1 }));
    const { events } = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'ret/applied', logStreamName: 's', startFromHead: true }),
    );
    expect(events!.map((e) => e.message)).toEqual(['two hours old']);
    expect(await filtered({ logGroupName: 'ret/applied' })).toEqual(['two hours old']);
    ({ logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'ret/applied' })));
    expect(logGroups![0]!.storedBytes).toBe('two hours old'.length);

    const result = await put('ret/applied', 's', [
      [now - 30 * HOUR, 'expired'],
      [now - 7 * HOUR, 'fresh'],
    ]);
    expect(result.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
    expect(await filtered({ logGroupName: 'ret/applied' })).toEqual(['fresh', 'two hours old']);
  });
});

describe('log streams', () => {
  it('creates streams, refuses duplicates and streams of unknown groups', async () => {
    await group('streams/errors', 'one');
    expect(
      await errorOf(
        logs.send(new CreateLogStreamCommand({ logGroupName: 'streams/errors', logStreamName: 'one' })),
      ),
    ).toEqual({ name: 'ResourceAlreadyExistsException', message: 'The specified log stream already exists' });
    expect(
      await errorOf(
        logs.send(new CreateLogStreamCommand({ logGroupName: 'streams/none', logStreamName: 'x' })),
      ),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    expect(
      await errorOf(
        logs.send(new CreateLogStreamCommand({ logGroupName: 'streams/errors', logStreamName: 'a:b' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(
        logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams/errors', logStreamName: 'two' })),
      ),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log stream does not exist.' });
    await logs.send(new DeleteLogStreamCommand({ logGroupName: 'streams/errors', logStreamName: 'one' }));
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams/errors' }));
    expect(logStreams).toEqual([]);
  });

  it('describes streams with their event times, ordered by name or last event time', async () => {
    await group('streams/order', 'b', 'a', 'c', 'other');
    const now = Date.now();
    await put('streams/order', 'a', [
      [now - 3000, 'a1'],
      [now - 1000, 'a2'],
    ]);
    await put('streams/order', 'b', [[now - 500, 'b1']]);
    await put('streams/order', 'c', [[now - 2000, 'c1']]);

    const byName = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams/order' }));
    expect(byName.logStreams!.map((s) => s.logStreamName)).toEqual(['a', 'b', 'c', 'other']);
    const a = byName.logStreams![0]!;
    expect(a).toMatchObject({
      arn: 'arn:aws:logs:us-east-1:000000000000:log-group:streams/order:log-stream:a',
      firstEventTimestamp: now - 3000,
      lastEventTimestamp: now - 1000,
      lastIngestionTime: expect.any(Number),
      storedBytes: 0,
      creationTime: expect.any(Number),
    });
    expect(byName.logStreams![3]!.firstEventTimestamp).toBeUndefined();

    const byTime = await logs.send(
      new DescribeLogStreamsCommand({
        logGroupName: 'streams/order',
        orderBy: 'LastEventTime',
        descending: true,
      }),
    );
    expect(byTime.logStreams!.map((s) => s.logStreamName)).toEqual(['b', 'a', 'c', 'other']);

    const prefixed = await logs.send(
      new DescribeLogStreamsCommand({ logGroupIdentifier: 'streams/order', logStreamNamePrefix: 'o' }),
    );
    expect(prefixed.logStreams!.map((s) => s.logStreamName)).toEqual(['other']);

    const page = await logs.send(new DescribeLogStreamsCommand({ logGroupName: 'streams/order', limit: 3 }));
    const rest = await logs.send(
      new DescribeLogStreamsCommand({ logGroupName: 'streams/order', limit: 3, nextToken: page.nextToken }),
    );
    expect([...page.logStreams!, ...rest.logStreams!].map((s) => s.logStreamName)).toEqual([
      'a',
      'b',
      'c',
      'other',
    ]);
    expect(rest.nextToken).toBeUndefined();

    expect(
      await errorOf(
        logs.send(
          new DescribeLogStreamsCommand({
            logGroupName: 'streams/order',
            orderBy: 'LastEventTime',
            logStreamNamePrefix: 'a',
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: 'Cannot order by LastEventTime with a logStreamNamePrefix.',
    });
  });
});

describe('PutLogEvents', () => {
  it('accepts any sequence token and returns one', async () => {
    await group('put/token', 's');
    const result = await logs.send(
      new PutLogEventsCommand({
        logGroupName: 'put/token',
        logStreamName: 's',
        sequenceToken: 'whatever',
        logEvents: [{ timestamp: Date.now(), message: 'hello' }],
      }),
    );
    expect(result.nextSequenceToken).toMatch(/^\d{56}$/);
    expect(result.rejectedLogEventsInfo).toBeUndefined();
  });

  it('refuses a batch out of chronological order, spanning more than 24 hours, or empty', async () => {
    await group('put/rules', 's');
    const now = Date.now();
    expect(
      await errorOf(
        put('put/rules', 's', [
          [now, 'second'],
          [now - 1, 'first'],
        ]),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: 'Log events in a single PutLogEvents request must be in chronological order.',
    });
    expect(
      await errorOf(
        put('put/rules', 's', [
          [now - 25 * HOUR, 'old'],
          [now, 'new'],
        ]),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    });
    expect(await errorOf(put('put/rules', 's', []))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(put('put/rules', 'missing', [[now, 'x']]))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified log stream does not exist.',
    });
  });

  it('reports events too old or too far ahead in rejectedLogEventsInfo and keeps the rest', async () => {
    await group('put/rejected', 's');
    const now = Date.now();
    const old = now - 14 * DAY - 2 * HOUR;
    const result = await put('put/rejected', 's', [
      [old, 'too old 1'],
      [old + 1000, 'too old 2'],
      [old + 3 * HOUR, 'kept'],
    ]);
    expect(result.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2 });
    const ahead = await put('put/rejected', 's', [
      [now, 'now'],
      [now + 3 * HOUR, 'too new'],
    ]);
    expect(ahead.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    expect(await filtered({ logGroupName: 'put/rejected' })).toEqual(['kept', 'now']);
  });
});

describe('GetLogEvents', () => {
  const base = Date.now() - HOUR;

  beforeAll(async () => {
    await group('get/paging', 's', 'empty');
    await put(
      'get/paging',
      's',
      Array.from({ length: 10 }, (_, i) => [base + i * 1000, `event ${i}`] as [number, string]),
    );
  });

  const get = (extra: Partial<ConstructorParameters<typeof GetLogEventsCommand>[0]> = {}) =>
    logs.send(new GetLogEventsCommand({ logGroupName: 'get/paging', logStreamName: 's', ...extra }));

  it('pages forward from the head, then hands back the same forward token at the end', async () => {
    const messages: string[] = [];
    let page = await get({ startFromHead: true, limit: 4 });
    messages.push(...page.events!.map((e) => e.message!));
    expect(page.nextForwardToken).toMatch(/^f\/\d{56}\/s$/);
    expect(page.nextBackwardToken).toMatch(/^b\/\d{56}\/s$/);
    for (;;) {
      const token = page.nextForwardToken!;
      page = await get({ startFromHead: true, limit: 4, nextToken: token });
      messages.push(...page.events!.map((e) => e.message!));
      if (page.events!.length === 0) {
        expect(page.nextForwardToken).toBe(token);
        break;
      }
    }
    expect(messages).toEqual(Array.from({ length: 10 }, (_, i) => `event ${i}`));
  });

  it('returns the latest events by default and pages backward to the head', async () => {
    let page = await get({ limit: 3 });
    expect(page.events!.map((e) => e.message)).toEqual(['event 7', 'event 8', 'event 9']);
    expect(page.events![0]).toEqual({
      timestamp: base + 7000,
      message: 'event 7',
      ingestionTime: expect.any(Number),
    });
    const seen = page.events!.map((e) => e.message!);
    for (;;) {
      const token = page.nextBackwardToken!;
      page = await get({ limit: 3, nextToken: token });
      if (page.events!.length === 0) {
        expect(page.nextBackwardToken).toBe(token);
        break;
      }
      seen.unshift(...page.events!.map((e) => e.message!));
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `event ${i}`));
  });

  it('limits to [startTime, endTime)', async () => {
    const page = await get({ startTime: base + 2000, endTime: base + 5000, startFromHead: true });
    expect(page.events!.map((e) => e.message)).toEqual(['event 2', 'event 3', 'event 4']);
  });

  it('lets a poller keep its forward token and see events appended later', async () => {
    await group('get/poll', 's');
    const first = await logs.send(
      new GetLogEventsCommand({ logGroupName: 'get/poll', logStreamName: 's', startFromHead: true }),
    );
    expect(first.events).toEqual([]);
    await put('get/poll', 's', [[Date.now(), 'late arrival']]);
    const next = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'get/poll',
        logStreamName: 's',
        startFromHead: true,
        nextToken: first.nextForwardToken,
      }),
    );
    expect(next.events!.map((e) => e.message)).toEqual(['late arrival']);
  });

  it('refuses an invalid token, a bad limit and an unknown stream', async () => {
    expect(await errorOf(get({ nextToken: 'x/123' }))).toEqual({
      name: 'InvalidParameterException',
      message: 'The specified nextToken is invalid.',
    });
    expect(await errorOf(get({ limit: 0 }))).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(get({ logStreamName: 'nope' }))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('FilterLogEvents', () => {
  const base = Date.now() - HOUR;
  const json = (value: object) => JSON.stringify(value);

  beforeAll(async () => {
    await group('filter/app', 'web-1', 'web-2', 'worker');
    await put('filter/app', 'web-1', [
      [base + 1, 'ERROR connection refused'],
      [base + 4, json({ level: 'error', status: 503, user: { name: 'ada' }, path: '/v1/chat' })],
      [base + 6, 'WARN slow response "Connection timed out"'],
    ]);
    await put('filter/app', 'web-2', [
      [base + 2, json({ level: 'info', status: 200, user: { name: 'bob' }, path: '/health', cached: true })],
      [base + 5, 'ERROR Exiting after fatal signal'],
    ]);
    await put('filter/app', 'worker', [
      [base + 3, json({ level: 'error', status: 500, user: { name: 'ada' }, path: '/v1/jobs', retry: null })],
      [base + 7, 'INFO done'],
    ]);
  });

  const match = (filterPattern: string) => filtered({ logGroupName: 'filter/app', filterPattern });

  it('interleaves every stream by timestamp, with the stream name and a stable eventId', async () => {
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: 'filter/app' }));
    expect(first.events!.map((e) => [e.logStreamName, e.timestamp])).toEqual([
      ['web-1', base + 1],
      ['web-2', base + 2],
      ['worker', base + 3],
      ['web-1', base + 4],
      ['web-2', base + 5],
      ['web-1', base + 6],
      ['worker', base + 7],
    ]);
    expect(first.searchedLogStreams).toEqual([]);
    expect(first.nextToken).toBeUndefined();
    const again = await logs.send(new FilterLogEventsCommand({ logGroupName: 'filter/app' }));
    expect(again.events!.map((e) => e.eventId)).toEqual(first.events!.map((e) => e.eventId));
    expect(new Set(first.events!.map((e) => e.eventId)).size).toBe(7);
    expect(first.events![0]!.eventId).toMatch(/^\d{56}$/);
  });

  it('matches plain terms (all must appear), quoted phrases, ?-alternatives and -exclusions', async () => {
    expect(await match('ERROR')).toEqual(['ERROR connection refused', 'ERROR Exiting after fatal signal']);
    expect(await match('ERROR refused')).toEqual(['ERROR connection refused']);
    expect(await match('"Connection timed out"')).toEqual(['WARN slow response "Connection timed out"']);
    expect(await match('?WARN ?INFO')).toEqual(['WARN slow response "Connection timed out"', 'INFO done']);
    expect(await match('ERROR -Exiting')).toEqual(['ERROR connection refused']);
    expect(await match('error')).toHaveLength(2); // case-sensitive: only the JSON lines say "error"
    expect(await match('""')).toHaveLength(7);
  });

  it('matches JSON patterns: equality, nested fields, numbers, && and ||, wildcards, IS and NOT EXISTS', async () => {
    const paths = async (pattern: string) =>
      (await match(pattern)).map((m) => (JSON.parse(m) as { path: string }).path);
    expect(await paths('{ $.level = "error" }')).toEqual(['/v1/jobs', '/v1/chat']);
    expect(await paths('{ $.user.name != "ada" }')).toEqual(['/health']);
    expect(await paths('{ $.status >= 500 }')).toEqual(['/v1/jobs', '/v1/chat']);
    expect(await paths('{ $.status = 503 }')).toEqual(['/v1/chat']);
    expect(await paths('{ $.status < 500 }')).toEqual(['/health']);
    expect(await paths('{ ($.level = "error") && ($.status > 500) }')).toEqual(['/v1/chat']);
    expect(await paths('{ $.status = 200 || $.status = 500 }')).toEqual(['/health', '/v1/jobs']);
    expect(await paths('{ $.path = "/v1/*" }')).toEqual(['/v1/jobs', '/v1/chat']);
    expect(await paths('{ $.path = /v1/c* }')).toEqual(['/v1/chat']);
    expect(await paths('{ $.cached IS TRUE }')).toEqual(['/health']);
    expect(await paths('{ $.retry IS NULL }')).toEqual(['/v1/jobs']);
    expect(await paths('{ $.retry NOT EXISTS && $.level = "error" }')).toEqual(['/v1/chat']);
    expect(await paths('{ $.missing = "x" }')).toEqual([]);
  });

  it('matches %regex% patterns (AWS syntax: alternatives, classes, quantifiers, no groups)', async () => {
    expect(await match('%^ERROR.[a-z]+|^WARN%')).toEqual([
      'ERROR connection refused',
      'WARN slow response "Connection timed out"',
    ]);
  });

  it('refuses malformed patterns', async () => {
    for (const pattern of ['{ $.level = }', '{ $.level = "x"', '"unterminated', '{ level = "x" }', 'a=b']) {
      expect(await errorOf(match(pattern))).toMatchObject({ name: 'InvalidParameterException' });
    }
  });

  it('limits to streams by name or prefix, and to a time range (both ends included)', async () => {
    expect(await filtered({ logGroupName: 'filter/app', logStreamNames: ['worker'] })).toHaveLength(2);
    expect(await filtered({ logGroupName: 'filter/app', logStreamNamePrefix: 'web-' })).toHaveLength(5);
    expect(
      await filtered({ logGroupName: 'filter/app', startTime: base + 2, endTime: base + 3 }),
    ).toHaveLength(2);
    expect(
      await errorOf(
        filtered({ logGroupName: 'filter/app', logStreamNames: ['worker'], logStreamNamePrefix: 'w' }),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(filtered({ logGroupName: 'filter/none' }))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('pages with nextToken until every event has been returned once', async () => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupName: 'filter/app', limit: 3, nextToken }),
      );
      ids.push(...page.events!.map((e) => e.eventId!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(7);
    expect(await errorOf(filtered({ logGroupName: 'filter/app', nextToken: 'bogus' }))).toMatchObject({
      name: 'InvalidParameterException',
    });
  });
});

describe('tags', () => {
  it('tags a group by name and by ARN', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { a: '1' } }));
    await logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: { b: '2' } }));
    await logs.send(
      new TagResourceCommand({
        resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:tagged',
        tags: { c: '3' },
      }),
    );
    expect((await logs.send(new ListTagsLogGroupCommand({ logGroupName: 'tagged' }))).tags).toEqual({
      a: '1',
      b: '2',
      c: '3',
    });
    await logs.send(new UntagLogGroupCommand({ logGroupName: 'tagged', tags: ['a'] }));
    await logs.send(
      new UntagResourceCommand({
        resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:tagged',
        tagKeys: ['b'],
      }),
    );
    const { tags } = await logs.send(
      new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:tagged' }),
    );
    expect(tags).toEqual({ c: '3' });
    expect(
      await errorOf(
        logs.send(
          new ListTagsForResourceCommand({ resourceArn: 'arn:aws:logs:us-east-1:000000000000:log-group:no' }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('appendEvents (the ECS runtime path)', () => {
  const state = () => t.cloud.store.slice<LogsState>('logs', REGION, initialLogsState);

  it('creates the awslogs stream on demand and stores events in time order, whatever order they come in', async () => {
    await group('runtime/app');
    const now = Date.now();
    ensureLogStream(state(), 'runtime/app', 'app/web/task1');
    appendEvents(state(), 'runtime/app', 'app/web/task1', [
      { timestamp: now - 10, message: 'second' },
      { timestamp: now - 20, message: 'first' },
    ]);
    const { events } = await logs.send(
      new GetLogEventsCommand({
        logGroupName: 'runtime/app',
        logStreamName: 'app/web/task1',
        startFromHead: true,
      }),
    );
    expect(events!.map((e) => e.message)).toEqual(['first', 'second']);
    expect(() => appendEvents(state(), 'runtime/none', 's', [{ timestamp: now, message: 'x' }])).toThrow(
      'The specified log group does not exist.',
    );
  });
});

describe('persistence', () => {
  it('keeps groups, retention, streams and events (with their ids) across a restart', async () => {
    await group('persist/app', 's');
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: 'persist/app', retentionInDays: 7 }));
    await put('persist/app', 's', [[Date.now(), 'survives']]);
    const before = await logs.send(new FilterLogEventsCommand({ logGroupName: 'persist/app' }));
    await t.stop();
    await t.restart();
    logs.destroy();
    logs = new CloudWatchLogsClient(t.clientConfig);
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: 'persist/app' }),
    );
    expect(logGroups![0]!.retentionInDays).toBe(7);
    const after = await logs.send(new FilterLogEventsCommand({ logGroupName: 'persist/app' }));
    expect(after.events).toEqual(before.events);
    await put('persist/app', 's', [[Date.now(), 'after restart']]);
    const ids = (await logs.send(new FilterLogEventsCommand({ logGroupName: 'persist/app' }))).events!.map(
      (e) => e.eventId,
    );
    expect(new Set(ids).size).toBe(2);
  });
});

describe.skipIf(!awsCliAvailable)('AWS CLI', () => {
  it('filter-log-events with a JSON pattern', async () => {
    await group('cli/filter', 'app');
    await put('cli/filter', 'app', [
      [Date.now() - 2, JSON.stringify({ level: 'info', msg: 'ready' })],
      [Date.now() - 1, JSON.stringify({ level: 'error', msg: 'gemini unavailable' })],
    ]);
    const { json } = await t.aws([
      'logs',
      'filter-log-events',
      '--log-group-name',
      'cli/filter',
      '--filter-pattern',
      '{ $.level = "error" }',
    ]);
    const events = (json as { events: Array<{ message: string; logStreamName: string }> }).events;
    expect(events.map((e) => [e.logStreamName, JSON.parse(e.message)])).toEqual([
      ['app', { level: 'error', msg: 'gemini unavailable' }],
    ]);
  });

  it('logs tail prints the group events of every stream in time order', async () => {
    await group('cli/tail', 'app/web/1', 'app/web/2');
    const now = Date.now();
    await put('cli/tail', 'app/web/1', [[now - 3000, 'started on port 8080']]);
    await put('cli/tail', 'app/web/2', [[now - 2000, 'GET /health 200']]);
    await put('cli/tail', 'app/web/1', [[now - 1000, 'POST /v1/chat 200']]);
    const { stdout } = await t.aws(['logs', 'tail', 'cli/tail', '--since', '10m', '--format', 'short']);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'started on port 8080',
      'GET /health 200',
      'POST /v1/chat 200',
    ]);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d /);
  });

  it('logs tail --follow prints events as they arrive, each once', async () => {
    await group('cli/follow', 'app');
    await put('cli/follow', 'app', [[Date.now(), 'before follow']]);
    const child = spawn(
      AWS_CLI,
      [
        '--endpoint-url',
        t.cloud.url,
        'logs',
        'tail',
        'cli/follow',
        '--follow',
        '--since',
        '10m',
        '--format',
        'short',
      ],
      { env: awsCliEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const printed = (text: string) =>
      expect.poll(() => output, { timeout: 30_000, interval: 200 }).toContain(text);
    try {
      await printed('before follow');
      await put('cli/follow', 'app', [[Date.now(), 'while following']]);
      await printed('while following');
      await put('cli/follow', 'app', [[Date.now(), 'and once more']]);
      await printed('and once more');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    const messages = output
      .trim()
      .split('\n')
      .map((l) => l.replace(/^\S+ /, ''));
    expect(messages).toEqual(['before follow', 'while following', 'and once more']);
  });
});
