/**
 * The gateway's answer to operations it does not serve: a real operation of the service's AWS model
 * is a 501 NotImplemented naming itself and its service; a name that is no operation gets AWS's own
 * UnknownOperationException / InvalidAction. Through the real SDK clients and the real AWS CLI.
 */
import { DescribeImageReplicationStatusCommand, ECRClient } from '@aws-sdk/client-ecr';
import { EC2Client, DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { IAMClient, ListSAMLProvidersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from './harness.ts';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(async () => {
  await t.dispose();
});

describe('operations the local cloud does not serve', () => {
  it.each([
    [
      'ecr',
      'DescribeImageReplicationStatus',
      () =>
        new ECRClient(t.clientConfig).send(
          new DescribeImageReplicationStatusCommand({ repositoryName: 'app', imageId: { imageTag: 'v1' } }),
        ),
    ],
    ['ec2', 'DescribeImages', () => new EC2Client(t.clientConfig).send(new DescribeImagesCommand({}))],
    ['iam', 'ListSAMLProviders', () => new IAMClient(t.clientConfig).send(new ListSAMLProvidersCommand({}))],
  ] as const)(
    '%s %s is a 501 NotImplemented naming the operation and the service, tried once',
    async (service, operation, call) => {
      const error = await call().then(
        () => undefined,
        (e: unknown) =>
          e as { name: string; message: string; $metadata: { httpStatusCode: number; attempts: number } },
      );
      expect(error).toMatchObject({
        name: 'NotImplemented',
        $metadata: { httpStatusCode: 501, attempts: 1 },
      });
      expect(error!.message).toMatch(
        new RegExp(
          `^${operation} \\(service ${service}\\) is not implemented by the local cloud: it serves \\d+ of ${service}'s \\d+ operations`,
        ),
      );
    },
  );

  it.runIf(awsCliAvailable)('the AWS CLI shows the same one-line error', async () => {
    await expect(
      t.aws([
        'ecr',
        'describe-image-replication-status',
        '--repository-name',
        'app',
        '--image-id',
        'imageTag=v1',
      ]),
    ).rejects.toThrow(
      /An error occurred \(NotImplemented\) when calling the DescribeImageReplicationStatus operation: DescribeImageReplicationStatus \(service ecr\) is not implemented by the local cloud/,
    );
    await expect(t.aws(['logs', 'describe-export-tasks'])).rejects.toThrow(
      /\(NotImplemented\) when calling the DescribeExportTasks operation: DescribeExportTasks \(service logs\)/,
    );
  });

  it('a name that is no operation of the service is still the UnknownOperationException / InvalidAction', async () => {
    const json = await fetch(t.cloud.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.LaunchRockets',
      },
      body: '{}',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Operation LaunchRockets is not an operation of this service (service ecr).',
    });
    const query = await fetch(t.cloud.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=LaunchRockets&Version=2016-11-15',
    });
    expect(query.status).toBe(400);
    expect(await query.text()).toContain('<Code>InvalidAction</Code>');
  });

  it('an unsigned query request for an unserved operation names the service whose model has it', async () => {
    const reply = await fetch(t.cloud.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=CreateSAMLProvider&Version=2010-05-08',
    });
    expect(reply.status).toBe(501);
    const text = await reply.text();
    expect(text).toContain('<Code>NotImplemented</Code>');
    expect(text).toContain('CreateSAMLProvider (service iam) is not implemented by the local cloud');
  });
});
