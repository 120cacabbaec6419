/**
 * CloudWatch Logs data protection acting as AWS documents it ("Help protect sensitive log data with
 * masking", PutDataProtectionPolicy's reference): sensitive data is masked when ingested, events
 * stored before the policy stay as they were, readers see asterisks unless they ask `unmask` with
 * logs:Unmask (GetLogEvents, FilterLogEvents, GetLogRecord, Insights' unmask()), the account's
 * policy adds to the group's, the Audit statement's findings reports go to its log group, and bad
 * documents are InvalidParameterException. Through the SDK and, where the CLI 2.9 has the
 * operation, the CLI; the logs:Unmask checks under IAM enforcement.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteAccountPolicyCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  GetLogRecordCommand,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  PutAccountPolicyCommand,
  PutDataProtectionPolicyCommand,
  PutLogEventsCommand,
  StartLiveTailCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialLogsState, logs as logsService } from '../../../src/cloud/services/logs/index.ts';
import { StateStore } from '../../../src/cloud/state/store.ts';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const EMAIL = 'arn:aws:dataprotection::aws:data-identifier/EmailAddress';
const managed = (name: string) => `arn:aws:dataprotection::aws:data-identifier/${name}`;

let t: TestCloud;
let logs: CloudWatchLogsClient;
const clients: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  t = await startTestCloud({ enforceIam: true });
  logs = new CloudWatchLogsClient(t.clientConfig);
  clients.push(logs);
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await t.dispose();
});

/** A policy in AWS's documented shape: the same identifiers audited and masked. */
function policy(
  identifiers: string[],
  options: { findings?: Record<string, unknown>; custom?: Array<{ Name: string; Regex: string }> } = {},
): string {
  return JSON.stringify({
    Name: 'data-protection-policy',
    Description: 'test policy',
    Version: '2021-06-01',
    ...(options.custom ? { Configuration: { CustomDataIdentifier: options.custom } } : {}),
    Statement: [
      {
        Sid: 'audit-policy',
        DataIdentifier: identifiers,
        Operation: { Audit: { FindingsDestination: options.findings ?? {} } },
      },
      { Sid: 'redact-policy', DataIdentifier: identifiers, Operation: { Deidentify: { MaskConfig: {} } } },
    ],
  });
}

async function groupWithStream(group: string, stream = 's') {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

async function put(group: string, messages: string[], stream = 's') {
  const now = Date.now();
  await logs.send(
    new PutLogEventsCommand({
      logGroupName: group,
      logStreamName: stream,
      logEvents: messages.map((message) => ({ timestamp: now, message })),
    }),
  );
}

async function read(group: string, unmask = false, client = logs, stream = 's') {
  const { events } = await client.send(
    new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, unmask }),
  );
  return events!.map((e) => e.message);
}

