import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type Docker from 'dockerode';
import type { AwsClients } from './clients.ts';
import type { BuiltImage } from './build.ts';
import type { DockerMessage } from './docker-stream.ts';
import { followDockerStream } from './docker-stream.ts';
import type { RegistryCredentials } from './layer-cache.ts';
import { LayerCache } from './layer-cache.ts';
import type { Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';
import { byteSize } from './progress-lines.ts';

export interface PushedImage {
  /** `repository@sha256:...`: what the task definition runs, so a revision always means one image. */
  reference: string;
  digest: string;
  tags: string[];
  /** Bytes of the layers the registry did not have. */
  sentBytes: number;
  /**
   * Compressed bytes of layers uploaded from the machine's layer cache before `docker push`, which
   * then finds them there (none for a remote registry).
   */
  cachedBytes: number;
}

/** Docker credentials from ECR's own token (user AWS), the same for every target. */
export async function registryAuth(clients: AwsClients): Promise<RegistryCredentials> {
  const { authorizationData = [] } = await clients.ecr.send(new GetAuthorizationTokenCommand({}));
  const data = authorizationData[0];
  if (!data?.authorizationToken || !data.proxyEndpoint) {
    throw new DeployError('ECR GetAuthorizationToken returned no token', 'push');
  }
  const [username = 'AWS', password = ''] = Buffer.from(data.authorizationToken, 'base64')
    .toString()
    .split(':');
  return { username, password, serveraddress: data.proxyEndpoint.replace(/^https?:\/\//, '') };
}

/** What a push stream says about each layer: bytes sent so far, and whether it is there. */
class LayerProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();
  /** Bytes of the layers that were sent (not those the registry already had). */
  sent = 0;

  /** Takes one message; returns whether the counts changed. */
  take(message: DockerMessage): boolean {
    const { id, status } = message;
    if (!id || !status) return false;
    const layer = this.layers.get(id) ?? { current: 0, total: 0, done: false };
    this.layers.set(id, layer);
    if (status === 'Pushing') {
      layer.current = message.progressDetail?.current ?? layer.current;
      layer.total = message.progressDetail?.total ?? layer.total;
    } else if (status === 'Pushed') {
      layer.done = true;
      this.sent += Math.max(layer.current, layer.total);
      layer.current = layer.total = Math.max(layer.current, layer.total);
    } else if (status === 'Layer already exists') {
      layer.done = true;
    } else {
      return false;
    }
    return true;
  }

  text(): string {
    const layers = [...this.layers.values()];
    const sum = (pick: (l: { current: number; total: number }) => number) =>
      layers.reduce((total, layer) => total + pick(layer), 0);
    const sent = sum((l) => l.current);
    const total = sum((l) => l.total);
    // The engine leaves out a small layer's size.
    const bytes =
      sent === 0 ? '' : total >= sent ? `, ${byteSize(sent)} of ${byteSize(total)}` : `, ${byteSize(sent)}`;
    return `${layers.filter((l) => l.done).length}/${layers.length} layers${bytes}`;
  }
}

/**
 * Pushes each tag of the built image to ECR: the bytes sent and layers done as the status, each
 * layer's state changes as the step's log.
 */
export function pushImage(
  docker: Docker,
  clients: AwsClients,
  image: BuiltImage,
  progress: Progress,
): Promise<PushedImage> {
  return runStep(
    progress,
    'push',
    `push ${image.repository} (${image.tags.join(', ')})`,
    async (report) => {
      const authconfig = await registryAuth(clients);
      const cache = LayerCache.forRegistry(authconfig.serveraddress);
      const diffIds = cache ? ((await docker.getImage(image.id).inspect()).RootFS.Layers ?? []) : [];
      const cachedBytes = cache ? await cache.seed(authconfig, image.repository, diffIds) : 0;
      if (cachedBytes > 0)
        report.log(
          `uploaded ${byteSize(cachedBytes)} of compressed layers from the layer cache ${cache!.dir}`,
        );
      let digest: string | undefined;
      let sent = 0;
      for (const tag of image.tags) {
        const lastStatus = new Map<string, string>();
        const layers = new LayerProgress();
        const onMessage = (message: DockerMessage) => {
          if (typeof message.aux === 'object' && message.aux.Digest) digest = message.aux.Digest;
          if (layers.take(message)) report.status(`${tag}: ${layers.text()}`);
          const status = message.status;
          if (!status || status === 'Pushing') return;
          const key = message.id ?? status;
          if (lastStatus.get(key) === status) return;
          lastStatus.set(key, status);
          report.log(message.id ? `${tag} ${message.id}: ${status}` : `${tag} ${status}`);
        };
        try {
          const stream = await docker.getImage(image.repository).push({ tag, authconfig });
          await followDockerStream(docker, stream, onMessage);
        } catch (error) {
          throw new DeployError(
            `push of ${image.repository}:${tag} failed: ${(error as Error).message.trim()}`,
            'push',
          );
        }
        sent += layers.sent;
      }
      if (!digest) throw new DeployError(`push of ${image.repository} reported no digest`, 'push');
      await cache?.keep(authconfig, image.repository, digest, diffIds);
      return {
        reference: `${image.repository}@${digest}`,
        digest,
        tags: image.tags,
        sentBytes: sent,
        cachedBytes,
      };
    },
    (pushed) => `${pushed.digest.slice(0, 19)} (${pushed.tags.join(', ')}), ${sentText(pushed)}`,
  );
}

function sentText({ sentBytes, cachedBytes }: PushedImage): string {
  const parts = [
    ...(sentBytes > 0 ? [`${byteSize(sentBytes)} sent`] : []),
    ...(cachedBytes > 0 ? [`${byteSize(cachedBytes)} compressed from the layer cache`] : []),
  ];
  return parts.join(', ') || 'every layer was there';
}
