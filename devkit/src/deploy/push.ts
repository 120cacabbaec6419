import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type Docker from 'dockerode';
import type { AwsClients } from './clients.ts';
import type { BuiltImage } from './build.ts';
import type { DockerMessage } from './docker-stream.ts';
import { followDockerStream } from './docker-stream.ts';
import type { Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';

export interface PushedImage {
  /** `repository@sha256:...`: what the task definition runs, so a revision always means one image. */
  reference: string;
  digest: string;
  tags: string[];
}

/** Docker credentials from ECR's own token (user AWS), the same for every target. */
export async function registryAuth(clients: AwsClients): Promise<Docker.AuthConfig> {
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

/** Pushes each tag of the built image to ECR, reporting each layer's progress as it changes. */
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
      let digest: string | undefined;
      for (const tag of image.tags) {
        const lastStatus = new Map<string, string>();
        const onMessage = (message: DockerMessage) => {
          if (message.aux?.Digest) digest = message.aux.Digest;
          const status = message.status;
          if (!status || status === 'Pushing') return;
          const key = message.id ?? status;
          if (lastStatus.get(key) === status) return;
          lastStatus.set(key, status);
          report.output(message.id ? `${tag} ${message.id}: ${status}` : `${tag} ${status}`);
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
      }
      if (!digest) throw new DeployError(`push of ${image.repository} reported no digest`, 'push');
      return { reference: `${image.repository}@${digest}`, digest, tags: image.tags };
    },
    (pushed) => `${pushed.digest.slice(0, 19)} (${pushed.tags.join(', ')})`,
  );
}
