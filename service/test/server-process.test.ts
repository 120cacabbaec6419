/**
 * The real server process (`node src/server.ts`): start-up configuration errors and the SIGTERM
 * drain, with Gemini as a real local stub.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSse } from './support/app.ts';
import { answerHeld, startHeldStream, startHoldingStub, type GeminiStub } from './support/gemini-stub.ts';

const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));
const QUESTION = JSON.stringify({ question: 'What is photosynthesis?' });

interface ServerProcess {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<number | null>;
  /** Resolves with the first log line that has this event. */
  event(name: string): Promise<Record<string, unknown>>;
}

const running: ServerProcess[] = [];
let stub: GeminiStub | undefined;
afterEach(async () => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
  await stub?.close();
  stub = undefined;
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: SERVICE_DIR,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: { name: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const raw of complete) {
      const line = JSON.parse(raw) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.name === line.event)) waiter.resolve(line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const server: ServerProcess = {
    child,
    url: `http://127.0.0.1:${env.PORT ?? 8080}`,
    lines,
    stderr,
    exited,
    event: (name) =>
      new Promise((resolve) => {
        const seen = lines.find((line) => line.event === name);
        if (seen) resolve(seen);
        else waiters.push({ name, resolve });
      }),
  };
  running.push(server);
  return server;
}

async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const server = spawnServer({ GEMINI_API_KEY: 'test-key-123', PORT: String(await freePort()), ...env });
  await Promise.race([
    server.event('listening'),
    server.exited.then((code) => {
      throw new Error(`server exited with ${code}: ${server.stderr.join('')}`);
    }),
  ]);
  return server;
}

const post = (url: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUESTION });

describe('SIGTERM', () => {
  it('stops accepting, finishes the request and the stream in flight, and exits 0', async () => {
    const holding = await startHoldingStub();
    stub = holding;
    const server = await startServer({ GEMINI_BASE_URL: holding.url, SHUTDOWN_GRACE_MS: '20000' });

    const unary = post(`${server.url}/v1/chat`);
    const streamed = post(`${server.url}/v1/chat/stream`);
    const held = [await holding.nextRequest(), await holding.nextRequest()];
    const streamIndex = holding.calls.findIndex((call) => call.stream);
    const [streamUpstream, unaryUpstream] = [held[streamIndex]!, held[1 - streamIndex]!];
    startHeldStream(streamUpstream, 'Photosynthesis ');
    const streamResponse = await streamed;

    server.child.kill('SIGTERM');
    expect(await server.event('drain_started')).toMatchObject({ signal: 'SIGTERM', inFlight: 2 });
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();

    answerHeld(unaryUpstream, 'Plants make sugar from light.');
    streamUpstream.end(
      `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: 'is how plants eat.' }] }, finishReason: 'STOP' }] })}\r\n\r\n`,
    );
    const unaryResponse = await unary;
    expect(unaryResponse.status).toBe(200);
    expect(((await unaryResponse.json()) as { answer: string }).answer).toBe('Plants make sugar from light.');
    const events = parseSse(await streamResponse.text());
    expect(events.map((event) => event.event)).toEqual(['delta', 'delta', 'done']);

    expect(await server.exited).toBe(0);
    expect(server.lines.map((line) => line.event)).toContain('drain_complete');
  });

  it('cuts what outlives SHUTDOWN_GRACE_MS and exits 1', async () => {
    const holding = await startHoldingStub();
    stub = holding;
    const server = await startServer({ GEMINI_BASE_URL: holding.url, SHUTDOWN_GRACE_MS: '300' });
    const stuck = post(`${server.url}/v1/chat`).catch((err: unknown) => err);
    await holding.nextRequest();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(1);
    expect(await stuck).toBeInstanceOf(Error);
    expect(server.lines.find((line) => line.event === 'drain_timeout')).toMatchObject({
      inFlight: 1,
      graceMs: 300,
    });
  });
});

describe('configuration errors', () => {
  it.each([
    [{ PORT: '8080' }, 'GEMINI_API_KEY'],
    [{ GEMINI_API_KEY: 'k', GEMINI_TIMEOUT_MS: 'soon' }, 'GEMINI_TIMEOUT_MS'],
    [{ GEMINI_API_KEY: 'k', GEMINI_BASE_URL: 'stub:8080' }, 'GEMINI_BASE_URL'],
    [{ GEMINI_API_KEY: 'k', MAX_QUEUE: '-5' }, 'MAX_QUEUE'],
  ])('%j stops the process with one line naming %s', async (env, variable) => {
    const server = spawnServer(env);
    expect(await server.exited).toBe(78);
    const output = server.stderr.join('');
    expect(output.trimEnd().split('\n')).toHaveLength(1);
    expect(output).toMatch(new RegExp(`^iscoolgpt: invalid configuration: ${variable} `));
    expect(server.lines).toEqual([]);
  });
});
