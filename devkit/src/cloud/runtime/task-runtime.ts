/**
 * The runtime loop: runs what the ECS control plane records as real Docker containers. Every
 * tick (and right after any mutating call) it observes the containers, runs the pure scheduler
 * step over each region's ECS state with what it saw, and performs the step's actions — start a
 * task, stop a task (deregister and drain, SIGTERM/SIGKILL, flush logs), register a task in its
 * service's target groups — and keeps the load balancers' listeners and health checks in line.
 * Between ticks it follows the engine's events: a task whose container dies, is signalled to end
 * or turns unhealthy leaves its target groups at once; the tick it pokes does the bookkeeping.
 */
import type Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import type { Action, ContainerFact, TaskFact, Timings } from '../scheduler/facts.ts';
import { schedulerStep } from '../scheduler/step.ts';
import { ec2 } from '../services/ec2/index.ts';
import type { Ec2State } from '../services/ec2/index.ts';
import type { ListenerInfo } from '../lb/application-load-balancers.ts';
import { ecr, REGISTRY_USER, registryPassword } from '../services/ecr/index.ts';
import type { AttachedInterface } from '../services/ecs/lifecycle.ts';
import type { EcsState, TaskDefinitionRecord, TaskRecord } from '../services/ecs/state.ts';
import { initialEcsState, taskDefinitionByArn } from '../services/ecs/state.ts';
import type { StateStore } from '../state/store.ts';
import type { AwsLogsTarget } from './awslogs.ts';
import { awslogsTarget, logsSink, openLogStream, shippedSoFar } from './awslogs.ts';
import type { ContainerEvent } from './container-events.ts';
import { ContainerEvents } from './container-events.ts';
import { LABELS, managedFilter } from './labels.ts';
import { shipLogs } from './log-shipper.ts';
import type { RegistryAuth, TaskSpec } from './task-containers.ts';
import { TaskContainers } from './task-containers.ts';
import { secretsManagerResolver } from './secrets.ts';
import { createTaskInterface, deleteStoppedTaskInterfaces } from './task-interfaces.ts';
import { TaskTargets } from './task-targets.ts';
import { assumeTaskRole, type RoleSession } from './execution-role.ts';
import type { AccessControl } from '../access/enforcement.ts';
import { checkImagePulls, checkRegistryAuth, localImages } from './image-pull-access.ts';
import { taskCredentials, taskMetadata, type TaskCredentialGrant } from './task-credentials.ts';
import { TASK_ENDPOINTS_NETWORK, TaskEndpoints } from './task-endpoints.ts';
import { taskSpec, TaskStartError } from './task-spec.ts';
import { VpcNetworks } from './vpc-networks.ts';

export interface RuntimeHealth {
  enabled: true;
  /** The cloud's identity on the engine: what a container beside it names in its serves-cloud label. */
  cloudId: string;
  docker: { reachable: boolean; error?: string };
  timings: Timings;
  tasksRunning: number;
  /** The load balancers' listeners on 127.0.0.1 and what they carried. */
  loadBalancers: ListenerInfo[];
}

export interface RunningTask {
  taskArn: string;
  region: string;
  containers: Array<{ name: string; id: string }>;
}

export interface TaskRuntimeOptions {
  store: StateStore;
  docker: Docker;
  timings: Timings;
  /** The cloud's port: images of its registry (127.0.0.1:<port>/…) are pulled with ECR's credentials. */
  registryPort: number;
  /**
   * The gateway's access control: when it enforces IAM, each task's execution role is assumed as
   * Fargate assumes it, and the image pulls, secrets and log streams it needs are evaluated as that
   * role's session.
   */
  access?: AccessControl;
  /**
   * A local image with Node (the base runtime image), asked for when first needed: with it, tasks
   * get the container credentials and metadata endpoints at 169.254.170.2 and reach this cloud's
   * API there (task-endpoints.ts).
   */
  taskEndpointsImage?: () => Promise<string>;
}

/** A task the runtime starts, or re-adopts after a restart: starting, nothing running yet. */
function newRun(taskArn: string, region: string): TaskRun {
  return { taskArn, region, fact: { phase: 'starting' }, containers: [], shipping: [] };
}

