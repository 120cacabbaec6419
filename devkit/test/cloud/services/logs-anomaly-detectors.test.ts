/**
 * CloudWatch Logs anomaly detectors as stored state (Create, Get, List, Update,
 * DeleteLogAnomalyDetector, ListAnomalies, and their tags), from the API reference: one log group
 * per detector, filter patterns checked, pausing with `enabled`, ResourceNotFoundException for an
 * unknown ARN. SDK only: the AWS CLI 2.9 predates anomaly detection.
 */
import {
  CloudWatchLogsClient,
  CreateLogAnomalyDetectorCommand,
  CreateLogGroupCommand,
  DeleteLogAnomalyDetectorCommand,
  GetLogAnomalyDetectorCommand,
  ListAnomaliesCommand,
  ListLogAnomalyDetectorsCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdateLogAnomalyDetectorCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, startTestCloud, type TestCloud } from '../harness.ts';

const GROUP_ARN = (group: string) => `arn:aws:logs:us-east-1:000000000000:log-group:${group}`;

let t: TestCloud;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  t = await startTestCloud();
  logs = new CloudWatchLogsClient(t.clientConfig);
  for (const name of ['ad/one', 'ad/two']) await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
});
afterAll(async () => {
  logs.destroy();
  await t.dispose();
});

describe('log anomaly detectors', () => {
  it('are created on one log group, described, paused, listed by group, tagged and deleted', async () => {
    const { anomalyDetectorArn } = await logs.send(
      new CreateLogAnomalyDetectorCommand({
        logGroupArnList: [GROUP_ARN('ad/one')],
        detectorName: 'api-errors',
        evaluationFrequency: 'FIVE_MIN',
        filterPattern: 'ERROR',
        anomalyVisibilityTime: 14,
        tags: { team: 'api' },
      }),
    );
    expect(anomalyDetectorArn).toMatch(
      /^arn:aws:logs:us-east-1:000000000000:anomaly-detector:[0-9a-f-]{36}$/,
    );
    const detector = await logs.send(new GetLogAnomalyDetectorCommand({ anomalyDetectorArn }));
    expect(detector).toMatchObject({
      detectorName: 'api-errors',
      logGroupArnList: [GROUP_ARN('ad/one')],
      evaluationFrequency: 'FIVE_MIN',
      filterPattern: 'ERROR',
      anomalyVisibilityTime: 14,
      anomalyDetectorStatus: 'TRAINING',
      creationTimeStamp: expect.any(Number),
      lastModifiedTimeStamp: expect.any(Number),
    });

    await logs.send(
      new UpdateLogAnomalyDetectorCommand({
        anomalyDetectorArn,
        enabled: false,
        evaluationFrequency: 'ONE_HOUR',
      }),
    );
    expect(await logs.send(new GetLogAnomalyDetectorCommand({ anomalyDetectorArn }))).toMatchObject({
      anomalyDetectorStatus: 'PAUSED',
      evaluationFrequency: 'ONE_HOUR',
    });

    const other = await logs.send(
      new CreateLogAnomalyDetectorCommand({ logGroupArnList: [GROUP_ARN('ad/two')] }),
    );
    const listed = async (filterLogGroupArn?: string) =>
      (await logs.send(new ListLogAnomalyDetectorsCommand({ filterLogGroupArn }))).anomalyDetectors!.map(
        (d) => d.anomalyDetectorArn,
      );
    expect(await listed()).toEqual([anomalyDetectorArn, other.anomalyDetectorArn]);
    expect(await listed(GROUP_ARN('ad/two'))).toEqual([other.anomalyDetectorArn]);
    const paged = await logs.send(new ListLogAnomalyDetectorsCommand({ limit: 1 }));
    expect(paged.anomalyDetectors).toHaveLength(1);
    expect(paged.nextToken).toEqual(expect.any(String));

    await logs.send(new TagResourceCommand({ resourceArn: anomalyDetectorArn, tags: { env: 'dev' } }));
    expect(
      await logs.send(new ListTagsForResourceCommand({ resourceArn: anomalyDetectorArn })),
    ).toMatchObject({
      tags: { team: 'api', env: 'dev' },
    });
    // No baseline is ever learned here, so no anomaly is stored.
    expect((await logs.send(new ListAnomaliesCommand({ anomalyDetectorArn }))).anomalies).toEqual([]);

    await logs.send(new DeleteLogAnomalyDetectorCommand({ anomalyDetectorArn }));
    expect(await errorOf(logs.send(new GetLogAnomalyDetectorCommand({ anomalyDetectorArn })))).toEqual({
      name: 'ResourceNotFoundException',
      message: `Anomaly detector ${anomalyDetectorArn} does not exist.`,
    });
    expect(await errorOf(logs.send(new ListAnomaliesCommand({ anomalyDetectorArn })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('are refused for bad input as the reference says', async () => {
    const refused = (input: ConstructorParameters<typeof CreateLogAnomalyDetectorCommand>[0]) =>
      errorOf(logs.send(new CreateLogAnomalyDetectorCommand(input)));
    expect(await refused({ logGroupArnList: [GROUP_ARN('ad/one'), GROUP_ARN('ad/two')] })).toEqual({
      name: 'InvalidParameterException',
      message: 'logGroupArnList must name exactly one log group ARN.',
    });
    expect(await refused({ logGroupArnList: [GROUP_ARN('ad/missing')] })).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(
      await refused({ logGroupArnList: [GROUP_ARN('ad/one')], filterPattern: '{ $.x = ' }),
    ).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(await refused({ logGroupArnList: [GROUP_ARN('ad/one')], anomalyVisibilityTime: 3 })).toMatchObject(
      {
        name: 'InvalidParameterException',
        message: expect.stringContaining('Member must have value greater than or equal to 7'),
      },
    );
  });
});
