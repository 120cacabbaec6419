/**
 * The record of a running `devkit up` in its state folder (.devkit/ by default): which process runs
 * it, where the cloud listens, the stage it deployed and on which load balancer port, the replay
 * container, the log file. A second `up`, `down` and every stage command (cloud-choice.ts) read it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface UpSession {
  /** The `devkit up` process (foreground) or the detached `devkit cloud` process. */
  pid: number;
  mode: 'foreground' | 'detached';
  target: 'local' | 'localstack';
  cloudUrl: string;
  /** The stage `up` deployed and its load balancer port (`--lb-port`, the stack's `${opt:lb-port}`). */
  stage: string;
  lbPort: number;
  serviceUrl: string | undefined;
  geminiContainer: string;
  /** The detached cloud's output. */
  logFile: string | undefined;
  startedAt: string;
}

const sessionFile = (stateDir: string) => join(stateDir, 'up.json');
export const cloudLogFile = (stateDir: string) => join(stateDir, 'cloud.log');
export const cloudPidFile = (stateDir: string) => join(stateDir, 'cloud.pid');
export const cloudDataDir = (stateDir: string) => join(stateDir, 'cloud');

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The session whose process still runs; a stale record (its process gone) is ignored. */
export async function runningSession(stateDir: string): Promise<UpSession | undefined> {
  const text = await readFile(sessionFile(stateDir), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const session = JSON.parse(text) as UpSession;
  return processAlive(session.pid) ? session : undefined;
}

export async function saveSession(stateDir: string, session: UpSession): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(sessionFile(stateDir), `${JSON.stringify(session, null, 2)}\n`);
  if (session.mode === 'detached') await writeFile(cloudPidFile(stateDir), `${session.pid}\n`);
}

export async function clearSession(stateDir: string): Promise<void> {
  await rm(sessionFile(stateDir), { force: true });
  await rm(cloudPidFile(stateDir), { force: true });
}
