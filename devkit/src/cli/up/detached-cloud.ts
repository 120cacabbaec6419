/**
 * `up --detach` runs the local cloud as a background `devkit cloud` process (its output in a log
 * file), so it outlives the `up` that started it; `down` stops it by its pid.
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { RuntimeHealth } from '../../cloud/runtime/task-runtime.ts';
import { processAlive } from './session.ts';

const BIN = fileURLToPath(new URL('../../../bin/devkit.js', import.meta.url));

export interface DetachedCloudOptions {
  port: number;
  dataDir: string;
  logFile: string;
  /** `--enforce-iam` for the cloud process. */
  enforceIam?: boolean;
  /** How long the cloud may take to answer its health check. */
  readyTimeoutMs?: number;
}

/**
 * Starts the cloud process, detached from this one, and waits until it answers; its health output
 * gives its runtime's id, which a container beside it is labelled with.
 */
export async function startDetachedCloud(
  options: DetachedCloudOptions,
): Promise<{ pid: number; url: string; cloudId: string | undefined }> {
  const log = await open(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      BIN,
      'cloud',
      '--port',
      String(options.port),
      '--data-dir',
      options.dataDir,
      '--cleanup',
      ...(options.enforceIam ? ['--enforce-iam'] : []),
    ],
    { detached: true, stdio: ['ignore', log.fd, log.fd] },
  );
  child.unref();
  await log.close();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the local cloud process (see ${options.logFile})`);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    const health = await fetch(`${url}/_devkit/health`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => (r.ok ? (r.json() as Promise<{ runtime?: Partial<RuntimeHealth> }>) : undefined))
      .catch(() => undefined);
    if (health) return { pid, url, cloudId: health.runtime?.cloudId };
    if (!processAlive(pid) || Date.now() > deadline) {
      const last = (await readFile(options.logFile, 'utf8').catch(() => '')).trim().split('\n').at(-1);
      if (processAlive(pid)) process.kill(pid, 'SIGTERM');
      throw new Error(`the local cloud did not start: ${last || 'no output'} (log: ${options.logFile})`);
    }
    await sleep(200);
  }
}

/** SIGTERM, then waits for the process to end (SIGKILL after `graceMs`). */
export async function stopProcess(pid: number, graceMs = 60_000): Promise<'stopped' | 'killed' | 'gone'> {
  if (!processAlive(pid)) return 'gone';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      return 'killed';
    }
    await sleep(100);
  }
  return 'stopped';
}
