/**
 * CloudWatch Logs transformers (PutTransformer, GetTransformer, DeleteTransformer,
 * TestTransformer) from the API reference and the user guide's processor examples: events are
 * transformed as they are ingested, and the transformed event is what GetLogEvents,
 * FilterLogEvents and Logs Insights see; the account's TRANSFORMER_POLICY applies where a group
 * has none. SDK only: the AWS CLI 2.9 predates transformers.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteAccountPolicyCommand,
  DeleteTransformerCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  GetTransformerCommand,
  type Processor,
  PutAccountPolicyCommand,
  PutDataProtectionPolicyCommand,
  PutLogEventsCommand,
  PutTransformerCommand,
  StartQueryCommand,
  TestTransformerCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud, type TestCloud } from '../harness.ts';

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

async function transformed(transformerConfig: Processor[], logEventMessages: string[]) {
  const { transformedLogs } = await logs.send(
    new TestTransformerCommand({ transformerConfig, logEventMessages }),
  );
  return transformedLogs!.map((l) => l.transformedEventMessage);
}

async function groupWithStream(group: string) {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' }));
}

async function put(group: string, messages: string[]) {
  const now = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: 's',
      logEvents: messages.map((message) => ({ timestamp: now, message })),
    }),
  );
}

async function read(group: string) {
  const { events } = await logs.send(
    new GetLogEventsCommand({ logGroupName: group, logStreamName: 's', startFromHead: true }),
  );
  return events!.map((e) => e.message);
}

describe('TestTransformer', () => {
  it("answers the user guide's processor examples", async () => {
    const nested = '{"outer_key": {"inner_key": "inner_value"}}';
    expect(await transformed([{ parseJSON: { destination: 'new_key' } }], [nested])).toEqual([
      '{"new_key":{"outer_key":{"inner_key":"inner_value"}}}',
    ]);
    expect(
      await transformed(
        [{ parseJSON: {} }, { addKeys: { entries: [{ key: 'outer_key.new_key', value: 'new_value' }] } }],
        [nested],
      ),
    ).toEqual(['{"outer_key":{"inner_key":"inner_value","new_key":"new_value"}}']);
    expect(
      await transformed([{ parseJSON: {} }, { deleteKeys: { withKeys: ['outer_key.inner_key'] } }], [nested]),
    ).toEqual(['{"outer_key":{}}']);
    expect(
      await transformed(
        [
          {
            parseKeyValue: {
              destination: 'new_key',
              fieldDelimiter: '!',
              keyValueDelimiter: ':',
              nonMatchValue: 'defaultValue',
              keyPrefix: 'parsed_',
            },
          },
        ],
        ['key1:value1!key2:value2!key3:value3!key4'],
      ),
    ).toEqual([
      '{"new_key":{"parsed_key1":"value1","parsed_key2":"value2","parsed_key3":"value3","parsed_key4":"defaultValue"}}',
    ]);
    expect(
      await transformed(
        [
          {
            grok: {
              match: '%{NUMBER:version} %{HOSTNAME:hostname} %{NOTSPACE:status} %{QUOTEDSTRING:logMsg}',
            },
          },
        ],
        ['293750 server-01.internal-network.local OK "[Thread-000] token generated"'],
      ),
    ).toEqual([
      JSON.stringify({
        version: '293750',
        hostname: 'server-01.internal-network.local',
        status: 'OK',
        logMsg: '"[Thread-000] token generated"',
      }),
    ]);
    // Keys are data: __proto__ is a key like any other.
    expect(await transformed([{ parseKeyValue: {} }], ['__proto__=x&a=1'])).toEqual([
      '{"__proto__":"x","a":"1"}',
    ]);
    expect(
      await transformed([{ csv: { columns: ['user', 'action'] } }], ['alice,"logged in, twice"']),
    ).toEqual(['{"user":"alice","action":"logged in, twice"}']);
  });

  it('chains the string and JSON mutators, and numbers each event', async () => {
    const config: Processor[] = [
      { parseJSON: {} },
      { renameKeys: { entries: [{ key: 'lvl', renameTo: 'level' }] } },
      { upperCaseString: { withKeys: ['level'] } },
      { trimString: { withKeys: ['msg'] } },
      { lowerCaseString: { withKeys: ['msg'] } },
      { copyValue: { entries: [{ source: 'msg', target: 'meta.original' }] } },
      { moveKeys: { entries: [{ source: 'ms', target: 'meta.durationMs' }] } },
      { typeConverter: { entries: [{ key: 'meta.durationMs', type: 'integer' }] } },
      { substituteString: { entries: [{ source: 'path', from: '\\d+', to: '{id}' }] } },
      { splitString: { entries: [{ source: 'tags', delimiter: ',' }] } },
    ];
    const { transformedLogs } = await logs.send(
      new TestTransformerCommand({
        transformerConfig: config,
        logEventMessages: [
          '{"lvl":"warn","msg":"  Slow Request ","ms":"1250","path":"/users/42/orders/7","tags":"a,b"}',
          'not json',
        ],
      }),
    );
    expect(transformedLogs).toEqual([
      {
        eventNumber: 1,
        eventMessage:
          '{"lvl":"warn","msg":"  Slow Request ","ms":"1250","path":"/users/42/orders/7","tags":"a,b"}',
        transformedEventMessage: JSON.stringify({
          msg: 'slow request',
          path: '/users/{id}/orders/{id}',
          tags: ['a', 'b'],
          level: 'WARN',
          meta: { original: 'slow request', durationMs: 1250 },
        }),
      },
      // What the first parser cannot parse is kept as it came.
      { eventNumber: 2, eventMessage: 'not json', transformedEventMessage: 'not json' },
    ]);
  });

  it('refuses configurations as AWS does, naming the processor', async () => {
    const refused = (transformerConfig: Processor[]) =>
      errorOf(logs.send(new TestTransformerCommand({ transformerConfig, logEventMessages: ['x'] })));
    expect(await refused([{ lowerCaseString: { withKeys: ['a'] } }])).toEqual({
      name: 'InvalidParameterException',
      message: 'The first processor in a transformer must be a parser, not lowerCaseString.',
    });
    expect(await refused([{ grok: { match: '%{WORD:a}' } }, { grok: { match: '%{WORD:b}' } }])).toEqual({
      name: 'InvalidParameterException',
      message: 'A transformer can include only one grok processor.',
    });
    expect(await refused([{ parseVPC: {} }])).toEqual({
      name: 'InvalidParameterException',
      message: 'The processor parseVPC is not supported by the local cloud.',
    });
    expect(await refused([{ grok: { match: '%{NO_SUCH_PATTERN:a}' } }])).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining(
        'grok: the pattern NO_SUCH_PATTERN is not one the local cloud supports',
      ),
    });
    expect(
      await refused([{ parseJSON: {} }, { addKeys: { entries: [{ key: 'a.b.c.d', value: 'x' }] } }]),
    ).toMatchObject({ message: 'addKeys: the key a.b.c.d is nested more than 3 levels deep.' });
    expect(await refused([{ parseJSON: {}, csv: {} }])).toMatchObject({ name: 'InvalidParameterException' });
    // The model's limits: at most 20 processors.
    expect(await refused(Array.from({ length: 21 }, () => ({ parseJSON: {} })))).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('Member must have length less than or equal to 20'),
    });
  });
});

describe('PutTransformer', () => {
  const config: Processor[] = [
    { grok: { match: '%{LOGLEVEL:level} %{GREEDYDATA:message}' } },
    { lowerCaseString: { withKeys: ['level'] } },
  ];

  it('transforms events at ingestion: read, filtered and queried transformed', async () => {
    await groupWithStream('tf/app');
    await put('tf/app', ['ERROR before the transformer']);
    await logs.send(new PutTransformerCommand({ logGroupIdentifier: 'tf/app', transformerConfig: config }));
    const got = await logs.send(new GetTransformerCommand({ logGroupIdentifier: 'tf/app' }));
    expect(got).toMatchObject({
      logGroupIdentifier: 'tf/app',
      transformerConfig: config,
      creationTime: expect.any(Number),
      lastModifiedTime: expect.any(Number),
    });
    await put('tf/app', ['ERROR disk full', 'INFO started']);
    expect(await read('tf/app')).toEqual([
      'ERROR before the transformer',
      '{"level":"error","message":"disk full"}',
      '{"level":"info","message":"started"}',
    ]);
    const { events } = await logs.send(
      new FilterLogEventsCommand({ logGroupName: 'tf/app', filterPattern: '{ $.level = "error" }' }),
    );
    expect(events!.map((e) => e.message)).toEqual(['{"level":"error","message":"disk full"}']);

    const now = Math.floor(Date.now() / 1000);
    const { queryId } = await logs.send(
      new StartQueryCommand({
        logGroupName: 'tf/app',
        startTime: now - 3600,
        endTime: now + 60,
        queryString: 'filter level = "info" | fields message',
      }),
    );
    let output: GetQueryResultsCommandOutput;
    do output = await logs.send(new GetQueryResultsCommand({ queryId }));
    while (output.status === 'Running' || output.status === 'Scheduled');
    expect(output.results).toEqual([[{ field: 'message', value: 'started' }, expect.anything()]]);

    await logs.send(new DeleteTransformerCommand({ logGroupIdentifier: 'tf/app' }));
    await put('tf/app', ['WARN after']);
    expect((await read('tf/app')).at(-1)).toBe('WARN after');
    expect(
      await errorOf(logs.send(new GetTransformerCommand({ logGroupIdentifier: 'tf/app' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(
      await errorOf(logs.send(new DeleteTransformerCommand({ logGroupIdentifier: 'tf/app' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('is refused on a missing group and on an Infrequent Access group', async () => {
    expect(
      await errorOf(
        logs.send(new PutTransformerCommand({ logGroupIdentifier: 'tf/none', transformerConfig: config })),
      ),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tf/ia', logGroupClass: 'INFREQUENT_ACCESS' }));
    expect(
      await errorOf(
        logs.send(new PutTransformerCommand({ logGroupIdentifier: 'tf/ia', transformerConfig: config })),
      ),
    ).toMatchObject({ name: 'InvalidOperationException' });
  });

  it('runs before data protection: the transformed event is what is masked', async () => {
    await groupWithStream('tf/masked');
    await logs.send(
      new PutTransformerCommand({
        logGroupIdentifier: 'tf/masked',
        transformerConfig: [{ parseKeyValue: {} }],
      }),
    );
    const identifiers = ['arn:aws:dataprotection::aws:data-identifier/EmailAddress'];
    await logs.send(
      new PutDataProtectionPolicyCommand({
        logGroupIdentifier: 'tf/masked',
        policyDocument: JSON.stringify({
          Name: 'p',
          Version: '2021-06-01',
          Statement: [
            { DataIdentifier: identifiers, Operation: { Audit: { FindingsDestination: {} } } },
            { DataIdentifier: identifiers, Operation: { Deidentify: { MaskConfig: {} } } },
          ],
        }),
      }),
    );
    await put('tf/masked', ['user=a@example.com&status=ok']);
    expect(await read('tf/masked')).toEqual(['{"user":"*************","status":"ok"}']);
  });
});

describe('account transformer policies', () => {
  it('transform the groups their prefixes select, unless the group has its own transformer', async () => {
    await groupWithStream('acct-tf/one');
    await groupWithStream('acct-tf/own');
    await groupWithStream('other/group');
    await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'kv',
        policyType: 'TRANSFORMER_POLICY',
        selectionCriteria: 'LogGroupNamePrefix IN ["acct-tf/"]',
        policyDocument: JSON.stringify({ transformerConfig: [{ parseKeyValue: {} }] }),
      }),
    );
    try {
      await logs.send(
        new PutTransformerCommand({
          logGroupIdentifier: 'acct-tf/own',
          transformerConfig: [{ parseKeyValue: { keyPrefix: 'own_' } }],
        }),
      );
      for (const group of ['acct-tf/one', 'acct-tf/own', 'other/group']) await put(group, ['a=1&b=2']);
      expect(await read('acct-tf/one')).toEqual(['{"a":"1","b":"2"}']);
      expect(await read('acct-tf/own')).toEqual(['{"own_a":"1","own_b":"2"}']);
      expect(await read('other/group')).toEqual(['a=1&b=2']);
      // Its document is checked as PutTransformer's configuration is.
      expect(
        await errorOf(
          logs.send(
            new PutAccountPolicyCommand({
              policyName: 'bad',
              policyType: 'TRANSFORMER_POLICY',
              policyDocument: JSON.stringify({ transformerConfig: [{ grok: {} }] }),
            }),
          ),
        ),
      ).toMatchObject({ name: 'InvalidParameterException' });
    } finally {
      await logs.send(new DeleteAccountPolicyCommand({ policyName: 'kv', policyType: 'TRANSFORMER_POLICY' }));
    }
  });
});
