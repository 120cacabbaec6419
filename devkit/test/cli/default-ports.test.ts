/**
 * The ports devkit commands listen on by default stay distinct from each other and from the README's
 * own "other ports" example, and a taken port is one line naming its holder and the flag to pass.
 */
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envWithoutAws, REPO_ROOT, runCli } from './run-cli.ts';

/** The `(default: "N")` of each port option in a command's --help. */
async function helpPorts(command: string): Promise<number[]> {
  const { stdout } = await runCli([command, '--help']);
  return [...stdout.matchAll(/--(?:lb-)?port <port>[\s\S]*?\(default:\s+"(\d+)"\)/g)].map((m) =>
    Number(m[1]),
  );
}

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('default ports', () => {
  it('are distinct across commands and from the README example', async () => {
    const defaults = new Map<number, string>();
    for (const command of ['up', 'rehearse', 'gemini-mock', 'record']) {
      for (const port of await helpPorts(command)) {
        expect(defaults.get(port), `${command} and ${defaults.get(port)} both default to ${port}`).toBe(
          undefined,
        );
        defaults.set(port, command);
      }
    }
    expect(defaults.size).toBe(6);
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const examples = [...readme.matchAll(/--(?:lb-)?port (\d+)/g)].map((m) => Number(m[1]));
    expect(examples.length).toBeGreaterThan(0);
    for (const port of examples) expect(defaults.get(port), `README's --port ${port}`).toBe(undefined);
  });

  it('gemini-mock and record on a taken port: one line naming the holder and the flag', async () => {
    const { server, port } = await holdPort();
    try {
      const env = envWithoutAws({ GEMINI_API_KEY: 'not-a-real-key' });
      for (const command of [['gemini-mock'], ['record', 'taken-port-check']]) {
        const { code, stderr } = await runCli([...command, '--port', String(port)], { env });
        expect(code).toBe(1);
        expect(stderr.trim()).toMatch(
          new RegExp(
            `^error: port ${port} is taken by pid ${process.pid} \\(.*\\): stop it, or pass --port with a free port$`,
          ),
        );
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
