/** The Gemini client's fetch (node:http over keep-alive agents) against a real local server. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpFetch } from '../src/gemini/http-fetch.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
  socketPort: number | undefined;
}

/** A server answering with `handle`; every request it saw, with the client port of its socket. */
async function serve(
  handle: (res: ServerResponse, seen: Seen) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        socketPort: req.socket.remotePort,
      };
      seen.push(request);
      handle(res, request);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('createHttpFetch', () => {
  it('sends the method, headers and body, reads a JSON answer, and reuses the connection', async () => {
    const { url, seen } = await serve((res) =>
      res.writeHead(200, 'Fine', { 'content-type': 'application/json', 'x-extra': 'yes' }).end('{"a":1}'),
    );
    const fetch = createHttpFetch();
    const init = { method: 'POST', headers: new Headers({ 'x-goog-api-key': 'k' }), body: '{"q":1}' };
    const first = await fetch(`${url}/v1beta/models/m:generateContent?x=1`, init);
    expect(first.status).toBe(200);
    expect(first.statusText).toBe('Fine');
    expect(first.headers.get('x-extra')).toBe('yes');
    expect(await first.json()).toEqual({ a: 1 });
    await (await fetch(`${url}/again`, init)).text();
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/v1beta/models/m:generateContent?x=1',
      body: '{"q":1}',
    });
    expect(seen[0]!.headers).toMatchObject({ 'x-goog-api-key': 'k', 'accept-encoding': 'identity' });
    expect(seen[1]!.socketPort).toBe(seen[0]!.socketPort);
  });

  it('reads a whole body as text, JSON or bytes once, as a Response does', async () => {
    const { url } = await serve((res, seen) =>
      seen.url === '/cut'
        ? res.writeHead(200).end('{"cut')
        : res
            .writeHead(500, { 'content-type': 'application/json' })
            .end('{"error":{"code":500,"message":"é"}}'),
    );
    const fetch = createHttpFetch();
    const text = await fetch(url, {});
    expect(text).toBeInstanceOf(Response);
    expect(text.ok).toBe(false);
    expect(text.bodyUsed).toBe(false);
    expect(await text.text()).toBe('{"error":{"code":500,"message":"é"}}');
    expect(text.bodyUsed).toBe(true);
    await expect(text.json()).rejects.toMatchObject({ name: 'TypeError', message: /already been read/ });
    const bytes = await fetch(url, {});
    expect(new TextDecoder().decode(await bytes.bytes())).toBe('{"error":{"code":500,"message":"é"}}');
    await expect(bytes.arrayBuffer()).rejects.toThrow(TypeError);
    await expect((await fetch(`${url}/cut`, {})).json()).rejects.toThrow(SyntaxError);
  });

  it('hands an event stream over as it arrives', async () => {
    let held: ServerResponse | undefined;
    const { url } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      held = res;
    });
    const response = await createHttpFetch()(url, { method: 'POST', body: '{}' });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    held!.end('data: 2\n\n');
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 2\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('fails as fetch fails: no server, a body cut short, a stream cut short', async () => {
    const fetch = createHttpFetch();
    const { url } = await serve((res, seen) => {
      const stream = seen.url === '/stream';
      res.writeHead(200, {
        'content-type': stream ? 'text/event-stream' : 'application/json',
        'content-length': '100',
      });
      res.write(stream ? 'data: 1\n\n' : '{"cut');
      setImmediate(() => res.destroy());
    });
    await expect(fetch(url, {})).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
    const stream = await fetch(`${url}/stream`, {});
    await expect(stream.text()).rejects.toMatchObject({ name: 'TypeError', message: 'terminated' });
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    await expect(fetch(url, {})).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('closes the connection when the signal aborts, before or during the answer', async () => {
    let closed = 0;
    const { url } = await serve((res) => {
      res.once('close', () => closed++);
      res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: 1\n\n');
    });
    const fetch = createHttpFetch();
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    controller.abort();
    await expect(response.text()).rejects.toThrow();
    await expect(fetch(url, { signal: AbortSignal.abort() })).rejects.toThrow();
    await expect.poll(() => closed).toBe(1);
  });

  it('answers a 204 with no body, and refuses what it cannot send', async () => {
    const { url } = await serve((res) => res.writeHead(204).end());
    const fetch = createHttpFetch();
    const response = await fetch(url, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    await expect(fetch(new Request(url))).rejects.toThrow(/not a Request/);
    await expect(fetch('file:///etc/passwd')).rejects.toThrow(/file:/);
    await expect(fetch(url, { method: 'POST', body: new FormData() })).rejects.toThrow(/string or bytes/);
  });
});
