/**
 * A real headless Chromium driven over the Chrome DevTools Protocol, with Node's own WebSocket:
 * the few commands the console's tests need (navigate, evaluate, screenshot) and every console
 * error, uncaught exception and failed load the page reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const CANDIDATES = [
  process.env.CHROME_PATH,
  '/usr/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/chromium-browser',
];

/** The browser binary (CHROME_PATH, Debian's chromium, or the CI runner's Chrome). */
export const browserPath = CANDIDATES.find((p): p is string => p !== undefined && existsSync(p));

/** Whether the browser tests run; under CI=true a missing browser must fail, not skip. */
export const browserAvailable = browserPath !== undefined || process.env.CI === 'true';

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

export interface Browser {
  /** Console errors, uncaught exceptions and resource failures, as the page reported them. */
  readonly errors: string[];
  navigate(url: string): Promise<void>;
  /** The value of `expression` evaluated in the page (awaited when a promise). */
  evaluate<T>(expression: string): Promise<T>;
  /** Polls `expression` until it is truthy; fails with `what` and the last value after `timeoutMs`. */
  waitFor<T>(what: string, expression: string, timeoutMs?: number): Promise<T>;
  /** A PNG of the whole page. */
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!browserPath) throw new Error("no Chromium: install Debian's chromium or set CHROME_PATH");
  const profile = await mkdtemp(join(tmpdir(), 'devkit-chromium-'));
  const child = spawn(
    browserPath,
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      // Nothing to reach offline: without these, Chromium tries Google's hosts as it starts (refused
      // here, or a DNS wait), and once took longer than the start timeout on a loaded CI machine.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--remote-debugging-port=0',
      '--remote-allow-origins=*',
      `--user-data-dir=${profile}`,
      '--window-size=1400,1000',
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let socket: WebSocket;
  try {
    socket = new WebSocket(await devtoolsUrl(child));
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', () => reject(new Error('cannot connect to Chromium')), { once: true });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Array<(params: Record<string, unknown>) => void>>();
  const errors: string[] = [];
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: Record<string, unknown>;
      error?: { message: string };
    };
    if (message.id !== undefined) {
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) call?.reject(new Error(`CDP: ${message.error.message}`));
      else call?.resolve(message.result ?? {});
    } else if (message.method) {
      for (const listener of listeners.get(message.method) ?? []) listener(message.params ?? {});
    }
  });
  const command = (method: string, params: Record<string, unknown>, session: string | undefined) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params, ...(session ? { sessionId: session } : {}) }));
    });
  const on = (method: string, listener: (params: Record<string, unknown>) => void) =>
    listeners.set(method, [...(listeners.get(method) ?? []), listener]);

  const { targetId } = (await command('Target.createTarget', { url: 'about:blank' }, undefined)) as {
    targetId: string;
  };
  const { sessionId } = (await command('Target.attachToTarget', { targetId, flatten: true }, undefined)) as {
    sessionId: string;
  };
  /** A command to the page. */
  const send = (method: string, params: Record<string, unknown> = {}) => command(method, params, sessionId);
  on('Runtime.consoleAPICalled', (p) => {
    if (p.type === 'error' || p.type === 'assert') {
      errors.push(
        `console.${String(p.type)}: ${JSON.stringify((p.args as Array<{ value?: unknown }>).map((a) => a.value))}`,
      );
    }
  });
  on('Runtime.exceptionThrown', (p) => {
    const details = p.exceptionDetails as { text: string; exception?: { description?: string } };
    errors.push(`exception: ${details.exception?.description ?? details.text}`);
  });
  on('Log.entryAdded', (p) => {
    const entry = p.entry as { level: string; text: string; url?: string };
    // Chromium aborts its open requests, loopback ones too, whenever the host's interfaces change,
    // and the Docker engine adds and removes them with every container the other tests start: the
    // page's event stream reconnects by itself. Not the page's error.
    if (entry.text.includes('net::ERR_NETWORK_CHANGED')) return;
    if (entry.level === 'error') errors.push(`log: ${entry.text} ${entry.url ?? ''}`);
  });
  await send('Page.enable');
  await send('Runtime.enable');
  await send('Log.enable');

  const evaluate = async <T>(expression: string): Promise<T> => {
    const { result, exceptionDetails } = (await send('Runtime.evaluate', {
      expression,
      returnByValue: true,
      awaitPromise: true,
    })) as {
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (exceptionDetails) {
      throw new Error(`evaluate failed: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value as T;
  };

  return {
    errors,
    async navigate(url) {
      const loaded = new Promise<void>((resolve) => on('Page.loadEventFired', () => resolve()));
      const { errorText } = (await send('Page.navigate', { url })) as { errorText?: string };
      if (errorText) throw new Error(`navigation to ${url} failed: ${errorText}`);
      await loaded;
    },
    evaluate,
    async waitFor<T>(what: string, expression: string, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: T | undefined;
      for (;;) {
        last = await evaluate<T>(expression);
        if (last) return last;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async screenshot(path) {
      const { cssContentSize } = (await send('Page.getLayoutMetrics')) as {
        cssContentSize: { width: number; height: number };
      };
      const { data } = (await send('Page.captureScreenshot', {
        format: 'png',
        captureBeyondViewport: true,
        clip: { x: 0, y: 0, width: cssContentSize.width, height: cssContentSize.height, scale: 1 },
      })) as { data: string };
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, Buffer.from(data, 'base64'));
    },
    async close() {
      await command('Browser.close', {}, undefined).catch(() => undefined);
      socket.close();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(kill);
      }
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Chromium prints its DevTools endpoint on stderr once it listens. */
function devtoolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`Chromium did not start: ${output.slice(-500)}`)),
      60_000,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code}): ${output.slice(-500)}`));
    });
  });
}
