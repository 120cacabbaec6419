/**
 * The console's HTTP routes on the cloud's endpoint: the page at /_devkit/, its live updates as
 * server-sent events at /_devkit/stream, and its assets — echarts among them, served from the
 * installed package so the page works offline. Read-only: anything but GET/HEAD passes through.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Route } from '../gateway.ts';
import type { StateStore } from '../state/store.ts';
import { CONSOLE_PATH, pageOf, viewOf } from './page.ts';
import type { ConsoleQuery } from './read-model.ts';
import { readConsoleModel } from './read-model.ts';

const ASSETS: Record<string, { file: URL | string; type: string }> = {
  'console.js': {
    file: new URL('./assets/console.js', import.meta.url),
    type: 'text/javascript; charset=utf-8',
  },
  'console.css': { file: new URL('./assets/console.css', import.meta.url), type: 'text/css; charset=utf-8' },
  'echarts.min.js': {
    file: createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/** How often a stream looks for changes; a view is sent only when it differs from the last one. */
const STREAM_POLL_MS = 1000;
/** A comment now and then keeps proxies and idle timers from closing a quiet stream. */
const STREAM_HEARTBEAT_MS = 15_000;

/** Scripts only from the cloud itself; no inline script can run even if some markup slipped through. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function consoleRoute(store: StateStore): Route {
  const assets = new Map<string, Buffer>();
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // Not a URL (`//`, `/\`): not the console's; the gateway answers it as AWS would.
    const url = URL.parse(req.url ?? '/', 'http://console');
    if (!url) return false;
    if (url.pathname === '/_devkit') {
      res.writeHead(308, { location: CONSOLE_PATH + url.search }).end();
      return true;
    }
    if (!url.pathname.startsWith(CONSOLE_PATH)) return false;
    const rest = url.pathname.slice(CONSOLE_PATH.length);
    const host = req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`;
    const query = queryOf(url.searchParams);
    if (rest === '') {
      const model = readConsoleModel(store, query, host);
      const body = pageOf(model, viewOf(model));
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          ...SECURITY_HEADERS,
        })
        .end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    if (rest === 'stream') {
      stream(req, res, store, query, host);
      return true;
    }
    const asset = rest.startsWith('assets/') ? ASSETS[rest.slice('assets/'.length)] : undefined;
    if (asset && Object.hasOwn(ASSETS, rest.slice('assets/'.length))) {
      let body = assets.get(rest);
      if (!body) assets.set(rest, (body = await readFile(asset.file)));
      res
        .writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS })
        .end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    // Other /_devkit/ paths (the health route) belong to someone else.
    return false;
  };
}

function queryOf(params: URLSearchParams): ConsoleQuery {
  const query: ConsoleQuery = {};
  const region = params.get('region');
  const group = params.get('group');
  const filter = params.get('filter');
  if (region) query.region = region;
  if (group) query.logGroup = group;
  if (filter) query.filter = filter;
  return query;
}

/**
 * Server-sent events: `view` (the sections' HTML and the charts' data) whenever what the page
 * would show changed. Polling the state once a second is cheap at a laptop's scale and sees every
 * kind of change (API calls, the runtime, log shipping) without hooks into each.
 */
function stream(
  req: IncomingMessage,
  res: ServerResponse,
  store: StateStore,
  query: ConsoleQuery,
  host: string,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
  });
  res.write('retry: 2000\n\n');
  let last = '';
  const send = () => {
    try {
      const data = JSON.stringify(viewOf(readConsoleModel(store, query, host)));
      if (data !== last && !res.destroyed) res.write(`event: view\ndata: ${data}\n\n`);
      last = data;
    } catch (error) {
      console.error('[cloud] console update failed:', error);
    }
  };
  const poll = setInterval(send, STREAM_POLL_MS);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), STREAM_HEARTBEAT_MS);
  const stop = () => {
    clearInterval(poll);
    clearInterval(heartbeat);
  };
  req.on('close', stop);
  res.on('close', stop);
  send();
}
