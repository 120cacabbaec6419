/**
 * ECS tasks as real Docker containers: one container per container definition, sharing one
 * network namespace as awsvpc tasks do (the first container owns the task's address on its VPC's
 * Docker network; the others join it), ports published on 127.0.0.1 only, the task's cpu and
 * memory as limits, SIGTERM then SIGKILL after stopTimeout.
 */
import type Docker from 'dockerode';
import { cpus } from 'node:os';
import { LABELS, MANAGED_FILTER } from './labels.ts';

export interface HealthCheckSpec {
  /** `["CMD", ...]` or `["CMD-SHELL", "..."]`, as in the task definition. */
  command: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  essential: boolean;
  environment: Record<string, string>;
  command?: string[];
  entryPoint?: string[];
  /** Container ports (TCP) to publish on 127.0.0.1. */
  ports: number[];
  healthCheck?: HealthCheckSpec;
  memoryMiB?: number;
  cpuUnits?: number;
  stopTimeoutSeconds: number;
}

export interface TaskSpec {
  taskArn: string;
  cluster: string;
  family: string;
  revision: number;
  /** The Docker network standing in for the task's VPC. */
  network: string;
  cpuUnits: number;
  memoryMiB: number;
  containers: ContainerSpec[];
  registryAuth?: { username: string; password: string; serveraddress: string };
}

export interface StartedContainer {
  name: string;
  id: string;
  /** containerPort → port published on 127.0.0.1. */
  hostPorts: Record<number, number>;
  /** The task's address on its VPC network (shared by all containers of the task). */
  privateIp: string;
}

/** The image could not be pulled: ECS reports this as the task's stoppedReason. */
export class CannotPullContainerError extends Error {
  override name = 'CannotPullContainerError';
}

const NANOS_PER_SECOND = 1_000_000_000;

export class TaskContainers {
  private readonly docker: Docker;

  constructor(docker: Docker) {
    this.docker = docker;
  }

  /** The Docker network for a VPC, created on first use. */
  async ensureNetwork(name: string): Promise<void> {
    const existing = await this.docker.listNetworks({ filters: { name: [name] } });
    if (existing.some((n) => n.Name === name)) return;
    await this.docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [LABELS.managed]: 'true' },
    });
  }

  async pull(image: string, auth?: TaskSpec['registryAuth']): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(image, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
    } catch (error) {
      throw new CannotPullContainerError(
        `CannotPullContainerError: pull image manifest: ${(error as Error).message}`,
      );
    }
    // A failed pull can still answer 200 and put the error inside the progress stream.
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
        const failed = error?.message ?? events.find((e) => e.error)?.error;
        if (failed) reject(new CannotPullContainerError(`CannotPullContainerError: ${failed}`));
        else resolve();
      });
    });
  }

  /** Pulls, creates and starts every container of the task; returns them in definition order. */
  async start(task: TaskSpec): Promise<StartedContainer[]> {
    await this.ensureNetwork(task.network);
    for (const image of new Set(task.containers.map((c) => c.image)))
      await this.pull(image, task.registryAuth);
    const allPorts = task.containers.flatMap((c) => c.ports);
    const created: Docker.Container[] = [];
    const taskId = task.taskArn.split('/').pop()!;
    for (const [index, spec] of task.containers.entries()) {
      const owner = index === 0;
      const container = await this.docker.createContainer({
        name: `ecs-${task.family}-${task.revision}-${spec.name}-${taskId}`,
        Image: spec.image,
        Env: Object.entries(spec.environment).map(([k, v]) => `${k}=${v}`),
        ...(spec.command ? { Cmd: spec.command } : {}),
        ...(spec.entryPoint ? { Entrypoint: spec.entryPoint } : {}),
        Labels: {
          [LABELS.managed]: 'true',
          [LABELS.taskArn]: task.taskArn,
          [LABELS.containerName]: spec.name,
          [LABELS.cluster]: task.cluster,
          [LABELS.family]: task.family,
          [LABELS.revision]: String(task.revision),
        },
        ...(spec.healthCheck ? { Healthcheck: dockerHealthCheck(spec.healthCheck) } : {}),
        StopTimeout: spec.stopTimeoutSeconds,
        ...(owner ? { ExposedPorts: Object.fromEntries(allPorts.map((p) => [`${p}/tcp`, {}])) } : {}),
        HostConfig: {
          Memory: (spec.memoryMiB ?? task.memoryMiB) * 1024 * 1024,
          NanoCpus: nanoCpus(spec.cpuUnits || task.cpuUnits),
          ...(owner
            ? {
                NetworkMode: task.network,
                PortBindings: Object.fromEntries(
                  allPorts.map((p) => [`${p}/tcp`, [{ HostIp: '127.0.0.1', HostPort: '' }]]),
                ),
              }
            : { NetworkMode: `container:${created[0]!.id}` }),
        },
      });
      created.push(container);
      await container.start();
    }
    const owner = await created[0]!.inspect();
    const privateIp = owner.NetworkSettings.Networks[task.network]?.IPAddress ?? '';
    return task.containers.map((spec, index) => ({
      name: spec.name,
      id: created[index]!.id,
      privateIp,
      hostPorts: Object.fromEntries(
        spec.ports.map((p) => [p, Number(owner.NetworkSettings.Ports[`${p}/tcp`]?.[0]?.HostPort ?? 0)]),
      ),
    }));
  }

  /** SIGTERM, then SIGKILL after the container's stopTimeout (set at create time). */
  async stop(containerId: string): Promise<void> {
    await this.docker
      .getContainer(containerId)
      .stop()
      .catch((error: { statusCode?: number }) => {
        // 304: already stopped; 404: already gone. Both mean the job is done.
        if (error.statusCode !== 304 && error.statusCode !== 404) throw error;
      });
  }

  async remove(containerId: string): Promise<void> {
    await this.docker
      .getContainer(containerId)
      .remove({ force: true, v: true })
      .catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
  }

  inspect(containerId: string): Promise<Docker.ContainerInspectInfo> {
    return this.docker.getContainer(containerId).inspect();
  }

  /** Every container the local cloud created, running or not. */
  list(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: MANAGED_FILTER });
  }

  /** Removes every container and network the local cloud created. */
  async removeEverything(): Promise<void> {
    for (const container of await this.list()) await this.remove(container.Id);
    for (const network of await this.docker.listNetworks({ filters: MANAGED_FILTER })) {
      await this.docker
        .getNetwork(network.Id)
        .remove()
        .catch(() => undefined);
    }
  }
}

function dockerHealthCheck(check: HealthCheckSpec): Docker.HealthConfig {
  // The Docker API counts health-check durations in nanoseconds.
  return {
    Test: check.command,
    Interval: check.intervalSeconds * NANOS_PER_SECOND,
    Timeout: check.timeoutSeconds * NANOS_PER_SECOND,
    Retries: check.retries,
    StartPeriod: check.startPeriodSeconds * NANOS_PER_SECOND,
  };
}

/** ECS cpu units (1024 = 1 vCPU) as a Docker CPU quota, capped at what this machine has. */
function nanoCpus(cpuUnits: number): number {
  const vcpus = Math.min(cpuUnits / 1024, cpus().length);
  return Math.round(vcpus * NANOS_PER_SECOND);
}
