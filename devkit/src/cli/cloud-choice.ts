/**
 * Which cloud a stage command acts on, and the one line that says so. Precedence (README, "Which
 * cloud a command acts on"): `--target` and `--endpoint`, then AWS_ENDPOINT_URL, then the running
 * `devkit up` session recorded in the state folder, then the defaults (the local cloud at 4566).
 * A session also lends the stage it deployed its load balancer port, unless `--opt lb-port` is given,
 * so a command never moves `up`'s service to another port.
 */
import { resolve } from 'node:path';
import type { Timings } from '../cloud/scheduler/facts.ts';
import type { TargetName } from '../deploy/target.ts';
import { LOCAL_ENDPOINT, LOCALSTACK_ENDPOINT } from '../deploy/target.ts';
import { CliError } from './fail.ts';
import type { UpSession } from './up/session.ts';
import { runningSession } from './up/session.ts';

export type EndpointSource = '--endpoint' | 'AWS_ENDPOINT_URL' | 'up session' | 'default';

export interface CloudChoice {
  target: TargetName;
  /** For aws, set only by AWS_ENDPOINT_URL (the SDK reads it, and AWS_ENDPOINT_URL_<SERVICE>, itself). */
  endpoint: string | undefined;
  source: EndpointSource;
  /** The running `up` session, when the chosen cloud is its cloud. */
  session: UpSession | undefined;
}

export interface CloudChoiceOptions {
  target?: TargetName;
  endpoint?: string;
  stateDir: string;
}

const sameOrigin = (a: string, b: string) => {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
};

export async function chooseCloud(
  options: CloudChoiceOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CloudChoice> {
  const running = await runningSession(resolve(options.stateDir));
  const target = options.target ?? running?.target ?? 'local';
  const fromEnv = env.AWS_ENDPOINT_URL || undefined;
  if (target === 'aws') {
    if (options.endpoint)
      throw new CliError(
        '--endpoint is for --target local or localstack; for AWS, set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>)',
      );
    return {
      target,
      endpoint: fromEnv,
      source: fromEnv ? 'AWS_ENDPOINT_URL' : 'default',
      session: undefined,
    };
  }
  const ours = running?.target === target ? running : undefined;
  const [endpoint, source]: [string, EndpointSource] = options.endpoint
    ? [options.endpoint, '--endpoint']
    : fromEnv
      ? [fromEnv, 'AWS_ENDPOINT_URL']
      : ours
        ? [ours.cloudUrl, 'up session']
        : [target === 'local' ? LOCAL_ENDPOINT : LOCALSTACK_ENDPOINT, 'default'];
  // Named by a flag or the environment, it is still the session's cloud when it is the same address.
  const session = ours && sameOrigin(ours.cloudUrl, endpoint) ? ours : undefined;
  return { target, endpoint, source, session };
}

/** The `${opt:...}` values the session lends the stage it deployed (`--opt` pairs override them). */
export function sessionStackOptions(choice: CloudChoice, stage: string): Record<string, string> {
  return choice.session?.stage === stage ? { 'lb-port': String(choice.session.lbPort) } : {};
}

/** e.g. `cloud: local at http://127.0.0.1:4577 (devkit up session, pid 1234)`. */
export function cloudLine(choice: CloudChoice, region: string): string {
  if (choice.target === 'aws') {
    const profile = process.env.AWS_PROFILE ? `, profile ${process.env.AWS_PROFILE}` : '';
    return `cloud: aws in ${region}${choice.endpoint ? ` at ${choice.endpoint} (AWS_ENDPOINT_URL${profile})` : ` (credentials from the default chain${profile})`}`;
  }
  const session = choice.session ? `devkit up session, pid ${choice.session.pid}` : undefined;
  const why = choice.source === 'up session' ? session : [choice.source, session].filter(Boolean).join('; ');
  return `cloud: ${choice.target} at ${choice.endpoint} (${why})`;
}

/**
 * What the chosen local cloud runs with (its /_devkit/health says): its task runtime's timing
 * profile and whether it enforces IAM; each undefined for AWS and LocalStack, a cloud without a
 * runtime, or one that does not answer.
 */
export async function cloudSettings(
  choice: CloudChoice,
): Promise<{ timings?: Timings | undefined; iamEnforced?: boolean | undefined }> {
  if (choice.target !== 'local' || !choice.endpoint) return {};
  try {
    const response = await fetch(new URL('/_devkit/health', choice.endpoint), {
      signal: AbortSignal.timeout(3_000),
    });
    const health = (await response.json()) as {
      runtime?: { timings?: Timings };
      iam?: { enforced?: boolean };
    };
    return { timings: health.runtime?.timings, iamEnforced: health.iam?.enforced };
  } catch {
    return {};
  }
}
