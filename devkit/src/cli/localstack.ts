/**
 * `devkit up --target localstack`: starts the LocalStack container as compose.yaml's `localstack`
 * service defines it (image, environment, ports, Docker socket, init hooks from localstack/) through
 * dockerode, waits for /_localstack/health, and checks that ECS and ECR are available. Every refusal
 * is one line saying what to do.
 */
import type Docker from 'dockerode';
import { dirname, isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ComposeModel, ComposeService } from '../compose/compose-file.ts';
import { readComposeFile } from '../compose/compose-file.ts';
import { resolveTarget } from '../deploy/target.ts';
import type { Target } from '../deploy/target.ts';

export const COMPOSE_FILE = fileURLToPath(new URL('../../../compose.yaml', import.meta.url));
const SERVICE = 'localstack';

/** A refusal a human can act on: its message is the one line to print. */
export class LocalstackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalstackError';
  }
}

export interface LocalstackOptions {
  docker: Docker;
  region: string;
  /** Variables for compose.yaml's interpolation and the container's pass-through environment. */
  env?: Readonly<Record<string, string | undefined>>;
  composeFile?: string;
  /** How long LocalStack may take to answer /_localstack/health. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningLocalstack {
  target: Target;
  containerId: string;
  /** Stops and removes the container (its named volume stays, as `docker compose down` keeps it). */
  stop(): Promise<void>;
}

const INSTEAD = 'or use the default target: `npm run up`';

export function requireAuthToken(env: Readonly<Record<string, string | undefined>>): string {
  const token = env.LOCALSTACK_AUTH_TOKEN;
  if (!token) {
    throw new LocalstackError(
      `LOCALSTACK_AUTH_TOKEN is not set: LocalStack's image needs an auth token (with a plan that includes ECS and ECR) — get one at https://app.localstack.cloud, then run \`LOCALSTACK_AUTH_TOKEN=<token> npm run up -- --target localstack\`; ${INSTEAD}`,
    );
  }
  return token;
}

/** Starts (or reuses) the LocalStack container and returns the target to deploy to. */
export async function startLocalstack(options: LocalstackOptions): Promise<RunningLocalstack> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  requireAuthToken(env);
  const composeFile = options.composeFile ?? COMPOSE_FILE;
  const model = readComposeFile(composeFile, env);
  const service = model.services[SERVICE];
  if (!service?.image)
    throw new LocalstackError(`${composeFile} defines no ${SERVICE} service with an image`);
  const spec = containerSpec(model, service, dirname(composeFile), env);
  const { docker } = options;

  await ensureImage(docker, service.image, log);
  for (const volume of spec.volumes) {
    await docker.createVolume({ Name: volume, Labels: spec.labels }).catch(() => undefined);
  }
  const existing = await docker
    .getContainer(spec.name)
    .inspect()
    .catch(() => undefined);
  if (existing && !existing.State.Running) await docker.getContainer(spec.name).remove({ force: true });
  const container =
    existing?.State.Running === true
      ? docker.getContainer(spec.name)
      : await docker.createContainer(spec.create);
  if (existing?.State.Running !== true) {
    log(`starting ${spec.name} (${service.image}) on ${spec.endpoint}`);
    await container.start();
  } else {
    log(`${spec.name} is already running on ${spec.endpoint}`);
  }

  const stop = async () => {
    await container.remove({ force: true }).catch(() => undefined);
  };
  try {
    await waitForHealth(container, spec.endpoint, options.readyTimeoutMs ?? 180_000);
    // The deploy target's own check: ECS and ECR must be available, else it says what to do.
    const target = await resolveTarget('localstack', { region: options.region, endpoint: spec.endpoint });
    log(`LocalStack is ready at ${spec.endpoint} with ECS and ECR available`);
    return { target, containerId: container.id, stop };
  } catch (error) {
    await stop();
    throw error instanceof LocalstackError ? error : new LocalstackError((error as Error).message);
  }
}

async function ensureImage(docker: Docker, image: string, log: (line: string) => void): Promise<void> {
  const present = await docker
    .getImage(image)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) return;
  log(`pulling ${image}`);
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((done, fail) => {
      docker.modem.followProgress(stream, (error: Error | null, messages: Array<{ error?: string }>) => {
        const failed = error?.message ?? messages.find((m) => m.error)?.error;
        if (failed) fail(new Error(failed));
        else done();
      });
    });
  } catch (error) {
    const reason = ((error as Error).message.split('\n')[0] ?? '').replace(
      /^\(HTTP code \d+\) [\w ]+ - /,
      '',
    );
    throw new LocalstackError(
      `cannot pull ${image}: ${reason.trim()}. Fix: give this machine access to its registry (or \`docker load\` the image from a machine that has it; LOCALSTACK_IMAGE names another), then retry; ${INSTEAD}`,
    );
  }
}

