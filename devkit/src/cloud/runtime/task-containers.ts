/**
 * ECS tasks as real Docker containers: one container per container definition, sharing one
 * network namespace as awsvpc tasks do (the first container owns the task's address on its VPC's
 * Docker network; the others join it), ports published on 127.0.0.1 only, the task's cpu and
 * memory as limits, SIGTERM then SIGKILL after stopTimeout.
 */
import type Docker from 'dockerode';
import { cpus } from 'node:os';
import { LABELS, managedFilter, managedLabels } from './labels.ts';
import { taskContainerName } from '../services/ecs/state.ts';

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
  /** linuxParameters.initProcessEnabled: the engine's init (tini) as PID 1, forwarding signals. */
  init?: boolean;
}

export interface TaskSpec {
  taskArn: string;
  cluster: string;
  family: string;
  revision: number;
  /** The Docker network standing in for the task's VPC. */
  network: string;
  /** The task endpoints network (169.254.170.0/24) the first container joins too, when served. */
  endpointsNetwork?: string;
  cpuUnits: number;
  memoryMiB: number;
  containers: ContainerSpec[];
  /** The credentials to pull an image with (the local ECR's for its images), if any. */
  registryAuth?: (image: string) => RegistryAuth | undefined;
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
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

/** The engine refused to create or start a container: ECS's stoppedReason for that. */
export class CannotStartContainerError extends Error {
  override name = 'CannotStartContainerError';
}

const NANOS_PER_SECOND = 1_000_000_000;

export class TaskContainers {
  private readonly docker: Docker;
  private readonly cloudId: string;
  private readonly creatingNetworks = new Map<string, Promise<boolean>>();

  /** `cloudId` labels everything made here, so clouds sharing one engine never touch each other's. */
  constructor(docker: Docker, cloudId: string) {
    this.docker = docker;
    this.cloudId = cloudId;
  }

  /** The Docker network for a VPC, created on first use; true when it was created now. */
  ensureNetwork(name: string): Promise<boolean> {
    // Tasks starting together share one creation: the engine does not reliably refuse a second
    // network of the same name (CheckDuplicate races), and a duplicate makes the name ambiguous.
    let pending = this.creatingNetworks.get(name);
    if (!pending) {
      pending = this.createNetworkOnce(name).finally(() => this.creatingNetworks.delete(name));
      this.creatingNetworks.set(name, pending);
    }
    return pending;
  }

