/**
 * The three releases the rehearsal ships, each a real image build of the service whose build
 * metadata (APP_VERSION, which /v1/info reports) names the release:
 *   v1, v2 — the stack as it is;
 *   v3     — broken on purpose: its task definition's health probe asks GET /healthz (the
 *            Kubernetes habit), a path this API does not serve (404), so every v3 container fails
 *            its health check, as a release with a wrong probe path does on ECS. It is deployed
 *            with a 5 s health-check grace period instead of the stack's 30 s: ECS ignores failing
 *            container checks for that long, and the circuit breaker stops only at its third
 *            failed task (its threshold is 3), so each second of grace costs three: 30 s would add
 *            75 s to the rehearsal and show nothing more (10 s made v3 38 s of a 60 s rehearsal).
 *            5 s, not 0: the load balancer's checks must not fail a task still booting (the API
 *            listens ~1.5 s after its start); its container check, every 5 s from the start,
 *            fails first either way.
 */
import type { Stack } from '../stack/load.ts';

export interface Release {
  name: 'v1' | 'v2' | 'v3';
  /** The version /v1/info reports. */
  version: string;
  imageTag: string;
  /** Why this release must fail, when it must. */
  breakage?: string;
  /** The path its health probe asks for. */
  probePath?: string;
  stack: Stack;
}

const BROKEN_PROBE_PATH = '/healthz';

export const V3_BREAKAGE = `v3's health probe asks GET ${BROKEN_PROBE_PATH}, which the API does not serve (404): every v3 container fails its health check`;

function withVersion(stack: Stack, version: string): Stack {
  const { image } = stack.config;
  return {
    ...stack,
    config: { ...stack.config, image: { ...image, buildArgs: { ...image.buildArgs, APP_VERSION: version } } },
  };
}

/** The releases for one run; `runId` keeps versions unique, so an answer can only come from this run. */
export function releases(stack: Stack, runId: string): Release[] {
  const version = (name: string) => `${name}-rehearsal-${runId}`;
  const v3 = withVersion(stack, version('v3'));
  const port = stack.config.task.port;
  const broken: Stack = {
    ...v3,
    config: {
      ...v3.config,
      loadBalancer: { ...v3.config.loadBalancer, healthCheckGracePeriod: 5 },
      task: {
        ...v3.config.task,
        // The image's own kind of probe (bash and /dev/tcp: the runtime image has no sh, and a Node
        // probe costs ~20 times the CPU, which a starved machine pays in seconds per check), with
        // the wrong path. ECS's minimums: every 5 s, one failure is enough, no start period, so the
        // circuit breaker sees each failure as soon as the grace period ends.
        healthCheck: {
          command: [
            'CMD',
            'bash',
            '-c',
            `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET ${BROKEN_PROBE_PATH} HTTP/1.0\\r\\n\\r\\n' >&3 && IFS= read -r -t 2 status <&3 && [[ $status == 'HTTP/1.'?' 200 '* ]]`,
          ],
          interval: 5,
          timeout: 2,
          retries: 1,
          startPeriod: 0,
        },
      },
    },
  };
  return [
    {
      name: 'v1',
      version: version('v1'),
      imageTag: `rehearsal-v1-${runId}`,
      stack: withVersion(stack, version('v1')),
    },
    {
      name: 'v2',
      version: version('v2'),
      imageTag: `rehearsal-v2-${runId}`,
      stack: withVersion(stack, version('v2')),
    },
    {
      name: 'v3',
      version: version('v3'),
      imageTag: `rehearsal-v3-${runId}`,
      breakage: V3_BREAKAGE,
      stack: broken,
    },
  ];
}
