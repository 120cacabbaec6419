/**
 * CloudWatch Logs account policies (PutAccountPolicy, DescribeAccountPolicies, DeleteAccountPolicy)
 * from the API reference's rules per policy type, through the SDK (the Debian AWS CLI 2.9 predates
 * them): documents checked as their type asks, one data protection and one subscription filter
 * policy per account, scoped transformer and field index policies with non-overlapping prefixes,
 * and the policies surviving a restart.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  DeleteAccountPolicyCommand,
  DescribeAccountPoliciesCommand,
  PutAccountPolicyCommand,
  type PutAccountPolicyCommandInput,
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

/** The reference's example: audit and mask email addresses. */
const dataProtection = JSON.stringify({
  Name: 'ACCOUNT_DATA_PROTECTION_POLICY',
  Version: '2021-06-01',
  Statement: [
    {
      Sid: 'audit-policy',
      DataIdentifier: ['arn:aws:dataprotection::aws:data-identifier/EmailAddress'],
      Operation: { Audit: { FindingsDestination: {} } },
    },
    {
      Sid: 'redact-policy',
      DataIdentifier: ['arn:aws:dataprotection::aws:data-identifier/EmailAddress'],
      Operation: { Deidentify: { MaskConfig: {} } },
    },
  ],
});

const subscription = (filterPattern = 'ERROR') =>
  JSON.stringify({
    DestinationArn: 'arn:aws:lambda:us-east-1:000000000000:function:ship',
    FilterPattern: filterPattern,
    Distribution: 'Random',
  });

const put = (input: PutAccountPolicyCommandInput) => logs.send(new PutAccountPolicyCommand(input));
const names = async (policyType: PutAccountPolicyCommandInput['policyType']) =>
  (await logs.send(new DescribeAccountPoliciesCommand({ policyType }))).accountPolicies!.map(
    (p) => p.policyName,
  );