  private async createNetworkOnce(name: string): Promise<boolean> {
    const existing = await this.docker.listNetworks({ filters: { name: [name] } });
    if (existing.some((n) => n.Name === name)) return false;
    await this.docker
      .createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: managedLabels(this.cloudId),
      })
      .catch((error: { statusCode?: number }) => {
        // 409: another task of the same VPC created it meanwhile.
        if (error.statusCode !== 409) throw error;
      });
    return true;
  }

  /** The networks this cloud created, by name. */
  async networks(): Promise<string[]> {
    return (await this.docker.listNetworks({ filters: managedFilter(this.cloudId) })).map((n) => n.Name);
  }

  /**
   * Connects a container the devkit runs beside the cloud to a VPC network under `alias`, so tasks
   * reach it by that name. Nothing happens when it is connected already.
   */
  async connectAlias(network: string, containerId: string, alias: string): Promise<void> {
    await this.docker
      .getNetwork(network)
      .connect({ Container: containerId, EndpointConfig: { Aliases: [alias] } })
      .catch((error: { statusCode?: number; message?: string }) => {
        if (error.statusCode === 403 && /already exists/.test(error.message ?? '')) return;
        throw error;
      });
  }

  async pull(image: string, auth?: RegistryAuth): Promise<void> {
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

  /**
   * Pulls, creates and starts every container of the task; returns them in definition order. On
   * failure nothing of the task is left behind.
   */
  async start(task: TaskSpec): Promise<StartedContainer[]> {
    await this.ensureNetwork(task.network);
    for (const image of new Set(task.containers.map((c) => c.image)))
      await this.pull(image, task.registryAuth?.(image));
    const created: Docker.Container[] = [];
    try {
      return await this.createAndStart(task, created);
    } catch (error) {
      await Promise.all(created.map((c) => this.remove(c.id)));
      throw new CannotStartContainerError(`CannotStartContainerError: ${(error as Error).message}`);
    }
  }

  private async createAndStart(task: TaskSpec, created: Docker.Container[]): Promise<StartedContainer[]> {
    const allPorts = task.containers.flatMap((c) => c.ports);
    for (const [index, spec] of task.containers.entries()) {
      const owner = index === 0;
      const container = await this.docker.createContainer({
        name: taskContainerName(task.family, task.revision, spec.name, task.taskArn),
        Image: spec.image,
        Env: Object.entries(spec.environment).map(([k, v]) => `${k}=${v}`),
        ...(spec.command ? { Cmd: spec.command } : {}),
        ...(spec.entryPoint ? { Entrypoint: spec.entryPoint } : {}),
        Labels: {
          ...managedLabels(this.cloudId),
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
          // No swap, as on Fargate: a container over its memory is OOM-killed, not slowed down.
          MemorySwap: (spec.memoryMiB ?? task.memoryMiB) * 1024 * 1024,
          NanoCpus: nanoCpus(spec.cpuUnits || task.cpuUnits),
          ...(spec.init ? { Init: true } : {}),
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
      if (owner && task.endpointsNetwork) {
        await this.docker.getNetwork(task.endpointsNetwork).connect({ Container: container.id });
      }
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
    const container = this.docker.getContainer(containerId);
    await container.stop().catch(async (error: { statusCode?: number; message?: string }) => {
      // 304: already stopped; 404: already gone. Both mean the job is done.
      if (error.statusCode === 304 || error.statusCode === 404) return;
      // Its process has exited and is not reaped yet (a busy engine): it is stopping by itself.
      if (/is zombie/.test(error.message ?? '')) {
        await container.wait({ condition: 'not-running' });
        return;
      }
      throw error;
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

  container(containerId: string): Docker.Container {
    return this.docker.getContainer(containerId);
  }

  inspect(containerId: string): Promise<Docker.ContainerInspectInfo> {
    return this.docker.getContainer(containerId).inspect();
  }

  /** Those of `images` the engine does not have yet. */
  async missingImages(images: string[]): Promise<string[]> {
    const missing: string[] = [];
    for (const image of new Set(images)) {
      const present = await this.docker
        .getImage(image)
        .inspect()
        .then(() => true)
        .catch(() => false);
      if (!present) missing.push(image);
    }
    return missing;
  }

  /** Removes these image references (the image itself goes when no other tag or container holds it). */
  async removeImages(images: string[]): Promise<void> {
    for (const image of images) {
      await this.docker
        .getImage(image)
        .remove()
        .catch((error: { statusCode?: number }) => {
          // 404: gone already; 409: a container (not ours) still uses it.
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        });
    }
  }

  /** Every container this cloud created, running or not. */
  list(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: managedFilter(this.cloudId) });
  }

  /**
   * Containers the devkit runs beside this cloud that want a name on its VPC networks; those beside
   * another cloud on the engine answer that cloud's tasks, never this one's.
   */
  aliased(): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({
      filters: { label: [LABELS.networkAlias, `${LABELS.servesCloud}=${this.cloudId}`] },
    });
  }

  /**
   * Removes every container and network this cloud created; containers of others connected to
   * those networks (the Gemini replay server) are disconnected first, not removed.
   */
  async removeEverything(): Promise<void> {
    await Promise.all((await this.list()).map((c) => this.remove(c.Id)));
    for (const info of await this.docker.listNetworks({ filters: managedFilter(this.cloudId) })) {
      const network = this.docker.getNetwork(info.Id);
      const attached =
        ((await network.inspect()) as { Containers?: Record<string, unknown> }).Containers ?? {};
      for (const id of Object.keys(attached)) {
        await network.disconnect({ Container: id, Force: true }).catch(() => undefined);
      }
      await network.remove().catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 404) throw error;
      });
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
    // At least 1 ms (the engine's minimum): it reads 0 as unset and takes the image's HEALTHCHECK
    // start period (the service image's 10 s), while a task definition's 0 means none, as on Fargate.
    StartPeriod: Math.max(NANOS_PER_SECOND / 1000, check.startPeriodSeconds * NANOS_PER_SECOND),
  };
}

/** ECS cpu units (1024 = 1 vCPU) as a Docker CPU quota, capped at what this machine has. */
function nanoCpus(cpuUnits: number): number {
  const vcpus = Math.min(cpuUnits / 1024, cpus().length);
  return Math.round(vcpus * NANOS_PER_SECOND);
}
