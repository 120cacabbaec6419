/** The real docker CLI for tests, with a private config dir so `docker login` never touches the user's. */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

function engineReachable(): boolean {
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether a Docker engine answers; under CI=true its absence must fail, not skip. */
export const dockerAvailable = process.env.CI === 'true' || engineReachable();

const dockerConfig = mkdtempSync(join(tmpdir(), 'devkit-docker-config-'));

/** Runs `docker <args>`; resolves with stdout, rejects with stderr in the message. */
export async function docker(args: string[], options: { input?: string } = {}): Promise<string> {
  const child = exec('docker', args, {
    env: { ...process.env, DOCKER_CONFIG: dockerConfig },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (options.input !== undefined) child.child.stdin?.end(options.input);
  try {
    return (await child).stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`docker ${args.join(' ')} failed: ${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}

/** Removes the private config dir (and the logins in it). */
export function disposeDockerConfig(): void {
  rmSync(dockerConfig, { recursive: true, force: true });
}
