/**
 * BuildKit's progress inside a Docker build stream: `moby.buildkit.trace` messages carry a base64
 * protobuf StatusResponse (the build graph's vertexes as they start, finish or fail, and each
 * vertex's output), decoded with the schema dockerode ships. dockerode's own text rendering loses
 * which step a line belongs to and leaves the output base64, so the build reads the messages itself.
 */
import { createRequire } from 'node:module';
import protobuf from 'protobufjs';

export interface BuildVertex {
  digest: string;
  /** e.g. `[build 6/8] RUN ["node", "service/scripts/build.ts"]`, `[internal] load build context`. */
  name: string;
  started: boolean;
  completed: boolean;
  cached: boolean;
  error: string;
}

export interface BuildStatus {
  vertexes: BuildVertex[];
  /** Output of a vertex (a RUN step's stdout and stderr), in the order it came. */
  logs: Array<{ vertex: string; text: string }>;
}

let statusType: protobuf.Type | undefined;

function statusResponse(): protobuf.Type {
  const schema = createRequire(import.meta.url).resolve('dockerode/lib/proto/buildkit_status.proto');
  statusType ??= protobuf.loadSync(schema).lookupType('moby.buildkit.v1.StatusResponse');
  return statusType;
}

interface RawStatus {
  vertexes?: Array<{
    digest?: string;
    name?: string;
    cached?: boolean;
    started?: unknown;
    completed?: unknown;
    error?: string;
  }>;
  logs?: Array<{ vertex?: string; msg?: Uint8Array }>;
}

/** One `moby.buildkit.trace` message's aux (base64 protobuf). */
export function decodeBuildStatus(aux: string): BuildStatus {
  const raw = statusResponse().decode(Buffer.from(aux, 'base64')) as unknown as RawStatus;
  return {
    vertexes: (raw.vertexes ?? []).map((v) => ({
      digest: v.digest ?? '',
      name: v.name ?? '',
      started: v.started != null,
      completed: v.completed != null,
      cached: v.cached === true,
      error: v.error ?? '',
    })),
    logs: (raw.logs ?? []).map((log) => ({
      vertex: log.vertex ?? '',
      text: Buffer.from(log.msg ?? new Uint8Array()).toString('utf8'),
    })),
  };
}
