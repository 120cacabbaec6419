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
