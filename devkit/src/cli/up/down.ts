/**
 * `devkit down`: stops what `up` started — a detached cloud (by its recorded pid), a foreground `up`
 * (its own Ctrl-C path), or, without a record, the devkit cloud listening on the port — and removes
 * the replay server container. The cloud removes its task containers and networks as it stops.
 */
import Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { listeningPid } from '../../host/preflight.ts';
import { stopProcess } from './detached-cloud.ts';
import { geminiContainerName, removeGeminiContainer } from '../../gemini/container.ts';
import { clearSession, runningSession } from './session.ts';

export interface DownOptions {
  port: number;
  stateDir: string;
}

/** Returns what it did, one line each; an empty list means nothing was running. */
export async function down(options: DownOptions): Promise<string[]> {
  const stateDir = resolve(options.stateDir);
  const done: string[] = [];
  const docker = new Docker();
  const session = await runningSession(stateDir);
  const geminiName = session?.geminiContainer ?? geminiContainerName(options.port);
  // The replay server first: a network with a container still attached cannot be removed.
  if (await removeGeminiContainer(docker, geminiName))
    done.push(`removed the replay server container ${geminiName}`);
  const pid = session?.pid ?? (await devkitCloudOn(options.port));
  if (pid !== undefined) {
    const how = await stopProcess(pid);
    const what = session?.mode === 'foreground' ? '`devkit up`' : 'the local cloud';
    done.push(
      how === 'killed'
        ? `killed ${what} (pid ${pid}) after it did not stop in time: its containers may be left (docker ps --filter label=dev.iscoolgpt.devkit.managed)`
        : `stopped ${what} (pid ${pid}); it removed its task containers and networks`,
    );
  }
  await clearSession(stateDir);
  return done;
}

/** The pid of a `devkit cloud` process listening on the port, if that is what listens there. */
async function devkitCloudOn(port: number): Promise<number | undefined> {
  const pid = await listeningPid(port);
  if (pid === undefined) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const args = cmdline.split('\0');
  const isDevkit =
    args.some((a) => a.endsWith('devkit.js') || a.endsWith('devkit')) &&
    (args.includes('cloud') || args.includes('up'));
  return isDevkit ? pid : undefined;
}