describe('account policies', () => {
  it('keep one data protection policy per account, checked with the log-group policy grammar', async () => {
    const { accountPolicy } = await put({
      policyName: 'mask-emails',
      policyType: 'DATA_PROTECTION_POLICY',
      policyDocument: dataProtection,
      scope: 'ALL',
    });
    expect(accountPolicy).toMatchObject({
      policyName: 'mask-emails',
      policyType: 'DATA_PROTECTION_POLICY',
      policyDocument: dataProtection,
      scope: 'ALL',
      accountId: '000000000000',
    });
    expect(accountPolicy!.lastUpdatedTime).toBeGreaterThan(0);
    // The same name updates it; another name is a second policy, which the account may not have.
    await put({
      policyName: 'mask-emails',
      policyType: 'DATA_PROTECTION_POLICY',
      policyDocument: dataProtection,
    });
    expect(
      await errorOf(
        put({ policyName: 'other', policyType: 'DATA_PROTECTION_POLICY', policyDocument: dataProtection }),
      ),
    ).toMatchObject({ name: 'LimitExceededException' });
    expect(
      await errorOf(
        put({ policyName: 'bad', policyType: 'DATA_PROTECTION_POLICY', policyDocument: '{"Name":"x"}' }),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: "Invalid data protection policy: Version must be '2021-06-01'",
    });
    // Selection criteria are for subscription filter, field index and transformer policies only.
    expect(
      await errorOf(
        put({
          policyName: 'mask-emails',
          policyType: 'DATA_PROTECTION_POLICY',
          policyDocument: dataProtection,
          selectionCriteria: 'LogGroupNamePrefix IN ["app"]',
        }),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(put({ policyName: 'aws/mine', policyType: 'TRANSFORMER_POLICY', policyDocument: '{}' })),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(await names('DATA_PROTECTION_POLICY')).toEqual(['mask-emails']);
    // Every log group inherits it (DescribeLogGroups' inheritedProperties).
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'covered/app' }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'covered/' }));
    expect(logGroups).toMatchObject([
      { logGroupName: 'covered/app', inheritedProperties: ['ACCOUNT_DATA_PROTECTION'] },
    ]);
  });

  it('check a subscription filter policy: destination, pattern (the filter-pattern parser) and exclusions', async () => {
    const { accountPolicy } = await put({
      policyName: 'ship-errors',
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      policyDocument: subscription(),
      selectionCriteria: 'LogGroupName NOT IN ["/aws/lambda/ship"]',
    });
    expect(accountPolicy!.selectionCriteria).toBe('LogGroupName NOT IN ["/aws/lambda/ship"]');
    expect(
      await errorOf(
        put({
          policyName: 'ship-errors',
          policyType: 'SUBSCRIPTION_FILTER_POLICY',
          policyDocument: subscription('{ $.level = }'),
        }),
      ),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/^Invalid filter pattern/),
    });
    expect(
      await errorOf(
        put({ policyName: 'ship-errors', policyType: 'SUBSCRIPTION_FILTER_POLICY', policyDocument: '{}' }),
      ),
    ).toEqual({
      name: 'InvalidParameterException',
      message: 'A subscription filter policy needs a DestinationArn.',
    });
    expect(
      await errorOf(
        put({
          policyName: 'ship-errors',
          policyType: 'SUBSCRIPTION_FILTER_POLICY',
          policyDocument: subscription(),
          selectionCriteria: 'LogGroupNamePrefix IN ["app"]',
        }),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await errorOf(
        put({
          policyName: 'second',
          policyType: 'SUBSCRIPTION_FILTER_POLICY',
          policyDocument: subscription(),
        }),
      ),
    ).toMatchObject({ name: 'LimitExceededException' });
  });

  it('scope field index and transformer policies by non-overlapping prefixes, or one for all groups', async () => {
    const fields = JSON.stringify({ Fields: ['requestId'], FieldsV2: { status: { type: 'FACET' } } });
    await put({
      policyName: 'api',
      policyType: 'FIELD_INDEX_POLICY',
      policyDocument: fields,
      selectionCriteria: 'LogGroupNamePrefix IN ["/ecs/api"]',
    });
    await put({
      policyName: 'web',
      policyType: 'FIELD_INDEX_POLICY',
      policyDocument: fields,
      selectionCriteria: 'LogGroupNamePrefix IN ["/ecs/web"]',
    });
    await put({ policyName: 'all', policyType: 'FIELD_INDEX_POLICY', policyDocument: fields });
    expect(
      await errorOf(
        put({
          policyName: 'overlap',
          policyType: 'FIELD_INDEX_POLICY',
          policyDocument: fields,
          selectionCriteria: 'LogGroupNamePrefix IN ["/ecs/api-v2"]',
        }),
      ),
    ).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('overlaps') });
    expect(
      await errorOf(put({ policyName: 'all-2', policyType: 'FIELD_INDEX_POLICY', policyDocument: fields })),
    ).toMatchObject({ name: 'LimitExceededException' });
    expect(
      await errorOf(
        put({
          policyName: 'mixed',
          policyType: 'FIELD_INDEX_POLICY',
          policyDocument: JSON.stringify({ Fields: ['a'], FieldsV2: { a: { type: 'FIELD_INDEX' } } }),
        }),
      ),
    ).toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('mutually exclusive'),
    });
    await put({
      policyName: 'source',
      policyType: 'FIELD_INDEX_POLICY',
      policyDocument: fields,
      selectionCriteria: 'DataSourceName = "amazon_vpc" AND DataSourceType = "flow"',
    });
    expect((await names('FIELD_INDEX_POLICY')).sort()).toEqual(['all', 'api', 'source', 'web']);
    const { accountPolicies } = await logs.send(
      new DescribeAccountPoliciesCommand({ policyType: 'FIELD_INDEX_POLICY', policyName: 'api' }),
    );
    expect(accountPolicies).toMatchObject([
      { policyName: 'api', selectionCriteria: 'LogGroupNamePrefix IN ["/ecs/api"]' },
    ]);

    const transformer = JSON.stringify({ transformerConfig: [{ parseJSON: {} }] });
    await put({ policyName: 'json', policyType: 'TRANSFORMER_POLICY', policyDocument: transformer });
    expect(
      await errorOf(
        put({
          policyName: 'json',
          policyType: 'TRANSFORMER_POLICY',
          policyDocument: '{"transformerConfig":[]}',
        }),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    // Another account's policies (a monitoring account's view) are none of the local cloud's.
    expect(
      (
        await logs.send(
          new DescribeAccountPoliciesCommand({
            policyType: 'TRANSFORMER_POLICY',
            accountIdentifiers: ['111111111111'],
          }),
        )
      ).accountPolicies,
    ).toEqual([]);
  });

  it('are deleted by type and name, and survive a restart', async () => {
    await put({ policyName: 'json-2', policyType: 'METRIC_EXTRACTION_POLICY', policyDocument: '{}' });
    await logs.send(new DeleteAccountPolicyCommand({ policyName: 'web', policyType: 'FIELD_INDEX_POLICY' }));
    expect(
      await errorOf(
        logs.send(new DeleteAccountPolicyCommand({ policyName: 'web', policyType: 'FIELD_INDEX_POLICY' })),
      ),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'Policy with name [web] does not exist' });
    // A name is its type's: the data protection policy is not a transformer policy.
    expect(
      await errorOf(
        logs.send(
          new DeleteAccountPolicyCommand({ policyName: 'mask-emails', policyType: 'TRANSFORMER_POLICY' }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(
      await errorOf(
        logs.send(
          new DescribeAccountPoliciesCommand({ policyType: 'NO_SUCH_POLICY' as 'TRANSFORMER_POLICY' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });

    await t.stop();
    await t.restart();
    logs.destroy();
    logs = new CloudWatchLogsClient(t.clientConfig);
    expect((await names('FIELD_INDEX_POLICY')).sort()).toEqual(['all', 'api', 'source']);
    expect(await names('DATA_PROTECTION_POLICY')).toEqual(['mask-emails']);
    expect(await names('SUBSCRIPTION_FILTER_POLICY')).toEqual(['ship-errors']);
    expect(await names('METRIC_EXTRACTION_POLICY')).toEqual(['json-2']);
  });
});
