/**
 * CloudWatch Logs calls that IaC and operators make beside the events: data protection policies,
 * subscription destinations, account resource policies, ListLogGroups and log group deletion
 * protection, from the API reference's examples and errors, through the SDK and (where the Debian
 * AWS CLI 2.9 has the operation) the CLI. ListLogGroups and PutLogGroupDeletionProtection are SDK
 * only: the CLI predates them.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteDataProtectionPolicyCommand,
  DeleteDestinationCommand,
  DeleteLogGroupCommand,
  DeleteResourcePolicyCommand,
  DescribeDestinationsCommand,
  DescribeLogGroupsCommand,
  DescribeResourcePoliciesCommand,
  GetDataProtectionPolicyCommand,
  ListLogGroupsCommand,
  type ListLogGroupsCommandInput,
  PutDataProtectionPolicyCommand,
  PutDestinationCommand,
  PutDestinationPolicyCommand,
  PutLogGroupDeletionProtectionCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';

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

/** The API reference's example policy: audit and mask email addresses. */
const dataProtection = (identifiers = ['arn:aws:dataprotection::aws:data-identifier/EmailAddress']) =>
  JSON.stringify({
    Name: 'data-protection-policy',
    Description: 'mask emails',
    Version: '2021-06-01',
    Statement: [
      { Sid: 'audit-policy', DataIdentifier: identifiers, Operation: { Audit: { FindingsDestination: {} } } },
      { Sid: 'redact-policy', DataIdentifier: identifiers, Operation: { Deidentify: { MaskConfig: {} } } },
    ],
  });

const accessPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: '111111111111' },
      Action: 'logs:PutSubscriptionFilter',
      Resource: 'arn:aws:logs:us-east-1:000000000000:destination:testDestination',
    },
  ],
});

