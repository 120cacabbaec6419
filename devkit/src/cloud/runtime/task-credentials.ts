/**
 * The task role's credentials and the task metadata, as the ECS agent serves them to a task's
 * containers (through the endpoints container, task-endpoints.ts). The credentials are a local STS
 * session of the task role named after the task (`assumed-role/<role>/<task-id>`), so the
 * gateway's IAM enforcement evaluates an app's own calls against its task role; a session is
 * replaced before it runs out, as the agent rotates them.
 */
import { roleByArn, sessionByAccessKey } from '../access/identities.ts';
import { newSession } from '../services/sts/credentials.ts';
import { initialStsState, recordSession, type StsState } from '../services/sts/state.ts';
import type { TaskRecord } from '../services/ecs/state.ts';
import type { StateStore } from '../state/store.ts';

/** A task's endpoints (metadata, and its role's credentials when it has one), under its id's uuid. */
export interface TaskCredentialGrant {
  taskArn: string;
  roleArn?: string;
  /** The session handed out last. */
  accessKeyId?: string;
}

/** How long a session lasts (the agent's are about six hours), and when it is replaced. */
const SESSION_SECONDS = 6 * 3600;
const REFRESH_BEFORE_MS = 30 * 60 * 1000;

/** The credentials endpoint's answer, or undefined when the role is gone. */
export function taskCredentials(
  store: StateStore,
  grant: TaskCredentialGrant,
  nowMs: number,
): Record<string, string> | undefined {
  let session = grant.accessKeyId === undefined ? undefined : sessionByAccessKey(store, grant.accessKeyId);
  if (!session || session.expiresMs - nowMs < REFRESH_BEFORE_MS) {
    const role = grant.roleArn === undefined ? undefined : roleByArn(store, grant.roleArn);
    if (!role) return undefined;
    const [, , , , account = ''] = grant.taskArn.split(':');
    const taskId = grant.taskArn.slice(grant.taskArn.lastIndexOf('/') + 1);
    session = newSession(role, account, taskId, SESSION_SECONDS, nowMs);
    recordSession(store.slice<StsState>('sts', 'global', initialStsState), session, nowMs);
    store.markDirty('sts', 'global');
    grant.accessKeyId = session.accessKeyId;
  }
  return {
    RoleArn: session.roleArn,
    AccessKeyId: session.accessKeyId,
    SecretAccessKey: session.secretAccessKey,
    Token: session.sessionToken,
    Expiration: new Date(session.expiresMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * Task metadata v4 (`${ECS_CONTAINER_METADATA_URI_V4}/task`): the task and its containers as ECS
 * records them; the container document (`${ECS_CONTAINER_METADATA_URI_V4}`) is the first container's
 * (every container of a task shares one id here, where each has its own on AWS).
 */
export function taskMetadata(task: TaskRecord, path: string): unknown {
  const [, , , region = ''] = task.taskArn.split(':');
  const containers = task.containers.map((c) => ({
    DockerId: c.runtimeId,
    Name: c.name,
    Image: c.image,
    ...(c.imageDigest ? { ImageID: c.imageDigest } : {}),
    DesiredStatus: task.desiredStatus,
    KnownStatus: c.lastStatus,
    ...(c.exitCode !== undefined ? { ExitCode: c.exitCode } : {}),
    Type: 'NORMAL',
    ContainerARN: c.containerArn,
    Networks: [
      {
        NetworkMode: 'awsvpc',
        IPv4Addresses: (c.networkInterfaces ?? []).flatMap((n) =>
          n.privateIpv4Address ? [n.privateIpv4Address] : [],
        ),
      },
    ],
  }));
  if (path === '' || path === '/') return containers[0] ?? {};
  if (path === '/stats' || path === '/task/stats') return {};
  return {
    Cluster: task.clusterArn,
    TaskARN: task.taskArn,
    Family: task.group?.startsWith('family:')
      ? task.group.slice('family:'.length)
      : task.taskDefinitionArn.split('/').pop()?.split(':')[0],
    Revision: task.taskDefinitionArn.split(':').pop(),
    DesiredStatus: task.desiredStatus,
    KnownStatus: task.lastStatus,
    Limits: { CPU: Number(task.cpu ?? 256) / 1024, Memory: Number(task.memory ?? 512) },
    ...(task.pullStartedAt ? { PullStartedAt: new Date(task.pullStartedAt).toISOString() } : {}),
    ...(task.pullStoppedAt ? { PullStoppedAt: new Date(task.pullStoppedAt).toISOString() } : {}),
    AvailabilityZone: task.availabilityZone ?? `${region}a`,
    LaunchType: 'FARGATE',
    Containers: containers,
  };
}
