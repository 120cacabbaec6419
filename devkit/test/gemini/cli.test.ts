/** `devkit gemini-mock` and `devkit record` as a user runs them: real processes, real ports. */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from './fake-upstream.ts';
import { startFakeUpstream } from './fake-upstream.ts';

const DEVKIT = fileURLToPath(new URL('../../bin/devkit.js', import.meta.url));
const UNARY = '/v1beta/models/gemini-2.5-flash:generateContent';
const children: ChildProcessWithoutNullStreams[] = [];

function devkit(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [DEVKIT, ...args], { env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

/** Resolves with the first URL the command prints, or rejects with its output if it exits first. */
function printedUrl(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('devkit gemini-mock', () => {
  it('serves the project cassettes with fallback on the port it prints, and stops on SIGTERM', async () => {
    const child = devkit(['gemini-mock', '--port', '0', '--fallback', '--pacing', 'none']);
    const url = await printedUrl(child, /gemini-mock on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok', fallback: true });
    const reply = await fetch(`${url}${UNARY}`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'Anything?' }], role: 'user' }] }),
    });
    expect(reply.status).toBe(200);
    const done = exited(child);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });

  it('refuses a fault spec it cannot read, saying why', async () => {
    const { code, output } = await exited(devkit(['gemini-mock', '--port', '0', '--fault', 'teapot']));
    expect(code).not.toBe(0);
    expect(output).toContain("unknown fault 'teapot'");
  });
});

describe('devkit record', () => {
  let upstream: FakeUpstream;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devkit-record-cli-'));
    upstream = await startFakeUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(
        JSON.stringify({
          candidates: [{ content: { parts: [{ text: 'recorded' }] }, finishReason: 'STOP' }],
        }),
      );
    });
  });
  afterAll(async () => {
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('needs GEMINI_API_KEY in the environment', async () => {
    const { code, output } = await exited(
      devkit(['record', 'x', '--cassettes', dir], { GEMINI_API_KEY: '' }),
    );
    expect(code).not.toBe(0);
    expect(output).toContain('set GEMINI_API_KEY');
  });

  it('proxies to the upstream and leaves a scrubbed cassette when stopped', async () => {
    const key = 'AIzaSyD-cli-recording-key-000000000';
    const child = devkit(
      ['record', 'cli-scenario', '--cassettes', dir, '--port', '0', '--upstream', upstream.url],
      {
        GEMINI_API_KEY: key,
      },
    );
    const url = await printedUrl(child, /point the client at (http:\/\/127\.0\.0\.1:\d+)/);
    const reply = await fetch(`${url}${UNARY}`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'Record me' }], role: 'user' }] }),
    });
    expect(await reply.json()).toMatchObject({ candidates: [{ finishReason: 'STOP' }] });
    expect(upstream.received.at(-1)!.headers['x-goog-api-key']).toBe(key);
    const done = exited(child);
    child.kill('SIGINT');
    const { code, output } = await done;
    expect(code).toBe(0);
    expect(output).toContain('1 exchange(s)');
    const text = await readFile(join(dir, 'cli-scenario.json'), 'utf8');
    expect(text).toContain('Record me');
    expect(text).not.toContain(key);
  });
});
