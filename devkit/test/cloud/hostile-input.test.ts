/**
 * Hostile input, case by case: requests a clumsy or malicious client sends. Each case asserts the
 * status and AWS error type of the answer (or that nothing was answered to a client that left);
 * after each, the cloud still answers its health check.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from './harness.ts';
import { errorType, rawRequest } from './raw-http.ts';

const ECS = 'AmazonEC2ContainerServiceV20141113';

let world: TestCloud;
let port: number;

beforeAll(async () => {
  world = await startTestCloud();
  port = world.cloud.port;
});
afterAll(() => world.dispose());

afterEach(async () => {
  const health = await fetch(`${world.cloud.url}/_devkit/health`, { signal: AbortSignal.timeout(2000) });
  expect(health.status).toBe(200);
});

function get(target: string, method = 'GET'): string {
  return `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
}

function ecsCall(operation: string, extraHeaders: string, body: string): string {
  return (
    `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: ${ECS}.${operation}\r\n` +
    `Content-Type: application/x-amz-json-1.1\r\nConnection: close\r\n${extraHeaders}\r\n${body}`
  );
}

describe('hostile input: HTTP framing', () => {
  it.each([
    ['GET //', get('//')],
    ['GET ///', get('///')],
    ['GET /\\', get('/\\')],
    ['POST //', get('//', 'POST')],
    ['absolute-form GET http://a:99999/', get('http://a:99999/')],
  ])('%s is an InvalidAction, not a crash', async (_name, request) => {
    const reply = await rawRequest(port, request);
    expect({ status: reply.status, type: errorType(reply) }).toEqual({ status: 400, type: 'InvalidAction' });
  });

  it('a client that aborts mid-body gets no reply and reaches no handler', async () => {
    const reply = await rawRequest(port, ecsCall('CreateCluster', 'Content-Length: 100\r\n', '{}'), {
      abortAfterMs: 200,
    });
    expect(reply.status).toBeUndefined();
  });

  it('a malformed chunked body is a 400 from the HTTP layer', async () => {
    const reply = await rawRequest(
      port,
      ecsCall('CreateCluster', 'Transfer-Encoding: chunked\r\n', 'ZZ\r\n{}\r\n0\r\n\r\n'),
    );
    expect(reply.status).toBe(400);
  });

  it('a chunked body cut short gets no reply', async () => {
    const reply = await rawRequest(
      port,
      ecsCall('CreateCluster', 'Transfer-Encoding: chunked\r\n', '10\r\n{"clusterN'),
      { abortAfterMs: 200 },
    );
    expect(reply.status).toBeUndefined();
  });

  it('an unparseable request line is a 400', async () => {
    const reply = await rawRequest(port, 'GARBAGE\r\n\r\n');
    expect(reply.status).toBe(400);
  });

  it('a 1 MB header is a 431 with Connection: close', async () => {
    const reply = await rawRequest(
      port,
      `GET /_devkit/health HTTP/1.1\r\nX-Big: ${'a'.repeat(1 << 20)}\r\n\r\n`,
    );
    expect({ status: reply.status, connection: reply.headers.connection }).toEqual({
      status: 431,
      connection: 'close',
    });
  });

  it('a 20 MB body with Content-Length is a 413 RequestEntityTooLarge with Connection: close', async () => {
    const body = Buffer.alloc(20 * 1024 * 1024, 0x20);
    const reply = await rawRequest(
      port,
      Buffer.concat([Buffer.from(ecsCall('ListClusters', `Content-Length: ${body.length}\r\n`, '')), body]),
    );
    expect({ status: reply.status, type: errorType(reply), connection: reply.headers.connection }).toEqual({
      status: 413,
      type: 'RequestEntityTooLarge',
      connection: 'close',
    });
  });

  it('a 20 MB body sent through fetch (chunked, no length) is a 413 RequestEntityTooLarge', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(world.cloud.url, {
      method: 'POST',
      headers: { 'x-amz-target': `${ECS}.ListClusters`, 'content-type': 'application/x-amz-json-1.1' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect({ status: res.status, type: res.headers.get('x-amzn-errortype') }).toEqual({
      status: 413,
      type: 'RequestEntityTooLarge',
    });
  });
});

function signed(service: string, region = 'us-east-1'): Record<string, string> {
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=x`,
  };
}

async function post(
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; type?: string }> {
  const res = await fetch(world.cloud.url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, type: errorType({ headers: Object.fromEntries(res.headers), body: text }) };
}

function ecs(operation: string, body: unknown, region?: string): Promise<{ status: number; type?: string }> {
  return post(typeof body === 'string' ? body : JSON.stringify(body), {
    'x-amz-target': `${ECS}.${operation}`,
    'content-type': 'application/x-amz-json-1.1',
    ...signed('ecs', region),
  });
}

describe('hostile input: decoding stays linear and bounded', () => {
  it('ec2Query DescribeVpcs with 80,000 VpcId.N parameters (1.7 MB) is decoded and answered', async () => {
    const ids = Array.from({ length: 80_000 }, (_, i) => `VpcId.${i + 1}=vpc-${String(i).padStart(8, '0')}`);
    const reply = await post(`Action=DescribeVpcs&Version=2016-11-15&${ids.join('&')}`, {
      'content-type': 'application/x-www-form-urlencoded',
      ...signed('ec2'),
    });
    expect(reply).toEqual({ status: 400, type: 'InvalidVpcID.NotFound' });
  });

  it('awsQuery with 80,000 list members is decoded and answered', async () => {
    const arns = Array.from({ length: 80_000 }, (_, i) => `Tags.member.${i + 1}.Key=k${i}`);
    const reply = await post(`Action=TagRole&Version=2010-05-08&RoleName=nobody&${arns.join('&')}`, {
      'content-type': 'application/x-www-form-urlencoded',
      ...signed('iam'),
    });
    expect(reply.status).toBe(400);
  });

  it('JSON nested 5,000,000 levels deep is a SerializationException', async () => {
    expect(await ecs('ListClusters', '['.repeat(5_000_000) + ']'.repeat(5_000_000))).toEqual({
      status: 400,
      type: 'SerializationException',
    });
  });

  it('JSON with 1,500,000 values is a SerializationException', async () => {
    expect(await ecs('DescribeClusters', { clusters: Array(1_500_000).fill('a') })).toEqual({
      status: 400,
      type: 'SerializationException',
    });
  });
});

function json(target: string, body: unknown, region?: string): Promise<{ status: number; type?: string }> {
  const service = target.startsWith('Logs_')
    ? 'logs'
    : target.startsWith('secretsmanager')
      ? 'secretsmanager'
      : target.startsWith('AmazonEC2ContainerRegistry')
        ? 'ecr'
        : 'ecs';
  return post(JSON.stringify(body), {
    'x-amz-target': target,
    'content-type': 'application/x-amz-json-1.1',
    ...signed(service, region),
  });
}

const ECR = 'AmazonEC2ContainerRegistry_V20150921';
const LOGS = 'Logs_20140328';
const SECRETS = 'secretsmanager';
const container = { name: 'app', image: 'app:1' };

describe('hostile input: a null inside a list is refused before any handler', () => {
  it.each([
    [
      'RegisterTaskDefinition containerDefinitions',
      `${ECS}.RegisterTaskDefinition`,
      { family: 'f', containerDefinitions: [null] },
      'InvalidParameterException',
    ],
    [
      'RegisterTaskDefinition portMappings',
      `${ECS}.RegisterTaskDefinition`,
      { family: 'f', containerDefinitions: [{ ...container, portMappings: [null] }] },
      'InvalidParameterException',
    ],
    [
      'RegisterTaskDefinition secrets',
      `${ECS}.RegisterTaskDefinition`,
      { family: 'f', containerDefinitions: [{ ...container, secrets: [null] }] },
      'InvalidParameterException',
    ],
    [
      'CreateService loadBalancers',
      `${ECS}.CreateService`,
      { serviceName: 's', loadBalancers: [null] },
      'InvalidParameterException',
    ],
    [
      'DescribeServices services',
      `${ECS}.DescribeServices`,
      { services: [null] },
      'InvalidParameterException',
    ],
    ['DescribeTasks tasks', `${ECS}.DescribeTasks`, { tasks: [null] }, 'InvalidParameterException'],
    [
      'RunTask containerOverrides',
      `${ECS}.RunTask`,
      { taskDefinition: 'f', overrides: { containerOverrides: [null] } },
      'InvalidParameterException',
    ],
    [
      'PutLogEvents logEvents',
      `${LOGS}.PutLogEvents`,
      { logGroupName: 'g', logStreamName: 's', logEvents: [null] },
      'InvalidParameterException',
    ],
    [
      'CreateSecret Tags',
      `${SECRETS}.CreateSecret`,
      { Name: 'n', SecretString: 'x', Tags: [null] },
      'ValidationException',
    ],
    [
      'ECR BatchDeleteImage imageIds',
      `${ECR}.BatchDeleteImage`,
      { repositoryName: 'repo', imageIds: [null] },
      'InvalidParameterException',
    ],
    [
      'ECR DescribeImages imageIds',
      `${ECR}.DescribeImages`,
      { repositoryName: 'repo', imageIds: [null] },
      'InvalidParameterException',
    ],
  ])('%s', async (_name, target, body, type) => {
    expect(await json(target, body)).toEqual({ status: 400, type });
  });
});

describe('hostile input: wrong types and numbers outside their type are SerializationExceptions', () => {
  it.each([
    ['desiredCount 2^31 (Smithy Integer is 32-bit)', { serviceName: 's', desiredCount: 2 ** 31 }],
    ['desiredCount 1e10', { serviceName: 's', desiredCount: 1e10 }],
    ['desiredCount 1.5', { serviceName: 's', desiredCount: 1.5 }],
    ['desiredCount 1e400 (Infinity once parsed)', '{"serviceName":"s","desiredCount":1e400}'],
    ['desiredCount as a string', { serviceName: 's', desiredCount: '1' }],
    ['serviceName as a number', { serviceName: 5 }],
    ['serviceName as an object', { serviceName: {} }],
    ['loadBalancers as a string', { serviceName: 's', loadBalancers: 'lb' }],
    ['loadBalancers as an object', { serviceName: 's', loadBalancers: { a: 1 } }],
    ['a structure given as a string', { serviceName: 's', deploymentConfiguration: 'fast' }],
    ['a boolean given as a number', { serviceName: 's', enableExecuteCommand: 1 }],
  ])('CreateService with %s', async (_name, body) => {
    expect(await ecs('CreateService', body)).toEqual({ status: 400, type: 'SerializationException' });
  });
});

describe("hostile input: AWS's model constraints, with each service's error type", () => {
  it('launchType BOGUS is outside the enum (ECS: InvalidParameterException)', async () => {
    expect(await ecs('CreateService', { serviceName: 's', launchType: 'BOGUS' })).toEqual({
      status: 400,
      type: 'InvalidParameterException',
    });
  });

  it('a 300-character ECS tag value is over TagValue max 256', async () => {
    expect(
      await ecs('CreateCluster', { clusterName: 'c', tags: [{ key: 'k', value: 'v'.repeat(300) }] }),
    ).toEqual({ status: 400, type: 'InvalidParameterException' });
  });

  it('a 70 KB secret is over SecretString max 65536 (Secrets Manager: ValidationException)', async () => {
    expect(await json(`${SECRETS}.CreateSecret`, { Name: 'big', SecretString: 'x'.repeat(70_000) })).toEqual({
      status: 400,
      type: 'ValidationException',
    });
  });

  it('a 300-character Secrets Manager tag value is over max 256', async () => {
    expect(
      await json(`${SECRETS}.CreateSecret`, {
        Name: 'tagged',
        SecretString: 'x',
        Tags: [{ Key: 'k', Value: 'v'.repeat(300) }],
      }),
    ).toEqual({ status: 400, type: 'ValidationException' });
  });

  it('an empty log group name is under min 1 (CloudWatch Logs: InvalidParameterException)', async () => {
    expect(await json(`${LOGS}.CreateLogGroup`, { logGroupName: '' })).toEqual({
      status: 400,
      type: 'InvalidParameterException',
    });
  });

  it('a log group name outside its pattern is refused', async () => {
    expect(await json(`${LOGS}.CreateLogGroup`, { logGroupName: 'a b$' })).toEqual({
      status: 400,
      type: 'InvalidParameterException',
    });
  });

  it('an IAM role name of 300 characters is over max 64 (IAM: ValidationError)', async () => {
    expect(
      await post(
        `Action=CreateRole&Version=2010-05-08&RoleName=${'r'.repeat(300)}&AssumeRolePolicyDocument=%7B%7D`,
        {
          'content-type': 'application/x-www-form-urlencoded',
          ...signed('iam'),
        },
      ),
    ).toEqual({ status: 400, type: 'ValidationError' });
  });

  it('an IAM MaxItems of 1.5 is not an integer', async () => {
    expect(
      await post('Action=ListRoles&Version=2010-05-08&MaxItems=1.5', {
        'content-type': 'application/x-www-form-urlencoded',
        ...signed('iam'),
      }),
    ).toEqual({ status: 400, type: 'ValidationError' });
  });

  it('an EC2 MaxResults of 2^31 is not an Integer (EC2: InvalidParameterValue)', async () => {
    expect(
      await post('Action=DescribeVpcs&Version=2016-11-15&MaxResults=2147483648', {
        'content-type': 'application/x-www-form-urlencoded',
        ...signed('ec2'),
      }),
    ).toEqual({ status: 400, type: 'InvalidParameterValue' });
  });

  it('a pattern is never run on a value longer than the model allows (ECR name of 100,000 characters)', async () => {
    expect(await json(`${ECR}.CreateRepository`, { repositoryName: `${'a-'.repeat(50_000)}!` })).toEqual({
      status: 400,
      type: 'InvalidParameterException',
    });
  });
});

describe('hostile input: the region in the SigV4 credential scope must be a region', () => {
  it.each([
    'constructor',
    '__proto__',
    'toString',
    'valueOf',
    'hasOwnProperty',
    'x'.repeat(300),
    'US-EAST-1',
  ])('region %s is an InvalidSignatureException (awsJson)', async (region) => {
    expect(await ecs('ListClusters', {}, region)).toEqual({ status: 403, type: 'InvalidSignatureException' });
  });

  it('region __proto__ is a SignatureDoesNotMatch (query)', async () => {
    expect(
      await post('Action=ListRoles&Version=2010-05-08', {
        'content-type': 'application/x-www-form-urlencoded',
        ...signed('iam', '__proto__'),
      }),
    ).toEqual({ status: 403, type: 'SignatureDoesNotMatch' });
  });

  it('a real region still works after them', async () => {
    expect(await ecs('ListClusters', {}, 'eu-west-1')).toEqual({ status: 200, type: undefined });
  });
});
