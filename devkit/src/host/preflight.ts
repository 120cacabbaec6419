/**
 * What the host must offer before the devkit starts anything: a Docker engine that answers and free
 * ports on 127.0.0.1. Failures are one line a human can act on.
 */
import type Docker from 'dockerode';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** undefined when the engine answers; else the line that says how to start it. */
export async function dockerProblem(docker: Docker): Promise<string | undefined> {
  try {
    await Promise.race([
      docker.ping(),
      sleep(5_000, undefined, { ref: false }).then(() => Promise.reject(new Error('no answer within 5 s'))),
    ]);
    return undefined;
  } catch (error) {
    const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0];
    return `Docker is not running (no answer at ${where}: ${reason}): start it (\`sudo systemctl start docker\`, \`sudo dockerd &\`, or open Docker Desktop), then run this again`;
  }
}

/** Whether nothing listens on 127.0.0.1:port (checked by listening there for a moment). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Who listens on a port, if it can be told: a container publishing it, or a local process. */
export async function portHolder(port: number, docker?: Docker): Promise<string | undefined> {
  if (docker) {
    const containers = await docker.listContainers().catch(() => []);
    const publisher = containers.find((c) => c.Ports.some((p) => p.PublicPort === port));
    if (publisher) return `container ${publisher.Names[0]?.replace(/^\//, '') ?? publisher.Id.slice(0, 12)}`;
  }
  const pid = await listeningPid(port);
  if (pid === undefined) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const command = cmdline.split('\0').filter(Boolean).join(' ');
  return `pid ${pid}${command ? ` (${command.length > 100 ? `${command.slice(0, 100)}…` : command})` : ''}`;
}

/** One line for a taken port: the port, its holder when known, and the way out. */
export async function portTakenLine(port: number, flag: string, docker?: Docker): Promise<string> {
  const holder = await portHolder(port, docker);
  return `port ${port} is taken${holder ? ` by ${holder}` : ''}: stop it, or pass ${flag} with a free port`;
}

/**
 * The process listening on a TCP port, from Linux's /proc (the socket's inode, then the process
 * holding it). undefined elsewhere or when the process belongs to someone we cannot inspect.
 */
export async function listeningPid(port: number): Promise<number | undefined> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state] = fields;
      const inode = fields[9];
      // State 0A is LISTEN; the local address ends with the port in hex.
      if (state === '0A' && local && inode && Number.parseInt(local.split(':').at(-1) ?? '', 16) === port)
        inodes.add(inode);
    }
  }
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) return Number(pid);
    }
  }
  return undefined;
}
