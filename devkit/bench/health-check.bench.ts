/**
 * Issues 14 and 16: what the container health check costs inside the task. ECS runs the task
 * definition's healthCheck.command in the container every interval, under the task's CPU limit; a
 * probe that is slow to start there (a Node process: the 0.25 vCPU experiment's checks timed out)
 * fails a healthy task and lengthens every deploy. The service image runs as a 0.25 vCPU / 512 MiB
 * task would (--cpus 0.25, --memory 512m); each probe is exec'd 15 times, idle and while 8 requests
 * are in flight against the API. Printed per probe: its own CPU (the kernel's count for the probe's
 * process tree, read by bash's `times`), the container's CPU per exec at idle (the probe plus the
 * engine's exec machinery inside the task's cgroup), and the exec's wall time, p50 and max.
 * "node+fetch" is the probe the image had before (dist/healthcheck.js did exactly this).
 */
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { withBaseImages, STANDARD_NODE_IMAGE } from '../src/deploy/base-images.ts';
import { fmt, median, row } from './stats.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXECS = 15;
const IN_FLIGHT = 8;
const PROBES: Record<string, string> = {
  'node+fetch (before)':
    "node -e 'fetch(`http://127.0.0.1:8080/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))'",
  'bash (now)': 'bash dist/healthcheck.sh',
};

const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(', ');

export default async function healthCheckBench(): Promise<void> {
  const docker = new Docker();
  const id = randomBytes(4).toString('hex');
  const image = `devkit-bench/health-check:${id}`;
  const name = `devkit-bench-health-check-${id}`;
  const base = await withBaseImages(docker, {
    BUILD_IMAGE: STANDARD_NODE_IMAGE,
    RUNTIME_IMAGE: STANDARD_NODE_IMAGE,
  });
  const buildArgs = Object.entries(base).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
  await run('docker', ['build', '--quiet', '-f', 'service/Dockerfile', '-t', image, ...buildArgs, '.'], {
    cwd: REPO,
  });
  try {
    await run('docker', [
      'run',
      '--detach',
      '--name',
      name,
      '--cpus',
      '0.25',
      '--memory',
      '512m',
      '--publish',
      '127.0.0.1::8080',
      '--env',
      'GEMINI_API_KEY=bench-key',
      // No chat request is made: nothing needs an upstream.
      '--env',
      'GEMINI_BASE_URL=http://127.0.0.1:9',
      '--no-healthcheck',
      image,
    ]);
    const container = docker.getContainer(name);
    const port = Number((await run('docker', ['port', name, '8080/tcp'])).stdout.trim().split(':').pop());
    await until(async () => (await exec(container, 'bash dist/healthcheck.sh')).code === 0);
    console.log(
      `service image at --cpus 0.25 --memory 512m; ${EXECS} execs per probe and condition; load average ${load()}`,
    );
    console.log(row(['probe', 'condition', 'CPU ms', 'task CPU ms', 'wall p50 ms', 'wall max']));
    for (const [label, command] of Object.entries(PROBES)) {
      for (const busy of [false, true]) {
        const stop = busy ? keepInFlight(port, IN_FLIGHT) : undefined;
        const before = await cpuNanos(container);
        const cpu: number[] = [];
        const wall: number[] = [];
        for (let i = 0; i < EXECS; i++) {
          const t0 = performance.now();
          const result = await exec(container, `${command} >/dev/null; status=$?; times; exit $status`);
          wall.push(performance.now() - t0);
          if (result.code !== 0) throw new Error(`${label} failed (${result.code}): ${result.output}`);
          cpu.push(childrenCpuMs(result.output));
        }
        const taskCpuPerExec = (Number((await cpuNanos(container)) - before) / 1e6 / EXECS).toFixed(1);
        await stop?.();
        console.log(
          row([
            label,
            busy ? `${IN_FLIGHT} in flight` : 'idle',
            fmt(median(cpu), 1),
            busy ? '-' : taskCpuPerExec,
            fmt(median(wall), 0),
            fmt(Math.max(...wall), 0),
          ]),
        );
      }
    }
    console.log(`load average now ${load()}`);
  } finally {
    await run('docker', ['rm', '--force', name]).catch(() => undefined);
    await run('docker', ['image', 'rm', image]).catch(() => undefined);
  }
}

/** Runs `script` with bash in the container (as ECS runs a CMD health check: docker exec). */
async function exec(container: Docker.Container, script: string): Promise<{ code: number; output: string }> {
  const execution = await container.exec({
    Cmd: ['bash', '-c', script],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await execution.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on('end', resolve));
  const { ExitCode } = await execution.inspect();
  return { code: ExitCode ?? -1, output: Buffer.concat(chunks).toString('latin1') };
}

/** The children's user + system CPU from `times` (its second line: `0m0.004s 0m0.007s`). */
function childrenCpuMs(output: string): number {
  const lines = [...output.matchAll(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/g)];
  const children = lines.at(-1);
  if (!children) throw new Error(`no \`times\` output in ${JSON.stringify(output)}`);
  const [, um, us, sm, ss] = children.map(Number) as [number, number, number, number, number];
  return (um * 60 + us + sm * 60 + ss) * 1000;
}

async function cpuNanos(container: Docker.Container): Promise<bigint> {
  const stats = await container.stats({ stream: false, 'one-shot': true });
  return BigInt(stats.cpu_stats.cpu_usage.total_usage);
}

/** Keeps `count` GET /v1/info requests in flight until the returned stop is awaited. */
function keepInFlight(port: number, count: number): () => Promise<void> {
  let running = true;
  const loop = async () => {
    while (running)
      await new Promise<void>((resolve) => {
        request({ host: '127.0.0.1', port, path: '/v1/info' }, (response) =>
          response.resume().on('end', resolve),
        )
          .on('error', () => resolve())
          .end();
      });
  };
  const loops = Array.from({ length: count }, loop);
  return async () => {
    running = false;
    await Promise.all(loops);
  };
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    if (await condition().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error('the service did not answer its health check within 30 s');
}
