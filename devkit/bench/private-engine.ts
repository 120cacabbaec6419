/**
 * A second Docker engine of the bench's own, with nothing in it (no images, no build cache), so a
 * cold measurement never prunes the engine other work shares. Its own data and exec roots (and so
 * its own containerd), socket and bridge on a /24 no route uses; its user networks come from a
 * pool no route uses either. It manages no iptables (the shared engine's chains stay untouched):
 * the bench adds the FORWARD rules its networks need (builds reaching the npm registry, tasks
 * reaching the replay server) and a MASQUERADE rule for its bridge, and removes them with the engine. Needs root (dockerd, ip, iptables).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateEngine {
  /** unix://… for DOCKER_HOST. */
  host: string;
  stop(): Promise<void>;
}

/** The first 10.<n>.0.0/16 (n from 200) that no route on this host overlaps. */
async function freeSixteen(): Promise<number> {
  const { stdout } = await run('ip', ['-4', 'route']);
  for (let n = 200; n < 250; n++) if (!stdout.includes(`10.${n}.`)) return n;
  throw new Error('no free 10.x.0.0/16 for the private engine');
}

export async function startPrivateEngine(dir: string): Promise<PrivateEngine> {
  if (process.getuid?.() !== 0) throw new Error('a private Docker engine needs root');
  const n = await freeSixteen();
  const bridge = `dkcold${n}`;
  const bridgeNet = `10.${n}.0.0/24`;
  const socket = join(dir, 'docker.sock');
  await mkdir(join(dir, 'data'), { recursive: true });
  await mkdir(join(dir, 'exec'), { recursive: true });
  const undo: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    await run('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
    undo.push(() => run('ip', ['link', 'delete', bridge]));
    await run('ip', ['addr', 'add', `10.${n}.0.1/24`, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
    const rules = [
      ['-t', 'nat', '-I', 'POSTROUTING', '-s', bridgeNet, '!', '-o', bridge, '-j', 'MASQUERADE'],
      ['-I', 'FORWARD', '-i', bridge, '-j', 'ACCEPT'],
      ['-I', 'FORWARD', '-o', bridge, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
      // Between containers on the engine's own networks (bridged traffic passes FORWARD, whose
      // policy the shared engine set to DROP): a task reaching the replay server.
      ['-I', 'FORWARD', '-s', `10.${n}.0.0/16`, '-d', `10.${n}.0.0/16`, '-j', 'ACCEPT'],
    ];
    for (const rule of rules) {
      await run('iptables', rule);
      undo.push(() =>
        run(
          'iptables',
          rule.map((arg) => (arg === '-I' ? '-D' : arg)),
        ),
      );
    }
    const log = await open(join(dir, 'dockerd.log'), 'a');
    const daemon = spawn(
      'dockerd',
      [
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'exec'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '--host',
        `unix://${socket}`,
        '--bridge',
        bridge,
        '--iptables=false',
        '--ip-masq=false',
        '--default-address-pool',
        `base=10.${n}.0.0/16,size=24`,
        '--cgroup-parent',
        bridge,
      ],
      { stdio: ['ignore', log.fd, log.fd] },
    );
    await log.close();
    const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
    undo.push(async () => {
      daemon.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000).then(() => daemon.kill('SIGKILL'))]);
      await rm(dir, { recursive: true, force: true });
    });
    const host = `unix://${socket}`;
    for (let tries = 0; ; tries++) {
      const up = await run('docker', ['-H', host, 'info'], { timeout: 10_000 }).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (daemon.exitCode !== null || tries > 120)
        throw new Error(`the private engine did not start (see ${join(dir, 'dockerd.log')})`);
      await sleep(500);
    }
    return { host, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