/** How often the loop looks, when nothing pokes it sooner. */
const TICK_MS = 300;
/** Containers beside the cloud (network aliases) are looked for every this many ticks. */
const ALIAS_SYNC_TICKS = 10;
/**
 * With no task up, the engine's containers are listed every this many ticks: the listing then only
 * finds containers a start cut short left, and an idle cloud asked the engine ~3 times a second
 * (~6 ms of the engine's CPU each).
 */
const IDLE_LISTING_TICKS = 10;
/** How long a registry password the runtime pulls with stays valid. */
const PULL_TOKEN_MS = 60 * 60 * 1000;

/** One task the runtime has taken on. */
interface TaskRun {
  taskArn: string;
  region: string;
  fact: TaskFact;
  /** Its containers once started, in definition order. */
  containers: RunContainer[];
  /** Log shipping, one per awslogs container; each resolves once all its lines are delivered. */
  shipping: Array<Promise<void>>;
  /** An engine event said it is going down: its load balancer no longer routes to it. */
  outOfRotation?: boolean;
  /** Its network interface in EC2, once created (the scheduler records it as the ENI attachment). */
  networkInterface?: AttachedInterface;
}

interface RunContainer {
  name: string;
  id: string;
  hostPorts: Record<number, number>;
  privateIp: string;
  hasHealthCheck: boolean;
  /** Its end ends the task (ECS stops a task when an essential container exits). */
  essential: boolean;
}

/** What the runtime keeps of its own across restarts (the `runtime` state file). */
interface RuntimeState {
  /** The cloud's identity on the engine: stable across restarts on the same data directory. */
  cloudId: string;
  /** Images the engine pulled for tasks that it did not have before: cleanup removes them. */
  pulledImages?: string[];
  /** Each running task's endpoints, by the uuid in its endpoints id. */
  taskEndpoints?: Record<string, TaskCredentialGrant>;
}

function runtimeState(store: StateStore): RuntimeState {
  const state = store.slice<RuntimeState>('runtime', 'local', () => ({ cloudId: '' }));
  if (!state.cloudId) {
    state.cloudId = randomUUID();
    store.markDirty('runtime');
  }
  return state;
}

/** `arn:aws:ecs:<region>:…` → the region. */
function regionOf(arn: string): string {
  return arn.split(':')[3] ?? '';
}

export class TaskRuntime {
  readonly timings: Timings;
  /** Stable across restarts on the same data directory (the `runtime` state file). */
  readonly cloudId: string;
  private readonly store: StateStore;
  private readonly targets: TaskTargets;
  private readonly containers: TaskContainers;
  private readonly networks: VpcNetworks;
  private readonly events: ContainerEvents;
  private readonly registryHosts: string[];
  private readonly access: AccessControl | undefined;
  /** The credentials and metadata endpoints, when the runtime has an image to serve them from. */
  readonly endpoints: TaskEndpoints | undefined;
  private readonly runs = new Map<string, TaskRun>();
  private readonly work = new Set<Promise<void>>();
  private readonly stopShipping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private ticks = 0;
  private dockerError: string | undefined;

  constructor(options: TaskRuntimeOptions) {
    this.store = options.store;
    this.timings = options.timings;
    this.registryHosts = ['127.0.0.1', 'localhost'].map((host) => `${host}:${options.registryPort}`);
    this.access = options.access?.enforced ? options.access : undefined;
    this.cloudId = runtimeState(options.store).cloudId;
    this.containers = new TaskContainers(options.docker, this.cloudId);
    this.endpoints = options.taskEndpointsImage
      ? new TaskEndpoints(options.docker, this.cloudId, options.taskEndpointsImage)
      : undefined;
    this.networks = new VpcNetworks(this.containers, this.cloudId);
    this.targets = new TaskTargets({
      store: options.store,
      timings: options.timings,
      locate: (region, ip) => this.locate(region, ip),
      onChange: () => this.poke(),
    });
    this.events = new ContainerEvents(options.docker, {
      labels: managedFilter(this.cloudId).label,
      onEvent: (event) => this.onContainerEvent(event),
    });
  }

