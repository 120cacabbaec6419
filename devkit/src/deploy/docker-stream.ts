import type Docker from 'dockerode';

/** One JSON message of a Docker build or push stream. */
export interface DockerMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  /** Bytes of a layer pushed (or pulled) so far, of its size. */
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  /** A BuildKit build's progress (`moby.buildkit.trace`) is a base64 protobuf message instead. */
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number } | string;
}

/**
 * Reads a Docker JSON stream to its end. The engine reports a failing build step or push as an
 * `{error}` message inside a 200 response, so the stream "succeeds"; this turns that into a rejection.
 */
export function followDockerStream(
  docker: Docker,
  stream: NodeJS.ReadableStream,
  onMessage: (message: DockerMessage) => void,
): Promise<DockerMessage[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, messages: DockerMessage[]) => {
        if (error) return reject(error);
        const failed = messages.find((m) => m.error !== undefined || m.errorDetail !== undefined);
        if (failed)
          return reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'unknown Docker error'));
        resolve(messages);
      },
      onMessage,
    );
  });
}
