import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { CallRecord, Route } from './gateway.ts';
import { Gateway } from './gateway.ts';
import { BlobStore } from './registry/blob-store.ts';
import { registryRoute } from './registry/route.ts';
import { ecrRegistryCatalog } from './services/ecr/index.ts';
import { allServices } from './services/index.ts';
import { StateStore } from './state/store.ts';

export const CLOUD_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface CloudOptions {
  /** 4566 by default, as LocalStack; 0 picks a free port. */
  port?: number;
  host?: string;
  /** Where state persists; without it, state lives in memory only. */
  dataDir?: string;
  onCall?: (call: CallRecord) => void;
}

export interface Cloud {
  url: string;
  port: number;
  store: StateStore;
  close(): Promise<void>;
}

/** Starts the local cloud: one HTTP endpoint on 127.0.0.1 for every emulated AWS service. */
export async function startCloud(options: CloudOptions = {}): Promise<Cloud> {
  const host = options.host ?? '127.0.0.1';
  const store = await StateStore.open(options.dataDir);
  const blobs = await BlobStore.open(options.dataDir);
  const started = Date.now();
  const healthRoute: Route = (req, res) => {
    if (req.method !== 'GET' || req.url !== '/_devkit/health') return false;
    const body = JSON.stringify({
      status: 'running',
      version: CLOUD_VERSION,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      services: Object.fromEntries(gateway.services.map((s) => [s.signingName, 'running'])),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return true;
  };
  const gateway: Gateway = new Gateway({
    services: allServices,
    store,
    routes: [healthRoute, registryRoute({ catalog: ecrRegistryCatalog(store), blobs })],
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
  const server = createServer((req, res) => void gateway.handle(req, res));
  // The SDK keeps connections alive between calls; match AWS's generous idle window.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4566, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.flush();
      await blobs.close();
    },
  };
}
