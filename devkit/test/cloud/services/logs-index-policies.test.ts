/**
 * CloudWatch Logs field index policies (PutIndexPolicy, DescribeIndexPolicies, DeleteIndexPolicy)
 * and DescribeFieldIndexes, from the API reference: the example document with typed fields, the
 * log-group policy overriding the account's FIELD_INDEX_POLICY, quotas, and the indexes discovered
 * in ingested events. SDK only: the AWS CLI 2.9 predates field indexes.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteAccountPolicyCommand,
  DeleteIndexPolicyCommand,
  DescribeFieldIndexesCommand,
  DescribeIndexPoliciesCommand,
  PutAccountPolicyCommand,
  PutIndexPolicyCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud, type TestCloud } from '../harness.ts';

const ARN = (group: string) => `arn:aws:logs:us-east-1:000000000000:log-group:${group}`;
/** The API reference's example document. */
const EXAMPLE =
  '{"Fields": [ "TransactionId" ], "FieldsV2": {"RequestId": {"type": "FIELD_INDEX"}, "APIName": {"type": "FACET"}, "StatusCode": {"type": "FACET"}}}';

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

describe('field index policies', () => {
  it('are put, described (the group’s own over the account’s) and deleted', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'idx/app' }));
    const put = await logs.send(
      new PutIndexPolicyCommand({ logGroupIdentifier: 'idx/app', policyDocument: EXAMPLE }),
    );
    expect(put.indexPolicy).toEqual({
      logGroupIdentifier: ARN('idx/app'),
      policyDocument: EXAMPLE,
      lastUpdateTime: expect.any(Number),
      source: 'LOG_GROUP',
    });
    await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'account-index',
        policyType: 'FIELD_INDEX_POLICY',
        policyDocument: '{"Fields": ["userId"]}',
      }),
    );
    try {
      const described = async (group: string) =>
        (await logs.send(new DescribeIndexPoliciesCommand({ logGroupIdentifiers: [group] }))).indexPolicies;
      expect(await described(ARN('idx/app'))).toEqual([put.indexPolicy]);
      await logs.send(new DeleteIndexPolicyCommand({ logGroupIdentifier: 'idx/app' }));
      // Without its own, the group is described with the account's policy that applies to it.
      expect(await described('idx/app')).toEqual([
        {
          logGroupIdentifier: ARN('idx/app'),
          policyName: 'account-index',
          policyDocument: '{"Fields": ["userId"]}',
          lastUpdateTime: expect.any(Number),
          source: 'ACCOUNT',
        },
      ]);
    } finally {
      await logs.send(
        new DeleteAccountPolicyCommand({ policyName: 'account-index', policyType: 'FIELD_INDEX_POLICY' }),
      );
    }
    expect(
      (await logs.send(new DescribeIndexPoliciesCommand({ logGroupIdentifiers: ['idx/app'] }))).indexPolicies,
    ).toEqual([]);
    expect(
      await errorOf(logs.send(new DeleteIndexPolicyCommand({ logGroupIdentifier: 'idx/app' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('are refused as the reference’s quotas and rules say', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'idx/bad' }));
    const refused = (policyDocument: string, logGroupIdentifier = 'idx/bad') =>
      errorOf(logs.send(new PutIndexPolicyCommand({ logGroupIdentifier, policyDocument })));
    expect(await refused('{"Fields": []}')).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid field index policy: the policy must include at least one field index',
    });
    expect(await refused('{"Fields": ["a"], "FieldsV2": {"a": {"type": "FACET"}}}')).toEqual({
      name: 'InvalidParameterException',
      message:
        'Invalid field index policy: field names within Fields and FieldsV2 must be mutually exclusive',
    });
    expect(await refused('{"FieldsV2": {"a": {"type": "BTREE"}}}')).toMatchObject({
      name: 'InvalidParameterException',
    });
    const many = JSON.stringify({ Fields: Array.from({ length: 21 }, (_, i) => `f${i}`) });
    expect(await refused(many)).toMatchObject({
      message: 'Invalid field index policy: a policy can include up to 20 fields',
    });
    expect(await refused(JSON.stringify({ Fields: ['x'.repeat(101)] }))).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(await refused('{"Fields": ["a"]}', 'idx/none')).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await logs.send(
      new CreateLogGroupCommand({ logGroupName: 'idx/ia', logGroupClass: 'INFREQUENT_ACCESS' }),
    );
    expect(await refused('{"Fields": ["a"]}', 'idx/ia')).toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('DescribeFieldIndexes', () => {
  it('lists the indexed and default fields found in events ingested, with their first and last event times', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'idx/events' }));
    for (const stream of ['a', 'b']) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: 'idx/events', logStreamName: stream }));
    }
    await logs.send(new PutIndexPolicyCommand({ logGroupIdentifier: 'idx/events', policyDocument: EXAMPLE }));
    const now = Date.now();
    const putEvents = (stream: string, events: Array<[number, object]>) =>
      logs.send(
        new PutLogEventsCommand({
          logGroupName: 'idx/events',
          logStreamName: stream,
          logEvents: events.map(([at, body]) => ({ timestamp: now - at, message: JSON.stringify(body) })),
        }),
      );
    await putEvents('a', [
      [3000, { RequestId: 'r1', APIName: 'Get', requestid: 'case differs' }],
      [2000, { RequestId: 'r2', traceId: 't-1' }],
    ]);
    await putEvents('b', [[1000, { RequestId: 'r3', other: 1 }]]);
    const { fieldIndexes } = await logs.send(
      new DescribeFieldIndexesCommand({ logGroupIdentifiers: [ARN('idx/events')] }),
    );
    const scanned = expect.any(Number);
    expect(fieldIndexes).toEqual([
      {
        fieldIndexName: '@logStream',
        type: 'FIELD_INDEX',
        firstEventTime: now - 3000,
        lastEventTime: now - 1000,
        lastScanTime: scanned,
      },
      {
        logGroupIdentifier: ARN('idx/events'),
        fieldIndexName: 'APIName',
        type: 'FACET',
        firstEventTime: now - 3000,
        lastEventTime: now - 3000,
        lastScanTime: scanned,
      },
      {
        logGroupIdentifier: ARN('idx/events'),
        fieldIndexName: 'RequestId',
        type: 'FIELD_INDEX',
        firstEventTime: now - 3000,
        lastEventTime: now - 1000,
        lastScanTime: scanned,
      },
      {
        fieldIndexName: 'traceId',
        type: 'FIELD_INDEX',
        firstEventTime: now - 2000,
        lastEventTime: now - 2000,
        lastScanTime: scanned,
      },
    ]);
    expect(
      await errorOf(logs.send(new DescribeFieldIndexesCommand({ logGroupIdentifiers: ['idx/missing'] }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