/** Polls /_localstack/health until it answers; a container that exits meanwhile fails with its last log line. */
async function waitForHealth(container: Docker.Container, endpoint: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    const state = (await container.inspect()).State;
    if (!state.Running) {
      const logs = (await container.logs({ stdout: true, stderr: true, tail: 5 })).toString('utf8');
      const last =
        logs
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean)
          .at(-1) ?? 'no output';
      throw new LocalstackError(
        `LocalStack exited (code ${state.ExitCode}) before it was ready: ${last}. Check LOCALSTACK_AUTH_TOKEN (\`docker logs\` of the container says more); ${INSTEAD}`,
      );
    }
    if (Date.now() > deadline) {
      throw new LocalstackError(
        `LocalStack did not answer ${endpoint}/_localstack/health within ${Math.round(timeoutMs / 1000)} s; see \`docker logs\` of the container; ${INSTEAD}`,
      );
    }
    await sleep(1_000);
  }
}

interface ContainerSpec {
  name: string;
  endpoint: string;
  volumes: string[];
  labels: Record<string, string>;
  create: Docker.ContainerCreateOptions;
}

/** compose.yaml's service → dockerode's create options, naming things as Compose would. */
export function containerSpec(
  model: ComposeModel,
  service: ComposeService,
  projectDir: string,
  env: Readonly<Record<string, string | undefined>>,
): ContainerSpec {
  const project = model.name ?? 'iscoolgpt';
  const labels = { 'com.docker.compose.project': project, 'com.docker.compose.service': SERVICE };
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  let endpoint: string | undefined;
  for (const spec of service.ports ?? []) {
    for (const { hostIp, hostPort, containerPort } of parsePorts(spec)) {
      exposed[`${containerPort}/tcp`] = {};
      (bindings[`${containerPort}/tcp`] ??= []).push({ HostIp: hostIp, HostPort: String(hostPort) });
      if (containerPort === 4566) endpoint = `http://${hostIp || '127.0.0.1'}:${hostPort}`;
    }
  }
  if (!endpoint) throw new LocalstackError(`compose.yaml's ${SERVICE} service publishes no port 4566`);
  const volumes: string[] = [];
  const binds = (service.volumes ?? []).map((spec) => {
    const [source = '', ...rest] = spec.split(':');
    if (source.startsWith('.') || isAbsolute(source)) return [resolve(projectDir, source), ...rest].join(':');
    volumes.push(`${project}_${source}`);
    return [`${project}_${source}`, ...rest].join(':');
  });
  return {
    name: `${project}-${SERVICE}-1`,
    endpoint,
    volumes,
    labels,
    create: {
      name: `${project}-${SERVICE}-1`,
      Image: service.image,
      ...(service.command ? { Cmd: service.command } : {}),
      Env: environment(service.environment, env),
      Labels: labels,
      // A terminal: the logs come back as plain text, for the last line of a failed start.
      Tty: true,
      ExposedPorts: exposed,
      HostConfig: { PortBindings: bindings, Binds: binds },
    },
  };
}

/** Compose's list form: `NAME=value`, or a bare `NAME` passed through from the caller's environment when set. */
function environment(
  entries: ComposeService['environment'],
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const list = Array.isArray(entries)
    ? entries
    : Object.entries(entries ?? {}).map(([key, value]) => `${key}=${value}`);
  return list.flatMap((entry) => {
    if (entry.includes('=')) return [entry];
    const value = env[entry];
    return value === undefined ? [] : [`${entry}=${value}`];
  });
}

/** `[ip:]host:container` with optional ranges (`4510-4559:4510-4559`). */
export function parsePorts(spec: string): Array<{ hostIp: string; hostPort: number; containerPort: number }> {
  const parts = spec.replace(/\/tcp$/, '').split(':');
  const [hostIp, host, target] = parts.length === 3 ? parts : ['', parts[0], parts.at(-1)];
  const range = (text = '') => {
    const [from, to = from] = text.split('-').map(Number);
    return { from: from ?? NaN, to: to ?? NaN };
  };
  const h = range(host);
  const c = range(target);
  if (![h.from, h.to, c.from, c.to].every(Number.isInteger) || h.to - h.from !== c.to - c.from) {
    throw new LocalstackError(`compose.yaml: cannot read the port mapping '${spec}'`);
  }
  return Array.from({ length: c.to - c.from + 1 }, (_, i) => ({
    hostIp: hostIp ?? '',
    hostPort: h.from + i,
    containerPort: c.from + i,
  }));
}
