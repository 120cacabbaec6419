/** Running queries over events: AWS's semantics for each command, default order and limit, and bounds. */
import { describe, expect, it } from 'vitest';
import { eventIdFor } from '../../../../../src/cloud/services/logs/events.ts';
import type { Query } from '../../../../../src/cloud/services/logs/insights/ast.ts';
import {
  type EventRange,
  failure,
  globCaptures,
  MAX_HELD_ROWS,
  QueryExecution,
} from '../../../../../src/cloud/services/logs/insights/execute.ts';
import { parseQuery } from '../../../../../src/cloud/services/logs/insights/parser.ts';

/** A whole query at once (the cloud runs it a slice at a time: insights/queries.ts). */
function runQuery(query: Query, ranges: EventRange[], limit?: number, maxHeldRows = MAX_HELD_ROWS) {
  const execution = new QueryExecution(query, ranges, limit, maxHeldRows);
  try {
    execution.advance(() => false);
    return { status: 'Complete' as const, results: execution.finish() };
  } catch (error) {
    return failure(error);
  }
}

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function ranges(messages: Array<string | object>, stream = 'api/api/1', step = 20_000) {
  const events = messages.map((m, i) => ({
    timestamp: T0 + i * step,
    message: typeof m === 'string' ? m : JSON.stringify(m),
    ingestionTime: T0 + i * step + 5,
    eventId: eventIdFor(T0 + i * step, i + 1),
  }));
  return [{ events, source: { group: '/ecs/api', log: '000000000000:/ecs/api', logStream: stream } }];
}

/** The results as plain objects, without @ptr. */
function run(query: string, messages: Array<string | object>, limit?: number) {
  const outcome = runQuery(parseQuery(query), ranges(messages), limit);
  if (outcome.status !== 'Complete') throw new Error(`${outcome.status}: ${outcome.reason}`);
  return outcome.results.map((row) =>
    Object.fromEntries(row.filter((f) => f.field !== '@ptr').map((f) => [f.field, f.value])),
  );
}

const LOGS = [
  { level: 'info', msg: 'request', status: 200, durationMs: 12, req: { method: 'GET', path: '/health' } },
  {
    level: 'error',
    msg: 'gemini failed',
    status: 502,
    durationMs: 500,
    req: { method: 'POST', path: '/v1/chat' },
  },
  { level: 'info', msg: 'request', status: 404, durationMs: 3, req: { method: 'GET', path: '/nope' } },
  {
    level: 'error',
    msg: 'timeout',
    status: 504,
    durationMs: 30_000,
    req: { method: 'POST', path: '/v1/chat' },
  },
  { level: 'warn', msg: 'slow', status: 200, durationMs: 900, tags: ['a', 'b'] },
  'plain text line: user=bob, method:GET, latency := 42',
];

