/**
 * The container's health check probe (src/healthcheck.sh) run by bash, as ECS and Docker run it,
 * against the real app and against servers that fail in each way a probe must notice.
 */
import { execFile } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from './support/app.ts';

const PROBE = fileURLToPath(new URL('../src/healthcheck.sh', import.meta.url));

/** The probe's exit code and output with PORT set, as the task's environment sets it. */
function probe(port: number): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('bash', [PROBE], { env: { PORT: String(port) }, timeout: 20_000 }, (error, stdout) =>
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout }),
    );
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const servers: Server[] = [];
const sockets: Socket[] = [];
let app: RunningApp | undefined;
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  await app?.close();
  app = undefined;
});

describe('health check probe', () => {
  it('passes on the API answering 200 from /health, and prints its answer', async () => {
    app = await startApp();
    const result = await probe(Number(new URL(app.url).port));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^health: HTTP\/1\.1 200 OK \{"status":"ok"/);
  });

  it('fails on any other status from /health', async () => {
    const paths: string[] = [];
    const server = createHttpServer((request, response) => {
      paths.push(request.url ?? '');
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end('{"status":"unhealthy","reason":"event_loop_stalled"}');
    });
    servers.push(server);
    const result = await probe(await listen(server));
    expect(result).toEqual({
      code: 1,
      stdout:
        'health: HTTP/1.1 503 Service Unavailable {"status":"unhealthy","reason":"event_loop_stalled"}\n',
    });
    expect(paths).toEqual(['/health']);
  });

  it('fails when nothing listens on the port', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const result = await probe(port);
    expect(result).toEqual({ code: 1, stdout: `health: nothing answers on 127.0.0.1:${port}\n` });
  });

  it('fails when the server accepts and never answers', async () => {
    const server = createServer((socket) => sockets.push(socket));
    servers.push(server);
    const result = await probe(await listen(server));
    expect(result).toEqual({ code: 1, stdout: 'health: no answer within 3 s\n' });
  }, 20_000);
});