describe('data protection policies', () => {
  it('are kept on the group, reported as ACTIVATED, and checked against the policy grammar', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dp/app' }));
    const put = await logs.send(
      new PutDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app', policyDocument: dataProtection() }),
    );
    expect(put).toMatchObject({ logGroupIdentifier: 'dp/app', policyDocument: dataProtection() });
    expect(put.lastUpdatedTime).toEqual(expect.any(Number));
    const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:dp/app';
    expect(await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: arn }))).toMatchObject({
      logGroupIdentifier: arn,
      policyDocument: dataProtection(),
    });
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'dp/' }));
    expect(logGroups![0]!.dataProtectionStatus).toBe('ACTIVATED');

    const refused = async (document: string) =>
      errorOf(
        logs.send(
          new PutDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app', policyDocument: document }),
        ),
      );
    expect(await refused('{')).toMatchObject({ name: 'InvalidParameterException' });
    expect(await refused(JSON.stringify({ ...JSON.parse(dataProtection()), Version: '2012-10-17' }))).toEqual(
      {
        name: 'InvalidParameterException',
        message: "Invalid data protection policy: Version must be '2021-06-01'",
      },
    );
    const [audit] = JSON.parse(dataProtection()).Statement;
    expect(
      await refused(JSON.stringify({ Name: 'x', Version: '2021-06-01', Statement: [audit, audit] })),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/none' }))),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });

    await logs.send(new DeleteDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app' }));
    expect(
      (await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app' }))).policyDocument,
    ).toBeUndefined();
    expect(
      await errorOf(logs.send(new DeleteDataProtectionPolicyCommand({ logGroupIdentifier: 'dp/app' }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('destinations', () => {
  it('put-destination and put-destination-policy examples; described by prefix; deleted', async () => {
    const { destination } = await logs.send(
      new PutDestinationCommand({
        destinationName: 'testDestination',
        targetArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/RootAccess',
        roleArn: 'arn:aws:iam::000000000000:role/CWLtoKinesisRole',
      }),
    );
    expect(destination).toEqual({
      destinationName: 'testDestination',
      targetArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/RootAccess',
      roleArn: 'arn:aws:iam::000000000000:role/CWLtoKinesisRole',
      arn: 'arn:aws:logs:us-east-1:000000000000:destination:testDestination',
      creationTime: expect.any(Number),
    });
    await logs.send(new PutDestinationPolicyCommand({ destinationName: 'testDestination', accessPolicy }));
    // An update keeps the access policy and the creation time.
    await logs.send(
      new PutDestinationCommand({
        destinationName: 'testDestination',
        targetArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/Other',
        roleArn: 'arn:aws:iam::000000000000:role/CWLtoKinesisRole',
      }),
    );
    const { destinations } = await logs.send(
      new DescribeDestinationsCommand({ DestinationNamePrefix: 'test' }),
    );
    expect(destinations).toEqual([
      { ...destination, targetArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/Other', accessPolicy },
    ]);
    expect(
      await errorOf(
        logs.send(
          new PutDestinationPolicyCommand({
            destinationName: 'testDestination',
            accessPolicy: '{"Statement":[]}',
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: 'Invalid policy document: Syntax errors in policy.',
    });
    expect(
      await errorOf(
        logs.send(
          new PutDestinationCommand({ destinationName: 'bad', targetArn: 'stream', roleArn: 'role' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    await logs.send(new DeleteDestinationCommand({ destinationName: 'testDestination' }));
    expect(
      await errorOf(logs.send(new DeleteDestinationCommand({ destinationName: 'testDestination' }))),
    ).toEqual({
      name: 'ResourceNotFoundException',
      message: 'The specified destination does not exist.',
    });
  });
});

describe('account resource policies', () => {
  const routeFiftyThree = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Route53LogsToCloudWatchLogs',
        Effect: 'Allow',
        Principal: { Service: ['route53.amazonaws.com'] },
        Action: 'logs:PutLogEvents',
        Resource: 'arn:aws:logs:us-east-1:000000000000:log-group:*',
      },
    ],
  });

  it('are put by name, listed, replaced, limited to 10, and deleted', async () => {
    const { resourcePolicy } = await logs.send(
      new PutResourcePolicyCommand({ policyName: 'MyResourcePolicy', policyDocument: routeFiftyThree }),
    );
    expect(resourcePolicy).toEqual({
      policyName: 'MyResourcePolicy',
      policyDocument: routeFiftyThree,
      lastUpdatedTime: expect.any(Number),
      policyScope: 'ACCOUNT',
    });
    for (let i = 1; i < 10; i++) {
      await logs.send(new PutResourcePolicyCommand({ policyName: `p${i}`, policyDocument: routeFiftyThree }));
    }
    expect(
      await errorOf(
        logs.send(new PutResourcePolicyCommand({ policyName: 'p10', policyDocument: routeFiftyThree })),
      ),
    ).toEqual({ name: 'LimitExceededException', message: 'Resource limit exceeded.' });
    // Replacing one is not a new one.
    await logs.send(new PutResourcePolicyCommand({ policyName: 'p1', policyDocument: routeFiftyThree }));
    const { resourcePolicies } = await logs.send(new DescribeResourcePoliciesCommand({}));
    expect(resourcePolicies).toHaveLength(10);
    expect(await logs.send(new DescribeResourcePoliciesCommand({ policyScope: 'RESOURCE' }))).toMatchObject({
      resourcePolicies: [],
    });
    expect(
      await errorOf(
        logs.send(new PutResourcePolicyCommand({ policyName: 'bad', policyDocument: '{"Version":"1"}' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    for (let i = 1; i < 10; i++) await logs.send(new DeleteResourcePolicyCommand({ policyName: `p${i}` }));
    expect(await errorOf(logs.send(new DeleteResourcePolicyCommand({ policyName: 'p1' })))).toEqual({
      name: 'ResourceNotFoundException',
      message: 'Policy with name [p1] does not exist',
    });
  });
});

describe('ListLogGroups and deletion protection', () => {
  it('lists by name pattern and class; a protected group refuses deletion until unprotected', async () => {
    for (const name of ['list/api', 'list/worker', 'other/api']) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    }
    const names = async (input: ListLogGroupsCommandInput) =>
      ((await logs.send(new ListLogGroupsCommand(input))).logGroups ?? []).map((g) => g.logGroupName);
    expect(await names({ logGroupNamePattern: '^list' })).toEqual(['list/api', 'list/worker']);
    expect(await names({ logGroupNamePattern: 'api' })).toEqual(['list/api', 'other/api']);
    expect(await names({ logGroupNamePattern: '^oth|work' })).toEqual(['list/worker', 'other/api']);
    const first = await logs.send(new ListLogGroupsCommand({ logGroupNamePattern: 'api', limit: 1 }));
    expect(first.logGroups).toEqual([
      {
        logGroupName: 'list/api',
        logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:list/api',
        logGroupClass: 'STANDARD',
      },
    ]);
    expect(first.nextToken).toEqual(expect.any(String));

    await logs.send(
      new PutLogGroupDeletionProtectionCommand({
        logGroupIdentifier: 'list/api',
        deletionProtectionEnabled: true,
      }),
    );
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'list/api' }));
    expect(logGroups![0]!.deletionProtectionEnabled).toBe(true);
    expect(await errorOf(logs.send(new DeleteLogGroupCommand({ logGroupName: 'list/api' })))).toEqual({
      name: 'ValidationException',
      message:
        'Log group list/api has deletion protection enabled. Disable deletion protection before deleting it.',
    });
    // Kept across a restart, as every 2xx is.
    logs.destroy();
    await t.stop();
    await t.restart();
    logs = new CloudWatchLogsClient(t.clientConfig);
    expect(await errorOf(logs.send(new DeleteLogGroupCommand({ logGroupName: 'list/api' })))).toMatchObject({
      name: 'ValidationException',
    });
    await logs.send(
      new PutLogGroupDeletionProtectionCommand({
        logGroupIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:list/api',
        deletionProtectionEnabled: false,
      }),
    );
    await logs.send(new DeleteLogGroupCommand({ logGroupName: 'list/api' }));
    expect(await names({ logGroupNamePattern: '^list' })).toEqual(['list/worker']);
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('puts a resource policy and a data protection policy from the reference examples', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'cli/dp' }));
    await Promise.all([
      t.aws([
        'logs',
        'put-data-protection-policy',
        '--log-group-identifier',
        'cli/dp',
        '--policy-document',
        dataProtection(),
      ]),
      t.aws([
        'logs',
        'put-resource-policy',
        '--policy-name',
        'cli-policy',
        '--policy-document',
        accessPolicy,
      ]),
    ]);
    expect(
      (await logs.send(new GetDataProtectionPolicyCommand({ logGroupIdentifier: 'cli/dp' }))).policyDocument,
    ).toBe(dataProtection());
    const { resourcePolicies } = await logs.send(new DescribeResourcePoliciesCommand({}));
    expect(resourcePolicies!.map((p) => p.policyName)).toContain('cli-policy');
  });
});
