/**
 * CloudWatch Logs Live Tail (StartLiveTail) through the real SDK over real HTTP: the SDK sends it
 * to the endpoint's `stream-` host prefix and reads the event stream's frames as events are written
 * (sessionStart, then a sessionUpdate a second); the filter pattern is FilterLogEvents' matcher;
 * a client that disconnects leaves no session behind (the 15-session quota is free again). The
 * three-hour timeout is checked on the session's own events with a short duration. The Debian AWS
 * CLI 2.9 predates Live Tail.
 */
import { Agent } from 'node:http';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  StartLiveTailCommand,
  type StartLiveTailCommandInput,
  type StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveTailEvents } from '../../../src/cloud/services/logs/live-tail.ts';
import { initialLogsState } from '../../../src/cloud/services/logs/index.ts';
import { errorOf, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let logs: CloudWatchLogsClient;
/** Through `stream-localhost:<port>`, the host the SDK addresses: `*.localhost` is the loopback (RFC 6761). */
let prefixed: CloudWatchLogsClient;

beforeAll(async () => {
  t = await startTestCloud();
  // `stream-127.0.0.1` resolves nowhere: with an IP endpoint the SDK must not prefix the host.
  logs = new CloudWatchLogsClient({ ...t.clientConfig, disableHostPrefix: true });
  const loopback = new Agent({
    keepAlive: true,
    lookup: (hostname, options, callback) => {
      const answer = callback as unknown as (
        error: Error | null,
        address: string | Array<{ address: string; family: number }>,
        family?: number,
      ) => void;
      if (!hostname.endsWith('localhost')) answer(new Error(`no lookup of ${hostname} in tests`), '');
      else if ((options as { all?: boolean }).all) answer(null, [{ address: '127.0.0.1', family: 4 }]);
      else answer(null, '127.0.0.1', 4);
    },
  });
  prefixed = new CloudWatchLogsClient({
    ...t.clientConfig,
    endpoint: t.cloud.url.replace('127.0.0.1', 'localhost'),
    requestHandler: { httpAgent: loopback },
  });
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'tail/app' }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: 'tail/other' }));
  for (const stream of ['web-1', 'worker-1']) {
    await logs.send(new CreateLogStreamCommand({ logGroupName: 'tail/app', logStreamName: stream }));
  }
});
afterAll(async () => {
  logs.destroy();
  prefixed.destroy();
  await t.dispose();
});

const write = (stream: string, ...messages: string[]) =>
  logs.send(
    new PutLogEventsCommand({
      logGroupName: 'tail/app',
      logStreamName: stream,
      logEvents: messages.map((message) => ({ timestamp: Date.now(), message })),
    }),
  );

/** A started session: its frames as the SDK reads them, and the way to hang up. */
async function tail(input: StartLiveTailCommandInput, client = logs) {
  const hangUp = new AbortController();
  const { responseStream } = await client.send(new StartLiveTailCommand(input), {
    abortSignal: hangUp.signal,
  });
  const frames = responseStream![Symbol.asyncIterator]();
  const next = async (): Promise<StartLiveTailResponseStream> => {
    const { value, done } = await frames.next();
    if (done) throw new Error('the stream ended');
    return value;
  };
  return { next, hangUp: () => hangUp.abort() };
}

