import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Timings } from '../../cloud/scheduler/facts.ts';
import { resolveTimings, TIMING_PROFILES, timingsLine } from '../../cloud/scheduler/facts.ts';
import { iamEnforcementLine } from '../../cloud/access/enforcement.ts';
import { DEFAULT_PORTS } from '../default-ports.ts';
import { onShutdown } from '../shutdown.ts';

interface CloudCommandOptions {
  port: string;
  dataDir: string;
  verbose?: boolean;
  runtime: boolean;
  timings: string;
  healthCheckInterval?: string;
  healthGrace?: string;
  deregistrationDelay?: string;
  stoppedTaskRetention?: string;
  metricsSampling?: string;
  deploymentMinute?: string;
  cleanup?: boolean;
  enforceIam?: boolean;
}

/** `--timings aws|local`, then any single timing given on its own. */
function timingsFrom(options: CloudCommandOptions, fail: (message: string) => never): Timings {
  if (!Object.hasOwn(TIMING_PROFILES, options.timings))
    fail(`--timings must be aws or local, got '${options.timings}'`);
  const seconds = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) fail(`--${flag} must be a number of seconds, got '${value}'`);
    return n;
  };
  const overrides: Partial<Timings> = { profile: options.timings as keyof typeof TIMING_PROFILES };
  const interval = seconds('health-check-interval', options.healthCheckInterval);
  const grace = seconds('health-grace', options.healthGrace);
  const delay = seconds('deregistration-delay', options.deregistrationDelay);
  const retention = seconds('stopped-task-retention', options.stoppedTaskRetention);
  const sampling = seconds('metrics-sampling', options.metricsSampling);
  const minute = seconds('deployment-minute', options.deploymentMinute);
  if (interval !== undefined) {
    overrides.healthCheckIntervalSeconds = interval;
    overrides.targetHealthCheckIntervalSeconds = interval;
  }
  if (grace !== undefined) overrides.noHealthCheckGraceSeconds = grace;
  if (delay !== undefined) overrides.deregistrationDelaySeconds = delay;
  if (retention !== undefined) overrides.stoppedTaskRetentionSeconds = retention;
  if (sampling !== undefined) {
    if (sampling < 1) fail(`--metrics-sampling must be at least 1 second, got '${options.metricsSampling}'`);
    overrides.metricsSamplingSeconds = sampling;
  }
  if (minute !== undefined) overrides.deploymentMinuteSeconds = minute;
  return resolveTimings(overrides);
}

export function register(program: Command): void {
  program
    .command('cloud')
    .description('run the local AWS-compatible cloud alone, in the foreground')
    .option('--port <port>', 'port on 127.0.0.1', String(DEFAULT_PORTS.cloud))
    .option('--data-dir <dir>', 'where state persists', '.devkit/cloud')
    .option('--verbose', 'log every API call')
    .option('--no-runtime', 'only record ECS tasks, do not run them as containers')
    .option(
      '--timings <profile>',
      "ECS and load balancer timings: 'local' (AWS's intervals compressed) or 'aws' (AWS's own)",
      'local',
    )
    .option(
      '--health-check-interval <s>',
      "replace every health check's interval, containers' and target groups' alike",
    )
    .option('--health-grace <s>', 'seconds after RUNNING when a task without health checks counts as healthy')
    .option('--deregistration-delay <s>', 'longest wait for in-flight requests before a task stops')
    .option('--stopped-task-retention <s>', 'how long STOPPED tasks stay visible')
    .option('--metrics-sampling <s>', 'how often task containers are sampled for CloudWatch metrics')
    .option(
      '--deployment-minute <s>',
      'seconds one minute of a blue/green bake time or lifecycle hook timeout lasts',
    )
    .option(
      '--enforce-iam',
      "evaluate role sessions' calls (AssumeRole, web identity credentials) against IAM policies as AWS does; test/test stays the account root",
    )
    .option('--cleanup', 'on exit, remove every task container and network (else they keep running)')
    .action(async (options: CloudCommandOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        program.error(`--port must be a port number, got '${options.port}'`);
      }
      const dataDir = resolve(options.dataDir);
      const timings = timingsFrom(options, (message) => program.error(message));
      // Loaded here, not at the top: every devkit command registers at start and should not pay for the cloud.
      const { startCloud } = await import('../../cloud/server.ts');
      // The task endpoints container's image: the base runtime image, made when the first task needs it.
      const taskEndpointsImage = async () => {
        const [{ baseImages }, { default: Docker }] = await Promise.all([
          import('../../deploy/base-images.ts'),
          import('dockerode'),
        ]);
        return (await baseImages(new Docker())).runtime;
      };
      const cloud = await startCloud({
        port,
        dataDir,
        enforceIam: options.enforceIam === true,
        ...(options.runtime ? { runtime: { timings, taskEndpointsImage } } : {}),
        ...(options.verbose
          ? {
              onCall: (c) =>
                console.log(
                  `${c.service}.${c.operation} ${c.status} ${c.durationMs.toFixed(1)}ms${c.error ? ` ${c.error}` : ''}`,
                ),
            }
          : {}),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') {
          program.error(`port ${port} is taken: stop what uses it or pass --port`);
        }
        program.error(error.message);
      });
      console.log(`local cloud on ${cloud.url} (state in ${dataDir}); console: ${cloud.consoleUrl}`);
      const health = cloud.runtime?.health();
      if (!health) console.log('ECS tasks are recorded only (--no-runtime)');
      else {
        console.log(
          `ECS tasks run as containers (Docker ${health.docker.reachable ? 'reachable' : `unreachable: ${health.docker.error}`}); ${timingsLine(health.timings)}`,
        );
      }
      console.log(iamEnforcementLine(cloud.access.enforced));
      console.log(
        `try: AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --endpoint-url ${cloud.url} sts get-caller-identity`,
      );
      onShutdown(() => cloud.close({ cleanup: options.cleanup === true }));
    });
}