  /** Re-adopts what still runs from before a restart (removing the rest), then starts the loop. */
  async start(): Promise<void> {
    await this.events.start();
    try {
      await this.adopt();
      await this.networks.connectSharedServices();
    } catch (error) {
      this.dockerError = (error as Error).message;
    }
    this.schedule(0);
  }

  /** Something changed (a mutating API call): look now rather than at the next tick. */
  poke(): void {
    this.schedule(0);
  }

  health(): RuntimeHealth {
    return {
      enabled: true,
      cloudId: this.cloudId,
      docker: {
        reachable: this.dockerError === undefined,
        ...(this.dockerError ? { error: this.dockerError } : {}),
      },
      timings: this.timings,
      tasksRunning: [...this.runs.values()].filter((r) => r.fact.phase === 'up').length,
      loadBalancers: this.targets.listeners(),
    };
  }

  /** Each task that is up, with its containers: what the metrics sampler reads from the engine. */
  runningTasks(): RunningTask[] {
    return [...this.runs.values()]
      .filter((run) => run.fact.phase === 'up')
      .map((run) => ({
        taskArn: run.taskArn,
        region: run.region,
        containers: run.containers.map((c) => ({ name: c.name, id: c.id })),
      }));
  }

  /**
   * Stops the loop. Without cleanup, containers keep running (the next start re-adopts them);
   * with cleanup, every container and network this cloud created is removed, and the images the
   * engine pulled for its tasks.
   */
  async close(options: { cleanup?: boolean } = {}): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.events.close();
    await this.ticking;
    this.stopShipping.abort();
    await this.targets.close();
    await Promise.allSettled(this.work);
    if (options.cleanup) {
      await this.containers.removeEverything();
      await this.endpoints?.leave();
      const state = runtimeState(this.store);
      await this.containers.removeImages(state.pulledImages ?? []);
      state.pulledImages = [];
      this.store.markDirty('runtime');
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.ticking) {
      this.again ||= delayMs === 0;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runTick(), delayMs);
  }

  private runTick(): void {
    this.timer = undefined;
    this.ticking = this.tick()
      .catch((error: unknown) => console.error('[cloud] runtime tick failed:', error))
      .finally(() => {
        this.ticking = undefined;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? 0 : TICK_MS);
      });
  }

  private async tick(): Promise<void> {
    try {
      await this.observe();
      if (++this.ticks % ALIAS_SYNC_TICKS === 0) await this.networks.connectSharedServices();
      this.dockerError = undefined;
    } catch (error) {
      // Without a fresh look at the containers, moving tasks along would act on stale facts.
      this.dockerError = (error as Error).message;
      return;
    }
    if (this.closed) return;
    const facts = new Map([...this.runs].map(([arn, run]) => [arn, run.fact]));
    const now = Date.now();
    for (const [region, ecs] of this.store.regions<EcsState>('ecs')) {
      const before = JSON.stringify(ecs);
      const targets = this.targets.facts(region, ecs);
      const actions = schedulerStep({ state: ecs, facts, targets, now, timings: this.timings });
      for (const action of actions) this.perform(action, region, ecs);
      this.settle(region, ecs);
      deleteStoppedTaskInterfaces(this.store, region, ecs);
      if (JSON.stringify(ecs) !== before) this.store.markDirty('ecs');
    }
    this.targets.sync();
    this.forgetEndpoints();
  }

  private perform(action: Action, region: string, ecs: EcsState): void {
    if (action.kind === 'register') {
      // A task an engine event took out of rotation is not registered again.
      if (!this.runs.get(action.taskArn)?.outOfRotation) this.targets.register(region, action);
      return;
    }
    if (action.kind === 'weigh') return this.targets.weigh(region, action);
    const task = ecs.tasks[action.taskArn];
    if (action.kind === 'start' && task && !this.runs.has(action.taskArn)) {
      const run = newRun(task.taskArn, region);
      this.runs.set(run.taskArn, run);
      this.track(this.startTask(run, task, ecs));
    }
    const run = this.runs.get(action.taskArn);
    if (action.kind === 'stop' && run?.fact.phase === 'up') {
      run.fact = { phase: 'draining' };
      this.track(this.stopTask(run));
    }
  }

  /** Forgets tasks whose end the scheduler has recorded; stops what runs for tasks ECS no longer knows. */
  private settle(region: string, ecs: EcsState): void {
    for (const run of this.runs.values()) {
      if (run.region !== region) continue;
      const task = ecs.tasks[run.taskArn];
      const ended = run.fact.phase === 'stopped' || run.fact.phase === 'failedToStart';
      if (ended && (!task || task.lastStatus === 'STOPPED')) this.runs.delete(run.taskArn);
      else if (!task && run.fact.phase === 'up') {
        run.fact = { phase: 'draining' };
        this.track(this.stopTask(run));
      }
    }
  }

  private track(job: Promise<void>): void {
    const tracked = job
      .catch((error: unknown) => console.error('[cloud] runtime:', error))
      .finally(() => {
        this.work.delete(tracked);
        this.poke();
      });
    this.work.add(tracked);
  }

  private ec2(region: string): Ec2State {
    return this.store.slice('ec2', region, () => ec2.initialState(region));
  }

  /**
   * A task whose container is going down leaves its load balancer now (its in-flight requests
   * may finish), not when the next tick has seen it; the poked tick stops it as ECS would.
   */
  private onContainerEvent(event: ContainerEvent): void {
    // A container turned healthy: its task may count as healthy and a rollout go on now, not at
    // the next tick.
    if (event.kind === 'healthy') return this.poke();
    const run = this.runs.get(event.taskArn);
    // Tasks being stopped by the scheduler were deregistered before their SIGTERM.
    if (!run || run.fact.phase !== 'up' || run.outOfRotation) return;
    const index = run.containers.findIndex((c) => c.id === event.containerId);
    const container = run.containers[index];
    if (!container) return;
    // The task goes on without a non-essential container, unless it owned the task's ports.
    const takesTargetDown = container.essential || (index === 0 && event.kind !== 'unhealthy');
    if (!takesTargetDown) return;
    run.outOfRotation = true;
    void this.targets.drain(run.region, run.containers[0]?.privateIp);
    this.poke();
  }

  /** The running task at a private IP, and where its container ports are published on 127.0.0.1. */
  private locate(
    region: string,
    ip: string,
  ): { taskArn: string; hostPort(port: number): number | undefined } | undefined {
    for (const run of this.runs.values()) {
      if (run.region !== region || run.fact.phase !== 'up' || run.outOfRotation) continue;
      if (!run.containers.some((c) => c.privateIp === ip)) continue;
      return {
        taskArn: run.taskArn,
        hostPort: (port) => run.containers.find((c) => c.hostPorts[port] !== undefined)?.hostPorts[port],
      };
    }
    return undefined;
  }

  /** The local ECR's credentials for its own images; nothing for other registries. */
  private registryAuth(region: string, image: string): RegistryAuth | undefined {
    const host = image.slice(0, image.indexOf('/'));
    if (!this.registryHosts.includes(host)) return undefined;
    const state = this.store.slice('ecr', region, () => ecr.initialState(region));
    // The token secret must outlive a restart, as GetAuthorizationToken's does.
    this.store.markDirty('ecr');
    return {
      username: REGISTRY_USER,
      password: registryPassword(state, region, Date.now() + PULL_TOKEN_MS),
      serveraddress: host,
    };
  }

  private async startTask(run: TaskRun, task: TaskRecord, ecs: EcsState): Promise<void> {
    try {
      const definition = taskDefinitionByArn(ecs, task.taskDefinitionArn);
      if (!definition) {
        throw new TaskStartError(`TaskDefinition not found: ${task.taskDefinitionArn}`);
      }
      const network = await this.networks.forTask(task, this.ec2(run.region));
      const executionRole = this.executionRole(task, definition.executionRoleArn);
      const ecrImages = localImages(
        (definition.containerDefinitions ?? []).map((d) => d.image ?? ''),
        this.registryHosts,
      );
      if (executionRole) checkRegistryAuth(executionRole, ecrImages);
      const spec = taskSpec(task, definition, {
        region: run.region,
        network,
        timings: this.timings,
        resolveSecret: secretsManagerResolver(this.store, executionRole),
      });
      if (executionRole) checkImagePulls(this.store, run.region, executionRole, ecrImages);
      if (this.endpoints) await this.giveEndpoints(task, definition.taskRoleArn, spec, this.endpoints);
      spec.registryAuth = (image) => this.registryAuth(run.region, image);
      const logTargets = (definition.containerDefinitions ?? []).map((d) =>
        awslogsTarget(d, task.taskArn, run.region),
      );
      for (const target of logTargets) if (target) openLogStream(this.store, target, executionRole);
      const missing = await this.containers.missingImages(spec.containers.map((c) => c.image));
      const started = await this.containers.start(spec);
      this.notePulled(missing);
      try {
        const networkInterface = createTaskInterface(
          this.store,
          run.region,
          task,
          started[0]?.privateIp ?? '',
        );
        if (networkInterface) run.networkInterface = networkInterface;
      } catch (error) {
        await Promise.all(started.map((c) => this.containers.remove(c.id)));
        throw error;
      }
      run.containers = started.map((c, index) => ({
        ...c,
        hasHealthCheck: spec.containers[index]!.healthCheck !== undefined,
        essential: spec.containers[index]!.essential,
      }));
      run.fact = {
        phase: 'up',
        ...(run.networkInterface ? { networkInterface: run.networkInterface } : {}),
        containers: run.containers.map((c) => ({
          name: c.name,
          runtimeId: c.id,
          running: true,
          ...(c.hasHealthCheck ? { health: 'starting' as const } : {}),
          hostPorts: c.hostPorts,
          privateIp: c.privateIp,
        })),
      };
      run.shipping = run.containers.flatMap((c, index) => {
        const target = logTargets[index];
        return target ? [this.ship(c.id, target, executionRole)] : [];
      });
    } catch (error) {
      run.fact = { phase: 'failedToStart', reason: (error as Error).message };
    }
  }

  private notePulled(images: string[]): void {
    if (images.length === 0) return;
    const state = runtimeState(this.store);
    state.pulledImages = [...new Set([...(state.pulledImages ?? []), ...images])];
    this.store.markDirty('runtime');
  }

  /**
   * The task's endpoints: its role's credentials (the role assumed as ECS assumes it, when IAM is
   * enforced) and its metadata, at 169.254.170.2 on the endpoints network its first container joins.
   */
  private async giveEndpoints(
    task: TaskRecord,
    definitionRole: string | undefined,
    spec: TaskSpec,
    endpoints: TaskEndpoints,
  ): Promise<void> {
    const roleArn = task.overrides?.taskRoleArn ?? definitionRole;
    if (roleArn && this.access) assumeTaskRole(this.access, this.store, task, roleArn);
    await endpoints.ensure();
    const uuid = randomUUID();
    const state = runtimeState(this.store);
    (state.taskEndpoints ??= {})[uuid] = { taskArn: task.taskArn, ...(roleArn ? { roleArn } : {}) };
    this.store.markDirty('runtime');
    const environment = endpoints.environment(`${this.cloudId}.${uuid}`);
    if (!roleArn) delete environment.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    for (const container of spec.containers) Object.assign(container.environment, environment);
    spec.endpointsNetwork = TASK_ENDPOINTS_NETWORK;
  }

  /**
   * What the endpoints container asks for a task: its credentials, or its metadata (v4: the
   * container, `/task`, `/stats`); undefined for an id of no running task.
   */
  taskEndpoint(kind: 'credentials' | 'v4', uuid: string, path: string): unknown {
    const grants = runtimeState(this.store).taskEndpoints ?? {};
    const grant = Object.hasOwn(grants, uuid) ? grants[uuid] : undefined;
    if (!grant || !this.runs.has(grant.taskArn)) return undefined;
    if (kind === 'credentials') {
      const before = grant.accessKeyId;
      const credentials = taskCredentials(this.store, grant, Date.now());
      if (grant.accessKeyId !== before) this.store.markDirty('runtime');
      return credentials;
    }
    const task = this.store.slice('ecs', regionOf(grant.taskArn), initialEcsState).tasks[grant.taskArn];
    return task && taskMetadata(task, path);
  }

  /** Endpoints of tasks this runtime no longer runs are forgotten. */
  private forgetEndpoints(): void {
    const grants = runtimeState(this.store).taskEndpoints;
    if (!grants) return;
    let changed = false;
    for (const [uuid, grant] of Object.entries(grants)) {
      if (this.runs.has(grant.taskArn)) continue;
      delete grants[uuid];
      changed = true;
    }
    if (changed) this.store.markDirty('runtime');
  }

  /** The task's execution role session when IAM is enforced (and the task definition names one). */
  private executionRole(task: TaskRecord, roleArn: string | undefined): RoleSession | undefined {
    return this.access && roleArn ? assumeTaskRole(this.access, this.store, task, roleArn) : undefined;
  }

  private ship(containerId: string, target: AwsLogsTarget, executionRole?: RoleSession): Promise<void> {
    const sink = logsSink(this.store, target.region, executionRole);
    return shipLogs(this.containers.container(containerId), target, sink, {
      after: shippedSoFar(this.store, target),
      signal: this.stopShipping.signal,
    }).catch((error: unknown) => console.error(`[cloud] awslogs for ${target.stream}:`, error));
  }

  /** Deregistered and drained, then SIGTERM (SIGKILL after stopTimeout), then logs flushed: STOPPED. */
  private async stopTask(run: TaskRun): Promise<void> {
    await this.targets.drain(run.region, run.containers[0]?.privateIp);
    run.fact = { phase: 'stopping' };
    this.poke();
    await Promise.all(run.containers.map((c) => this.containers.stop(c.id)));
    run.fact = { phase: 'flushing' };
    this.poke();
    await Promise.all(run.shipping);
    const containers = await Promise.all(run.containers.map((c) => this.finalFact(c)));
    await Promise.all(run.containers.map((c) => this.containers.remove(c.id)));
    run.fact = { phase: 'stopped', containers };
  }

  private async finalFact(container: RunContainer): Promise<ContainerFact> {
    const base = { name: container.name, runtimeId: container.id, running: false, hostPorts: {} };
    return { ...base, ...(await this.ending(container.id)) };
  }

  /** How a stopped container ended: only its full inspection says (nothing when it is gone). */
  private async ending(id: string): Promise<Pick<ContainerFact, 'exitCode' | 'oomKilled'>> {
    try {
      const { State } = await this.containers.inspect(id);
      return { exitCode: State.ExitCode, ...(State.OOMKilled ? { oomKilled: true } : {}) };
    } catch {
      return {};
    }
  }

  /** Brings every started task's container facts up to date with one listing of the engine. */
  private async observe(): Promise<void> {
    // Only tasks already up before the listing: one whose start finished during it has containers
    // the listing missed, and would be taken for a task whose containers had exited (and stopped).
    const upBefore = [...this.runs.values()].filter((run) => run.fact.phase === 'up');
    if (upBefore.length === 0 && this.ticks % IDLE_LISTING_TICKS !== 0) return;
    const listed = new Map((await this.containers.list()).map((c) => [c.Id, c]));
    for (const run of upBefore) {
      if (run.fact.phase !== 'up') continue;
      const previous = run.fact.containers;
      const containers: ContainerFact[] = [];
      for (const container of run.containers) {
        const before = previous.find((f) => f.runtimeId === container.id);
        containers.push(await this.observeContainer(container, listed.get(container.id), before));
      }
      if (run.fact.phase === 'up') {
        run.fact = {
          phase: 'up',
          containers,
          ...(run.networkInterface ? { networkInterface: run.networkInterface } : {}),
        };
      }
    }
    for (const [id, info] of listed) {
      const taskArn = info.Labels[LABELS.taskArn];
      // A container of no task this runtime knows (left from a start cut short): nothing will use it.
      if (taskArn && !this.runs.has(taskArn)) await this.containers.remove(id);
    }
  }

  private async observeContainer(
    container: RunContainer,
    info: Docker.ContainerInfo | undefined,
    before: ContainerFact | undefined,
  ): Promise<ContainerFact> {
    const fact: ContainerFact = {
      name: container.name,
      runtimeId: container.id,
      running: info?.State === 'running',
      hostPorts: container.hostPorts,
      privateIp: container.privateIp,
    };
    if (fact.running) {
      if (container.hasHealthCheck) fact.health = healthOf(info!.Status);
      return fact;
    }
    if (before && !before.running) return before;
    return { ...fact, ...(await this.ending(container.id)) };
  }

  /**
   * After a restart: tasks of the ECS state whose containers still exist are taken on again (log
   * shipping resumes after the last line shipped); containers of any other task are removed. Tasks
   * left without containers are then stopped by the scheduler and replaced.
   */
  private async adopt(): Promise<void> {
    const byTask = new Map<string, Docker.ContainerInfo[]>();
    for (const info of await this.containers.list()) {
      const taskArn = info.Labels[LABELS.taskArn];
      if (taskArn) byTask.set(taskArn, [...(byTask.get(taskArn) ?? []), info]);
    }
    for (const [taskArn, infos] of byTask) {
      const region = regionOf(taskArn);
      const ecs = this.store.slice('ecs', region, initialEcsState);
      const task = ecs.tasks[taskArn];
      const definition = task && taskDefinitionByArn(ecs, task.taskDefinitionArn);
      const adoptable =
        task !== undefined &&
        definition !== undefined &&
        !['PROVISIONING', 'PENDING', 'STOPPED'].includes(task.lastStatus) &&
        (definition.containerDefinitions ?? []).every((d) =>
          infos.some((i) => i.Labels[LABELS.containerName] === d.name),
        );
      if (!adoptable) {
        await Promise.all(infos.map((i) => this.containers.remove(i.Id)));
        continue;
      }
      await this.adoptTask(task, region, definition, infos);
    }
  }

  private async adoptTask(
    task: TaskRecord,
    region: string,
    { containerDefinitions: definitions = [], executionRoleArn }: TaskDefinitionRecord,
    infos: Docker.ContainerInfo[],
  ): Promise<void> {
    const run = newRun(task.taskArn, region);
    let executionRole: RoleSession | undefined;
    let mayShip = true;
    try {
      executionRole = this.executionRole(task, executionRoleArn);
    } catch {
      // The role went away (or stopped trusting ECS) while the cloud was down: no lines may go.
      mayShip = false;
    }
    for (const definition of definitions) {
      const info = infos.find((i) => i.Labels[LABELS.containerName] === definition.name)!;
      const inspected = await this.containers.inspect(info.Id);
      const owner = inspected.HostConfig.NetworkMode?.startsWith('container:')
        ? await this.containers.inspect(inspected.HostConfig.NetworkMode.slice('container:'.length))
        : inspected;
      const ports = owner.NetworkSettings.Ports ?? {};
      run.containers.push({
        name: definition.name ?? '',
        id: info.Id,
        privateIp: Object.values(owner.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? '',
        hostPorts: Object.fromEntries(
          (definition.portMappings ?? []).flatMap((m) => {
            const hostPort =
              m.containerPort !== undefined ? ports[`${m.containerPort}/tcp`]?.[0]?.HostPort : undefined;
            return hostPort ? [[m.containerPort!, Number(hostPort)]] : [];
          }),
        ),
        // The task definition's, not the image's: ECS reports health only for checks it defines.
        hasHealthCheck: definition.healthCheck !== undefined,
        essential: definition.essential !== false,
      });
      const target = awslogsTarget(definition, task.taskArn, region);
      if (target && mayShip) run.shipping.push(this.ship(info.Id, target, executionRole));
    }
    // The first observation fills in running, health and exit codes.
    run.fact = { phase: 'up', containers: [] };
    this.runs.set(task.taskArn, run);
  }
}

/** Docker's container status line → its health: `Up 5 seconds (healthy)`. */
function healthOf(status: string): ContainerFact['health'] {
  if (status.includes('(healthy)')) return 'healthy';
  if (status.includes('(unhealthy)')) return 'unhealthy';
  return 'starting';
}