describe('StartLiveTail', () => {
  it('streams a session start, then updates each second with the new events that match', async () => {
    const groupArn = 'arn:aws:logs:us-east-1:000000000000:log-group:tail/app';
    const session = await tail(
      { logGroupIdentifiers: [groupArn], logEventFilterPattern: '%ERRO?R?%' },
      prefixed,
    );
    const start = await session.next();
    expect(start.sessionStart).toMatchObject({
      logGroupIdentifiers: [groupArn],
      logEventFilterPattern: '%ERRO?R?%',
      sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      requestId: expect.any(String),
    });
    // Nothing written yet: an update with no results.
    expect((await session.next()).sessionUpdate).toEqual({
      sessionMetadata: { sampled: false },
      sessionResults: [],
    });
    await write('web-1', 'INFO ready', 'ERROR db down');
    await write('worker-1', 'ERR queue full');
    const seen: string[] = [];
    while (seen.length < 2) {
      const { sessionUpdate } = await session.next();
      for (const event of sessionUpdate!.sessionResults!) {
        expect(event).toMatchObject({
          logGroupIdentifier: groupArn,
          logStreamName: expect.stringMatching(/^(web|worker)-1$/),
          timestamp: expect.any(Number),
          ingestionTime: expect.any(Number),
        });
        seen.push(event.message!);
      }
    }
    expect(seen.sort()).toEqual(['ERR queue full', 'ERROR db down']);
    session.hangUp();
  });

  it('follows only the streams named or prefixed, with the filter-pattern grammar', async () => {
    const session = await tail({
      logGroupIdentifiers: ['tail/app'],
      logStreamNamePrefixes: ['worker'],
      logEventFilterPattern: '"job done"',
    });
    expect((await session.next()).sessionStart).toMatchObject({
      logGroupIdentifiers: ['tail/app'],
      logStreamNamePrefixes: ['worker'],
    });
    await write('web-1', 'job done on web');
    await write('worker-1', 'job done here', 'job failed');
    let results: string[] = [];
    while (results.length === 0) {
      results = (await session.next()).sessionUpdate!.sessionResults!.map((e) => e.message!);
    }
    expect(results).toEqual(['job done here']);
    session.hangUp();
  });

  it('refuses what the reference refuses, before any stream', async () => {
    expect(
      await errorOf(logs.send(new StartLiveTailCommand({ logGroupIdentifiers: ['tail/none'] }))),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    expect(
      await errorOf(
        logs.send(
          new StartLiveTailCommand({
            logGroupIdentifiers: ['tail/app', 'tail/other'],
            logStreamNames: ['web-1'],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(
        logs.send(
          new StartLiveTailCommand({
            logGroupIdentifiers: ['tail/app'],
            logStreamNames: ['web-1'],
            logStreamNamePrefixes: ['w'],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(
        logs.send(
          new StartLiveTailCommand({
            logGroupIdentifiers: ['arn:aws:logs:us-east-1:000000000000:log-group:tail/app:*'],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(
        logs.send(
          new StartLiveTailCommand({ logGroupIdentifiers: ['tail/app'], logEventFilterPattern: '{ $.a = ' }),
        ),
      ),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/^Invalid filter pattern/),
    });
  });

  it('keeps at most 15 sessions, and a disconnected client leaves none behind', async () => {
    const sessions = [];
    for (let i = 0; i < 15; i++) {
      const session = await tail({ logGroupIdentifiers: ['tail/other'] });
      await session.next();
      sessions.push(session);
    }
    expect(await errorOf(tail({ logGroupIdentifiers: ['tail/other'] }))).toMatchObject({
      name: 'LimitExceededException',
    });
    for (const session of sessions) session.hangUp();
    // The server sees each socket close a moment later; then the quota is free again.
    let again: Awaited<ReturnType<typeof tail>> | undefined;
    for (let attempt = 0; attempt < 50 && !again; attempt++) {
      again = await tail({ logGroupIdentifiers: ['tail/other'] }).catch(async (error: Error) => {
        if (error.name !== 'LimitExceededException') throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    expect((await again!.next()).sessionStart).toBeDefined();
    again!.hangUp();
  });

  it('ends a session with SessionTimeoutException when its time is up', async () => {
    const state = initialLogsState();
    const stop = new AbortController();
    const session = {
      requestId: 'r',
      groups: new Map([['g', 'g']]),
      matches: () => true,
    };
    const events = [];
    for await (const event of liveTailEvents(state, session, stop.signal, 1_500)) events.push(event);
    expect(events[0]).toMatchObject({ sessionStart: { logGroupIdentifiers: ['g'] } });
    // However many seconds the loaded machine let pass, each was an (empty) update.
    for (const update of events.slice(1, -1)) {
      expect(update).toEqual({ sessionUpdate: { sessionMetadata: { sampled: false }, sessionResults: [] } });
    }
    expect(events.at(-1)).toEqual({
      SessionTimeoutException: { message: 'Live Tail session timed out after 3 hours.' },
    });
  });
});
