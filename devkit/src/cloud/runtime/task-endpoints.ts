/**
 * What Fargate serves a task at 169.254.170.2, done as AWS's own amazon-ecs-local-container-endpoints
 * does it: a Docker network with the subnet 169.254.170.0/24 and a small container at .2 (made from
 * the local Node base image: nothing is pulled). A container on that network reaches
 * `http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (the task role's credentials) and
 * `$ECS_CONTAINER_METADATA_URI_V4` (task metadata), and the local cloud's API through
 * `$AWS_ENDPOINT_URL` (http://169.254.170.2:<port>).
 *
 * A subnet can exist once per engine, so the network and its container are the engine's, shared
 * by every local cloud on it (tests run several side by side): the container forwards to each cloud
 * through the Unix socket the cloud listens on in one host directory (task-endpoints-server.mjs),
 * and is removed by the last cloud to leave. Containers cannot reach a host process on 127.0.0.1;
 * a socket in a bind-mounted directory needs no address at all.
 */
import type Docker from 'dockerode';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from './labels.ts';

export const TASK_ENDPOINTS_NETWORK = 'devkit-task-endpoints';
const CONTAINER = 'devkit-task-endpoints';
const SUBNET = '169.254.170.0/24';
const GATEWAY = '169.254.170.1';
export const TASK_ENDPOINTS_ADDRESS = '169.254.170.2';
const LABEL = { [`${LABELS.managed}`]: 'true', 'dev.iscoolgpt.devkit.task-endpoints': 'true' };
/** One directory on the host for every cloud's socket (the container mounts it). */
const SOCKETS_DIR = join(tmpdir(), 'devkit-task-endpoints');
const SERVER_SCRIPT = readFileSync(new URL('./task-endpoints-server.mjs', import.meta.url), 'utf8');

export class TaskEndpoints {
  /** Where this cloud listens for the endpoints container (the gateway, as on its TCP port). */
  readonly socketPath: string;
  /** The port tasks reach this cloud's API on, at 169.254.170.2: stable for its data directory. */
  readonly apiPort: number;
  private readonly docker: Docker;
  private readonly image: () => Promise<string>;
  private checking: Promise<void> | undefined;

  /** `image`: asked for on first use only (making a base image can take a while). */
  constructor(docker: Docker, cloudId: string, image: () => Promise<string>) {
    this.docker = docker;
    this.image = image;
    this.apiPort = 20_000 + (Number.parseInt(cloudId.replaceAll('-', '').slice(0, 8), 16) % 40_000);
    mkdirSync(SOCKETS_DIR, { recursive: true });
    this.socketPath = join(SOCKETS_DIR, `${cloudId}@${this.apiPort}.sock`);
    rmSync(this.socketPath, { force: true });
  }

  /** What a task's containers are told, for its endpoints id (`<cloud-id>.<uuid>`). */
  environment(id: string): Record<string, string> {
    return {
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${id}`,
      ECS_CONTAINER_METADATA_URI_V4: `http://${TASK_ENDPOINTS_ADDRESS}/v4/${id}`,
      AWS_ENDPOINT_URL: `http://${TASK_ENDPOINTS_ADDRESS}:${this.apiPort}`,
    };
  }

  /**
   * The network and its container, created or started when missing. Checked again for each task,
   * not once per cloud: another cloud that was the last to leave may have removed them after this
   * one's last check (clouds start and stop side by side in tests). Concurrent calls share a check.
   */
  ensure(): Promise<void> {
    this.checking ??= this.createAgainIfRemoved().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  /**
   * create(), again when Docker answers 404: a cloud leaving meanwhile (one that found no other
   * cloud's socket a moment before) can remove the container or network between two of its steps,
   * and the start then fails with `no such container` (seen with test files side by side). By the
   * next pass that cloud has left, and they are made anew.
   */
  private async createAgainIfRemoved(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.create();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode !== 404 || attempt === 3) throw error;
      }
    }
  }

  private async create(): Promise<void> {
    const networks = await this.docker.listNetworks({ filters: { name: [TASK_ENDPOINTS_NETWORK] } });
    if (!networks.some((n) => n.Name === TASK_ENDPOINTS_NETWORK)) {
      await this.docker
        .createNetwork({
          Name: TASK_ENDPOINTS_NETWORK,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: LABEL,
          IPAM: { Config: [{ Subnet: SUBNET, Gateway: GATEWAY }] },
        })
        .catch((error: { statusCode?: number }) => {
          // Another cloud created it meanwhile.
          if (error.statusCode !== 409) throw error;
        });
    }
    const container = this.docker.getContainer(CONTAINER);
    const state = await container.inspect().then(
      (info) => info.State,
      () => undefined,
    );
    if (!state) {
      await this.docker
        .createContainer({
          name: CONTAINER,
          Image: await this.image(),
          Entrypoint: ['node', '--input-type=module', '-e', SERVER_SCRIPT],
          Cmd: [],
          Labels: LABEL,
          HostConfig: {
            NetworkMode: TASK_ENDPOINTS_NETWORK,
            Binds: [`${SOCKETS_DIR}:/sockets`],
            RestartPolicy: { Name: 'unless-stopped' },
          },
          NetworkingConfig: {
            EndpointsConfig: {
              [TASK_ENDPOINTS_NETWORK]: { IPAMConfig: { IPv4Address: TASK_ENDPOINTS_ADDRESS } },
            },
          },
        })
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 409) throw error;
        });
    }
    if (!state?.Running) {
      await container.start().catch((error: { statusCode?: number }) => {
        // 304: started by another cloud meanwhile.
        if (error.statusCode !== 304) throw error;
      });
    }
  }

  /**
   * This cloud leaves: its socket goes, and when no other cloud's socket is left, the container
   * and the network go too (nothing else uses them).
   */
  async leave(): Promise<void> {
    rmSync(this.socketPath, { force: true });
    if (readdirSync(SOCKETS_DIR).some((name) => name.endsWith('.sock'))) return;
    await this.docker
      .getContainer(CONTAINER)
      .remove({ force: true })
      .catch(() => undefined);
    const network = this.docker.getNetwork(TASK_ENDPOINTS_NETWORK);
    const attached =
      ((await network.inspect().catch(() => ({}))) as { Containers?: Record<string, unknown> }).Containers ??
      {};
    if (Object.keys(attached).length === 0) await network.remove().catch(() => undefined);
  }
}