describe('runQuery', () => {
  it("counts the service's errors per minute (the brief's query)", () => {
    expect(
      run("fields @timestamp, level, msg | filter level = 'error' | stats count(*) by bin(1m)", LOGS),
    ).toEqual([
      { 'bin(1m)': '2026-01-01 12:01:00.000', 'count(*)': '1' },
      { 'bin(1m)': '2026-01-01 12:00:00.000', 'count(*)': '1' },
    ]);
  });

  it('returns events newest first by default, with the fields asked for and nested JSON fields by dots', () => {
    expect(
      run('fields @timestamp, req.path, tags.1 | filter ispresent(req.method) or ispresent(tags.0)', LOGS),
    ).toEqual([
      { '@timestamp': '2026-01-01 12:01:20.000', 'tags.1': 'b' },
      { '@timestamp': '2026-01-01 12:01:00.000', 'req.path': '/v1/chat' },
      { '@timestamp': '2026-01-01 12:00:40.000', 'req.path': '/nope' },
      { '@timestamp': '2026-01-01 12:00:20.000', 'req.path': '/v1/chat' },
      { '@timestamp': '2026-01-01 12:00:00.000', 'req.path': '/health' },
    ]);
  });

  it('shows every field of an event when the query names none', () => {
    const [row] = run("filter msg = 'slow'", LOGS);
    expect(row).toMatchObject({
      '@message': JSON.stringify(LOGS[4]),
      '@logStream': 'api/api/1',
      '@log': '000000000000:/ecs/api',
    });
    expect(row).toMatchObject({
      level: 'warn',
      status: '200',
      'tags.0': 'a',
      '@ingestionTime': '2026-01-01 12:01:20.005',
    });
  });

  it.each([
    ['status >= 500', 2],
    ['status != 200', 3],
    ['status < 200 or status > 500', 2],
    ['durationMs / 1000 >= 0.5 and not level = "warn"', 2],
    ["msg like 'fail'", 1],
    ['msg like /^t.*t$/', 1],
    ['msg =~ /GEMINI/i', 1],
    ['msg not like /request/', 3],
    ["level in ['warn', 'error']", 3],
    ["level not in ['info']", 3],
    ['ispresent(tags.0)', 1],
    ['not ispresent(status)', 1],
    ['status % 100 = 4', 2],
    ['strlen(msg) > 6 and toupper(level) = "ERROR"', 2],
    ['-durationMs < -1000', 1],
    ['2 ^ 3 = 8 and status = 200', 2],
  ])('filter %s matches %i events', (filter, count) => {
    expect(run(`filter ${filter}`, LOGS)).toHaveLength(count);
  });

  it('computes stats by fields: count, sum, avg, min, max, pct, count_distinct, stddev', () => {
    const rows = run(
      'filter ispresent(level) | stats count(*) as n, count(req.path) as withPath, sum(durationMs), avg(durationMs), ' +
        'min(status), max(status), pct(durationMs, 50), count_distinct(req.path), stddev(status) by level | sort level',
      LOGS,
    );
    expect(rows).toEqual([
      {
        level: 'error',
        n: '2',
        withPath: '2',
        'sum(durationMs)': '30500',
        'avg(durationMs)': '15250',
        'min(status)': '502',
        'max(status)': '504',
        'pct(durationMs, 50)': '500',
        'count_distinct(req.path)': '1',
        'stddev(status)': '1.4142135623731',
      },
      {
        level: 'info',
        n: '2',
        withPath: '2',
        'sum(durationMs)': '15',
        'avg(durationMs)': '7.5',
        'min(status)': '200',
        'max(status)': '404',
        'pct(durationMs, 50)': '3',
        'count_distinct(req.path)': '2',
        'stddev(status)': '144.249783362056',
      },
      {
        level: 'warn',
        n: '1',
        withPath: '0',
        'sum(durationMs)': '900',
        'avg(durationMs)': '900',
        'min(status)': '200',
        'max(status)': '200',
        'pct(durationMs, 50)': '900',
        'count_distinct(req.path)': '0',
        'stddev(status)': '0',
      },
    ]);
  });

  it('sorts ascending and descending on several keys, absent values last, then limits', () => {
    expect(run('fields msg, status | sort status desc, msg asc | limit 3', LOGS)).toEqual([
      { msg: 'timeout', status: '504' },
      { msg: 'gemini failed', status: '502' },
      { msg: 'request', status: '404' },
    ]);
    expect(run('fields status | sort status asc', LOGS).at(-1)).toEqual({});
  });

  it('parses with a glob and with a regex, and keeps events that do not match without the fields', () => {
    expect(
      run(
        'parse @message "user=*, method:*, latency := *" as user, method, latency | filter latency > 40 | display user, method, latency',
        LOGS,
      ),
    ).toEqual([{ user: 'bob', method: 'GET', latency: '42' }]);
    expect(run('parse @message /user=(?<user>\\w+)/ | stats count(*) by user', LOGS)).toEqual([
      { user: 'bob', 'count(*)': '1' },
      { 'count(*)': '5' },
    ]);
    expect(globCaptures(['[', '] ', ''], 'x [ERROR] disk full')).toEqual(['ERROR', 'disk full']);
    expect(globCaptures(['a=', ' b='], 'no match')).toBeUndefined();
  });

  it('keeps the first of each duplicate with dedup, in the order in force', () => {
    expect(run('fields level | filter ispresent(level) | dedup level', LOGS)).toEqual([
      { level: 'warn' },
      { level: 'error' },
      { level: 'info' },
    ]);
  });

  it('computes fields from earlier fields, functions and times', () => {
    expect(
      run(
        "filter msg = 'slow' | fields durationMs / 1000 as seconds, seconds * 2 as twice, concat(level, '-', status) as tag, " +
          'datefloor(@timestamp, 1h) as hour, substr(msg, 1, 2) as part, replace(msg, "s", "S") as big, coalesce(nothing, level) as c, ' +
          'greatest(1, status, 7) as g, tomillis(@timestamp) as ms',
        LOGS,
      ),
    ).toEqual([
      {
        seconds: '0.9',
        twice: '1.8',
        tag: 'warn-200',
        hour: '2026-01-01 12:00:00.000',
        part: 'lo',
        big: 'Slow',
        c: 'warn',
        g: '200',
        ms: String(T0 + 80_000),
      },
    ]);
  });

  it('runs a second stats over the first one’s rows', () => {
    expect(run('stats count(*) as n by level | stats sum(n) as total, count(*) as levels', LOGS)).toEqual([
      { total: '6', levels: '4' },
    ]);
  });

  it("caps results at the query's limit (AWS's default 10,000)", () => {
    const many = Array.from({ length: 10_050 }, (_, i) => ({ i }));
    expect(run('fields i', many)).toHaveLength(10_000);
    expect(run('fields i', many, 7).map((r) => r.i)).toEqual([
      '10049',
      '10048',
      '10047',
      '10046',
      '10045',
      '10044',
      '10043',
    ]);
    expect(run('fields i | sort i asc | limit 2', many)).toEqual([{ i: '0' }, { i: '1' }]);
  });

  it('fails a query that would hold more rows than its bound instead of taking the memory', () => {
    const many = Array.from({ length: 30_010 }, (_, i) => `e${i}`);
    const query = parseQuery('sort @message | filter @message like "e1"');
    expect(runQuery(query, ranges(many, 's', 1), undefined, 30_000)).toEqual({
      status: 'Failed',
      reason: expect.stringMatching(/more than 30000 rows/),
    });
    expect(runQuery(query, ranges(many, 's', 1), undefined, 40_000).status).toBe('Complete');
  });
});
