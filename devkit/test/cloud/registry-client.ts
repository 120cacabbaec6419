/**
 * A minimal OCI distribution client over fetch, for tests that need images with exact contents
 * (lifecycle, immutability, digest checks) without going through the docker CLI.
 */
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { createHash, randomBytes } from 'node:crypto';
import type { TestCloud } from './harness.ts';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** `Basic …` from GetAuthorizationToken, exactly what `docker login` would send. */
export async function registryAuthorization(t: TestCloud): Promise<string> {
  const ecr = new ECRClient(t.clientConfig);
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
  ecr.destroy();
  return `Basic ${authorizationData![0]!.authorizationToken!}`;
}

export class RegistryClient {
  private readonly t: TestCloud;
  private readonly authorization: string;

  constructor(t: TestCloud, authorization: string) {
    this.t = t;
    this.authorization = authorization;
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(new URL(path, this.t.cloud.url), {
      ...init,
      headers: { authorization: this.authorization, ...(init.headers as Record<string, string>) },
    });
  }

  /** A monolithic upload (`POST …/blobs/uploads/?digest=`). */
  async pushBlob(repository: string, content: Buffer, digest = sha256(content)): Promise<Response> {
    return this.fetch(`/v2/${repository}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: content,
      headers: { 'content-type': 'application/octet-stream' },
    });
  }

  /** Pushes a one-layer image of random bytes; returns its digest, manifest text and layer size. */
  async pushImage(
    repository: string,
    reference: string,
    layerBytes = 64,
  ): Promise<{ digest: string; manifest: string; layerSize: number; response: Response }> {
    const layer = randomBytes(layerBytes);
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }),
    );
    for (const blob of [layer, config]) {
      const pushed = await this.pushBlob(repository, blob);
      if (pushed.status !== 201) throw new Error(`blob push failed: ${pushed.status} ${await pushed.text()}`);
    }
    const manifest = JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: DOCKER_MANIFEST,
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          size: config.length,
          digest: sha256(config),
        },
        layers: [
          {
            mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
            size: layer.length,
            digest: sha256(layer),
          },
        ],
      },
      null,
      3,
    );
    const response = await this.fetch(`/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      body: manifest,
      headers: { 'content-type': DOCKER_MANIFEST },
    });
    return { digest: sha256(manifest), manifest, layerSize: layer.length, response };
  }
}
