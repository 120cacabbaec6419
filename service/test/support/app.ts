/** Runs the API in-process on 127.0.0.1 with captured logs, and talks to it over real HTTP. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';

export const TEST_API_KEY = 'key1234'; // the key Google's api-key fixture echoes in its DebugInfo

export interface RunningApp {
  url: string;
  app: App;
  /** Raw log lines, as written to stdout. */
  lines: string[];
  /** The log lines parsed. */
  logs(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startApp(
  env: Record<string, string> = {},
  options: { eventLoopStallMs?: number } = {},
): Promise<RunningApp> {
  const config = loadConfig({
    GEMINI_API_KEY: TEST_API_KEY,
    GEMINI_MAX_RETRIES: '2',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const lines: string[] = [];
  const logger = createLogger({
    level: config.logLevel,
    secrets: [config.gemini.apiKey],
    destination: { write: (line) => void lines.push(line) },
  });
  const app = createApp({ config, logger, ...options });
  const server = createServer(app.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    lines,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    close: () =>
      new Promise((resolve) => {
        app.stop();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface JsonReply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as JsonReply['body'],
  };
}

export async function getJson(url: string): Promise<JsonReply> {
  const response = await fetch(url);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as JsonReply['body'],
  };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Parses a whole text/event-stream body into its events. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const fields = new Map(
        block
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      );
      return {
        event: fields.get('event') ?? 'message',
        data: JSON.parse(fields.get('data') ?? '{}') as Record<string, unknown>,
      };
    });
}

export async function postStream(
  url: string,
  body: unknown,
): Promise<{ status: number; headers: Headers; events: SseEvent[]; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const isSse = response.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  return { status: response.status, headers: response.headers, events: isSse ? parseSse(text) : [], text };
}
