// *.localhost names resolve to the loopback before the devkit calls them (Node's resolver does not),
// through a real server: a load balancer's DNS name reaches what listens on 127.0.0.1 at its port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachableUrl } from '../../src/net/loopback.ts';

describe('reachableUrl', () => {
  const server = createServer((request, response) => response.end(request.url));
  let port: number;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('maps localhost and *.localhost to 127.0.0.1, keeping port, path and query', () => {
    expect(reachableUrl('http://web-0123abcd.us-east-1.elb.localhost:8099', '/v1/info?x=1').href).toBe(
      'http://127.0.0.1:8099/v1/info?x=1',
    );
    expect(reachableUrl('http://localhost/health').href).toBe('http://127.0.0.1/health');
    expect(reachableUrl('http://LB-1.ELB.LOCALHOST:81/').href).toBe('http://127.0.0.1:81/');
  });

  it('leaves every other name alone (a real DNS name, a look-alike)', () => {
    expect(reachableUrl('http://web-1.us-east-1.elb.amazonaws.com', '/health').href).toBe(
      'http://web-1.us-east-1.elb.amazonaws.com/health',
    );
    expect(reachableUrl('http://localhost.example.com/').hostname).toBe('localhost.example.com');
    expect(reachableUrl('http://notlocalhost/').hostname).toBe('notlocalhost');
  });

  it('reaches a server on the loopback by a *.elb.localhost name, which fetch alone cannot resolve', async () => {
    const url = `http://web-0123abcd.us-east-1.elb.localhost:${port}`;
    await expect(fetch(`${url}/direct`)).rejects.toThrow();
    const response = await fetch(reachableUrl(url, '/through?ok=1'));
    expect(await response.text()).toBe('/through?ok=1');
  });
});
