/**
 * `devkit logs --query` through the real CLI against an in-process local cloud: a Logs Insights
 * query over the stage's log group, its progress on stderr and its results as a table on stdout
 * (or JSON rows); a malformed query is one line with the cloud's MalformedQueryException wording.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStack } from '../../src/stack/load.ts';
import { startTestCloud, type TestCloud } from '../cloud/harness.ts';
import { runCli, runCliOnTerminal } from './run-cli.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;
const logGroupName = loadStack(stackFile, { stage: 'dev', env: {} }).config.logs.group;

describe('devkit logs --query', () => {
  let cloud: TestCloud;
  const cli = (...args: string[]) => runCli([...args, '--endpoint', cloud.cloud.url]);

  beforeAll(async () => {
    cloud = await startTestCloud();
    const logs = new CloudWatchLogsClient(cloud.clientConfig);
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'iscoolgpt/iscoolgpt/t1' }));
    const now = Date.now();
    const access = (path: string, status: number, durationMs: number) =>
      JSON.stringify({
        level: 30,
        event: 'access',
        method: 'POST',
        path,
        status,
        durationMs,
        msg: 'request',
      });
    await logs.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName: 'iscoolgpt/iscoolgpt/t1',
        logEvents: [
          { timestamp: now - 7_200_000, message: access('/v1/chat', 500, 900) },
          { timestamp: now - 240_000, message: access('/v1/chat', 200, 120) },
          { timestamp: now - 180_000, message: access('/v1/chat', 502, 480) },
          { timestamp: now - 120_000, message: access('/v1/chat', 200, 80) },
          { timestamp: now - 60_000, message: access('/health', 200, 1) },
        ],
      }),
    );
    logs.destroy();
  });
  afterAll(async () => {
    await cloud.dispose();
  });

  it('prints the results as a table, within --since, progress on stderr', async () => {
    const run = await cli(
      'logs',
      '--query',
      'filter path = "/v1/chat" | stats count(*) as requests, avg(durationMs) as avgMs by status | sort status',
      '--since',
      '1h',
    );
    expect(run.stderr).toMatch(/^query Complete: 3 of 4 records matched/m);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      'status  requests  avgMs',
      '200     2         100',
      '502     1         480',
    ]);
  });

  it('--json prints one object per row; the default window is the last 10 minutes', async () => {
    const run = await cli(
      'logs',
      '--query',
      'fields status, durationMs | sort durationMs desc | limit 2',
      '--json',
    );
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { status: '502', durationMs: '480' },
      { status: '200', durationMs: '120' },
    ]);
  });

  it('draws its progress in place on a terminal', async () => {
    const run = await runCliOnTerminal([
      'logs',
      '--query',
      'stats count(*) as n',
      '--endpoint',
      cloud.cloud.url,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('\r\x1b[Kquery Complete: 4 of 4 records matched');
    expect(run.stdout).toMatch(/^n\s*\r?\n4\s*$/m);
  });

  it('a malformed query, an empty one, or one with --follow: one clear line, exit 1', async () => {
    const malformed = await cli('logs', '--query', 'fields @message | stats count(*) by');
    expect(malformed.code).toBe(1);
    // Under the line naming the cloud, one line: the cloud's MalformedQueryException message.
    const lines = malformed.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^cloud: local at /);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^error: malformed query: .+ at line 1 and position \d+$/),
    ]);
    const empty = await cli('logs', '--query', ' ');
    expect(empty.stderr.trim()).toBe('error: --query needs a Logs Insights query');
    const follow = await cli('logs', '--query', 'stats count(*)', '-f');
    expect(follow.stderr.trim()).toBe('error: --query cannot be combined with --follow');
    expect(follow.code).toBe(1);
  });
});