async function results(queryId: string, client = logs): Promise<GetQueryResultsCommandOutput> {
  for (;;) {
    const output = await client.send(new GetQueryResultsCommand({ queryId }));
    if (output.status !== 'Scheduled' && output.status !== 'Running') return output;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function insights(group: string, queryString: string, client = logs) {
  const now = Math.floor(Date.now() / 1000);
  const { queryId } = await client.send(
    new StartQueryCommand({ logGroupName: group, startTime: now - 3600, endTime: now + 60, queryString }),
  );
  return results(queryId!, client);
}

describe('masking at ingestion', () => {
  it('masks new events with asterisks, keeps older ones, and unmasks on request', async () => {
    await groupWithStream('dp/mask');
    await put('dp/mask', ['before: alice@example.com']);
    await logs.send(
      new PutDataProtectionPolicyCommand({
        logGroupIdentifier: 'dp/mask',
        policyDocument: policy([EMAIL, 'EmployeeId'], {
          custom: [{ Name: 'EmployeeId', Regex: 'EmployeeId-\\d{9}' }],
        }),
      }),
    );
    await put('dp/mask', ['user bob@example.com id EmployeeId-123456789 ok', 'nothing sensitive']);

    expect(await read('dp/mask')).toEqual([
      'before: alice@example.com',
      'user *************** id ******************** ok',
      'nothing sensitive',
    ]);
    expect(await read('dp/mask', true)).toEqual([
      'before: alice@example.com',
      'user bob@example.com id EmployeeId-123456789 ok',
      'nothing sensitive',
    ]);

    // A filter pattern matches what the reader sees: the masked text, or with unmask the original.
    const filter = async (filterPattern: string, unmask?: boolean) =>
      (
        await logs.send(new FilterLogEventsCommand({ logGroupName: 'dp/mask', filterPattern, unmask }))
      ).events!.map((e) => e.message);
    expect(await filter('bob')).toEqual([]);
    expect(await filter('bob', true)).toEqual(['user bob@example.com id EmployeeId-123456789 ok']);

    const masked = await insights(
      'dp/mask',
      'fields @message, unmask(@message) | filter @message like /user/',
    );
    expect(masked.results).toEqual([
      [
        { field: '@message', value: 'user *************** id ******************** ok' },
        { field: 'unmask(@message)', value: 'user bob@example.com id EmployeeId-123456789 ok' },
        { field: '@ptr', value: expect.any(String) },
      ],
    ]);
    const pointer = masked.results![0]![2]!.value!;
    const record = async (unmask: boolean) =>
      (await logs.send(new GetLogRecordCommand({ logRecordPointer: pointer, unmask }))).logRecord![
        '@message'
      ];
    expect(await record(false)).toBe('user *************** id ******************** ok');
    expect(await record(true)).toBe('user bob@example.com id EmployeeId-123456789 ok');
  });

  it.runIf(awsCliAvailable)(
    'aws logs get-log-events and filter-log-events mask, and unmask with --unmask',
    async () => {
      await groupWithStream('dp/cli');
      await t.aws([
        'logs',
        'put-data-protection-policy',
        '--log-group-identifier',
        'dp/cli',
        '--policy-document',
        policy([EMAIL]),
      ]);
      await put('dp/cli', ['mail carol@example.org']);
      const get = async (...extra: string[]) =>
        (
          (
            await t.aws([
              'logs',
              'get-log-events',
              '--log-group-name',
              'dp/cli',
              '--log-stream-name',
              's',
              ...extra,
            ])
          ).json as { events: Array<{ message: string }> }
        ).events.map((e) => e.message);
      expect(await get()).toEqual(['mail *****************']);
      expect(await get('--unmask')).toEqual(['mail carol@example.org']);
      const filtered = (await t.aws(['logs', 'filter-log-events', '--log-group-name', 'dp/cli', '--unmask']))
        .json as { events: Array<{ message: string }> };
      expect(filtered.events.map((e) => e.message)).toEqual(['mail carol@example.org']);
    },
  );

  it('finds managed identifiers as AWS documents them: checks, and keywords within 30 characters', async () => {
    await groupWithStream('dp/managed');
    const identifiers = [
      'CreditCardNumber',
      'AwsSecretKey',
      'IpAddress',
      'CreditCardSecurityCode',
      'CreditCardExpiration',
      'VehicleIdentificationNumber',
      'PkcsPrivateKey',
    ].map(managed);
    await logs.send(
      new PutDataProtectionPolicyCommand({
        logGroupIdentifier: 'dp/managed',
        policyDocument: policy(identifiers),
      }),
    );
    await put('dp/managed', [
      'credit card 4111 1111 1111 1111 charged',
      // No keyword near it: not a card number; a failing Luhn check: not one either.
      'order 4111111111111111 shipped',
      'card 4111111111111112 declined',
      'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'commit wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'from 10.0.0.12:443 and 2001:db8::1 at 12:30:45',
      'cvv: 123',
      'expiry 09/27, and the parcel was shipped on 09/27',
      'vin 1M8GDM9AXKP042788, not 1M8GDM9AYKP042788',
      'key -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- end',
    ]);
    expect(await read('dp/managed')).toEqual([
      'credit card ******************* charged',
      'order 4111111111111111 shipped',
      'card 4111111111111112 declined',
      'aws_secret_access_key=****************************************',
      'commit wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'from *********:443 and *********** at 12:30:45',
      'cvv: ***',
      // The keyword is within 30 characters of the first date only.
      'expiry *****, and the parcel was shipped on 09/27',
      'vin *****************, not 1M8GDM9AYKP042788',
      `key ${'*'.repeat(68)} end`,
    ]);
  });

  it('masks what Live Tail streams', async () => {
    await groupWithStream('dp/tail');
    await logs.send(
      new PutDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/tail', policyDocument: policy([EMAIL]) }),
    );
    const tailer = new CloudWatchLogsClient({ ...t.clientConfig, disableHostPrefix: true });
    clients.push(tailer);
    const hangUp = new AbortController();
    const { responseStream } = await tailer.send(
      new StartLiveTailCommand({
        logGroupIdentifiers: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:dp/tail`],
      }),
      { abortSignal: hangUp.signal },
    );
    try {
      const frames = responseStream![Symbol.asyncIterator]();
      expect((await frames.next()).value).toHaveProperty('sessionStart');
      await put('dp/tail', ['login grace@example.com']);
      for (;;) {
        const { value } = await frames.next();
        const events = value?.sessionUpdate?.sessionResults ?? [];
        if (events.length === 0) continue;
        expect(events.map((e: { message?: string }) => e.message)).toEqual(['login *****************']);
        break;
      }
    } finally {
      hangUp.abort();
    }
  });

  it("adds the account's data protection policy to the group's own", async () => {
    await groupWithStream('dp/account');
    await logs.send(
      new PutDataProtectionPolicyCommand({
        logGroupIdentifier: 'dp/account',
        policyDocument: policy([EMAIL]),
      }),
    );
    await logs.send(
      new PutAccountPolicyCommand({
        policyName: 'account-dp',
        policyType: 'DATA_PROTECTION_POLICY',
        policyDocument: policy([managed('IpAddress')]),
      }),
    );
    try {
      await put('dp/account', ['dave@example.com from 192.168.1.1']);
      expect(await read('dp/account')).toEqual(['**************** from ***********']);
    } finally {
      await logs.send(
        new DeleteAccountPolicyCommand({ policyName: 'account-dp', policyType: 'DATA_PROTECTION_POLICY' }),
      );
    }
    await put('dp/account', ['erin@example.com from 192.168.1.1']);
    expect((await read('dp/account')).at(-1)).toBe('**************** from 192.168.1.1');
  });
});

describe('audit findings', () => {
  it('writes one report per event with sensitive data to the findings log group', async () => {
    await groupWithStream('dp/audited');
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dp/findings' }));
    await logs.send(
      new PutDataProtectionPolicyCommand({
        logGroupIdentifier: 'dp/audited',
        policyDocument: policy([EMAIL], { findings: { CloudWatchLogs: { LogGroup: 'dp/findings' } } }),
      }),
    );
    await put('dp/audited', ['to: a@example.com, cc: b@example.com', 'clean line']);
    // Journaled with the upload, as a kill -9 would leave it: the findings, and the masked event's original.
    const recovered = await StateStore.open(t.dataDir, { journals: { logs: logsService.journal! } });
    const state = recovered.slice('logs', 'us-east-1', initialLogsState);
    expect(state.groups['dp/audited']!.streams.s!.events.map((e) => e.unmasked ?? e.message)).toEqual([
      'to: a@example.com, cc: b@example.com',
      'clean line',
    ]);
    expect(state.groups['dp/findings']!.streams['dp/audited']!.events).toHaveLength(1);
    const reports = (await read('dp/findings', false, logs, 'dp/audited')).map((m) => JSON.parse(m!));
    expect(reports).toEqual([
      {
        auditTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        resourceArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:dp/audited:*`,
        dataIdentifiers: [
          {
            name: 'EmailAddress',
            count: 2,
            detections: [
              { start: 4, end: 16 },
              { start: 23, end: 35 },
            ],
          },
        ],
      },
    ]);
  });
});

describe('policy documents', () => {
  it('are refused as AWS refuses them, with InvalidParameterException', async () => {
    await groupWithStream('dp/invalid');
    const refused = async (policyDocument: string) =>
      errorOf(
        logs.send(new PutDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/invalid', policyDocument })),
      );
    expect(await refused(policy([managed('NoSuchThing')]))).toEqual({
      name: 'InvalidParameterException',
      message: expect.stringContaining(
        'the managed data identifier NoSuchThing is not one the local cloud finds',
      ),
    });
    expect(await refused(policy(['EmployeeId']))).toEqual({
      name: 'InvalidParameterException',
      message: expect.stringContaining('EmployeeId is neither a managed data identifier ARN nor a custom'),
    });
    expect(
      await refused(policy(['EmailAddress'], { custom: [{ Name: 'EmailAddress', Regex: 'x+' }] })),
    ).toEqual({
      name: 'InvalidParameterException',
      message:
        'Invalid data protection policy: the custom data identifier EmailAddress has the name of a managed data identifier',
    });
    expect(await refused(policy(['Bad'], { custom: [{ Name: 'Bad', Regex: '[unclosed' }] }))).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('the custom data identifier Bad has an invalid Regex'),
    });
    // Parentheses are not among the characters AWS lists for a custom identifier's regex.
    expect(await refused(policy(['Bad'], { custom: [{ Name: 'Bad', Regex: '(a|b)' }] }))).toEqual({
      name: 'InvalidParameterException',
      message:
        'Invalid data protection policy: the custom data identifier Bad needs a Regex of up to 200 characters among those AWS supports',
    });
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ Name: `Id${i}`, Regex: `id${i}` }));
    expect(await refused(policy(['Id0'], { custom: tooMany }))).toMatchObject({
      message: 'Invalid data protection policy: a policy can have up to 10 custom data identifiers',
    });
    expect(
      await refused(policy([EMAIL], { findings: { CloudWatchLogs: { LogGroup: 'dp/nowhere' } } })),
    ).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid data protection policy: the findings destination log group dp/nowhere does not exist',
    });
    expect(await refused(policy([EMAIL], { findings: { S3: { Bucket: 'b' } } }))).toMatchObject({
      name: 'InvalidParameterException',
    });
    const noMask = JSON.parse(policy([EMAIL]));
    noMask.Statement[1].Operation.Deidentify = {};
    expect(await refused(JSON.stringify(noMask))).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid data protection policy: the Deidentify operation must contain "MaskConfig": {}',
    });
    expect(
      await errorOf(
        logs.send(
          new PutAccountPolicyCommand({
            policyName: 'bad',
            policyType: 'DATA_PROTECTION_POLICY',
            policyDocument: policy([managed('NoSuchThing')]),
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('logs:Unmask', () => {
  /** A role session allowed `actions` on every log group, as a Logs client. */
  async function session(role: string, actions: string[]) {
    const iam = new IAMClient(t.clientConfig);
    const sts = new STSClient(t.clientConfig);
    clients.push(iam, sts);
    await iam.send(
      new CreateRoleCommand({
        RoleName: role,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: role,
        PolicyName: 'logs',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
        }),
      }),
    );
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: 'reader' }),
    );
    const client = new CloudWatchLogsClient({
      ...t.clientConfig,
      credentials: {
        accessKeyId: c!.AccessKeyId!,
        secretAccessKey: c!.SecretAccessKey!,
        sessionToken: c!.SessionToken!,
      },
    });
    clients.push(client);
    return client;
  }

  it('is needed to read unmasked events, in every read that offers it', async () => {
    await groupWithStream('dp/iam');
    await logs.send(
      new PutDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/iam', policyDocument: policy([EMAIL]) }),
    );
    await put('dp/iam', ['frank@example.com']);
    const reads = ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartQuery', 'logs:GetQueryResults'];
    const reader = await session('masked-reader', reads);
    const unmasker = await session('unmasker', [...reads, 'logs:Unmask']);

    expect(await read('dp/iam', false, reader)).toEqual(['*****************']);
    const denied = await errorOf(read('dp/iam', true, reader));
    expect(denied).toEqual({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        `not authorized to perform: logs:Unmask on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:dp/iam:log-stream:`,
      ),
    });
    expect(
      await errorOf(reader.send(new FilterLogEventsCommand({ logGroupName: 'dp/iam', unmask: true }))),
    ).toMatchObject({ name: 'AccessDeniedException' });
    expect(await errorOf(insights('dp/iam', 'fields unmask(@message)', reader))).toMatchObject({
      name: 'AccessDeniedException',
    });

    expect(await read('dp/iam', true, unmasker)).toEqual(['frank@example.com']);
    const { results: rows } = await insights('dp/iam', 'fields unmask(@message)', unmasker);
    expect(rows![0]![0]).toEqual({ field: 'unmask(@message)', value: 'frank@example.com' });
  });
});
