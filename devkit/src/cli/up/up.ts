/**
 * `devkit up`: the local cloud (with its task runtime), the Gemini replay server and the dev stage
 * deployed through the same deploy() as every target, then the service's logs until Ctrl-C, which
 * stops everything it started. Whatever fails on the way, what was started is stopped again.
 */
import Docker from 'dockerode';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CONSOLE_PATH, startCloud } from '../../cloud/server.ts';
import type { AwsClients } from '../../deploy/clients.ts';
import { createClients, destroyClients } from '../../deploy/clients.ts';
import { baseImages } from '../../deploy/base-images.ts';
import { deploy } from '../../deploy/deploy.ts';
import type { Target } from '../../deploy/target.ts';
import { resolveTarget } from '../../deploy/target.ts';
import type { Stack } from '../../stack/load.ts';
import { DEFAULT_STACK_FILE } from '../../stack/load.ts';
import { CliError, errorLines } from '../fail.ts';
import { dockerProblem, portFree, portTakenLine } from '../../host/preflight.ts';
import { startLocalstack } from '../localstack.ts';
import { onShutdown } from '../shutdown.ts';
import { terminalProgress } from '../progress-printer.ts';
import { loadStackFrom } from '../stack-target.ts';
import { startDetachedCloud, stopProcess } from './detached-cloud.ts';
import {
  ensureGeminiImage,
  geminiContainerName,
  removeGeminiContainer,
  startGeminiContainer,
} from '../../gemini/container.ts';
import type { UpSession } from './session.ts';
import { followStageLogs } from './stage-logs.ts';
import { redeployOnSave } from './watch.ts';
import { clearSession, cloudDataDir, cloudLogFile, runningSession, saveSession } from './session.ts';

export interface UpOptions {
  target: 'local' | 'localstack';
  detach: boolean;
  /** The local cloud's port. */
  port: number;
  /** The service's load balancer port (the dev stage's loadBalancer.port). */
  lbPort: number;
  /** Where the session record, the cloud's state and its log live. */
  stateDir: string;
  stack: string;
  /** Print the image build's own output, line by line, and the health checks' log lines. */
  verbose: boolean;
  /** Stream the service's log lines raw (JSON). */
  json: boolean;
  /** Redeploy on every saved change under the service's folder (foreground only). */
  watch: boolean;
  /** Evaluate role sessions' calls against IAM policies (`--enforce-iam`). */
  enforceIam: boolean;
}

const say = (line: string) => console.log(line);

/** Things to undo, newest first; each runs once even when Ctrl-C arrives mid-way. */
class Teardown {
  private readonly steps: Array<{ what: string; undo: () => Promise<unknown> }> = [];

  add(what: string, undo: () => Promise<unknown>): void {
    this.steps.unshift({ what, undo });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0)) {
      try {
        await step.undo();
      } catch (error) {
        console.error(`could not ${step.what}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
}

export async function up(options: UpOptions): Promise<void> {
  if (options.watch && options.detach)
    throw new CliError('--watch needs `up` in the foreground (it deploys on each save): drop --detach');
  const stateDir = resolve(options.stateDir);
  const running = await runningSession(stateDir);
  if (running) {
    throw new CliError(
      `devkit up is already running (pid ${running.pid}, ${running.mode}, since ${running.startedAt}) with the service at ${running.serviceUrl ?? '?'}: \`npm run down\` stops it`,
    );
  }
  const docker = new Docker();
  const problem = await dockerProblem(docker);
  if (problem) throw new CliError(problem);
  if (options.target === 'local' && !(await portFree(options.port)))
    throw new CliError(await portTakenLine(options.port, '--port', docker));
  if (!(await portFree(options.lbPort)))
    throw new CliError(await portTakenLine(options.lbPort, '--lb-port', docker));
  const stack = loadStackFrom(
    { stack: options.stack, stage: 'dev', opt: [] },
    { 'lb-port': String(options.lbPort) },
  );
  await mkdir(stateDir, { recursive: true });

  const teardown = new Teardown();
  let stopping = false;
  const logs = new AbortController();
  const removeShutdown = onShutdown(async () => {
    // A failure already tearing down (the catch below) finishes that job and reports it.
    if (stopping) return new Promise<void>(() => undefined);
    stopping = true;
    say('stopping…');
    logs.abort();
    await teardown.run();
    say('stopped: the cloud, its containers and networks, and the replay server are gone');
  });

  let clients: AwsClients | undefined;
  // The replay server's image is found (or built) while the cloud starts: neither needs the other.
  const geminiImage = ensureGeminiImage(docker, (line) => say(`  ${line}`));
  // Awaited below; a failure before then must not surface as an unhandled rejection.
  geminiImage.catch(() => undefined);
  try {
    const { target, cloudPid, cloudId } = await startTarget(options, stack, docker, teardown, stateDir);
    const geminiName = geminiContainerName(options.port);
    const session: UpSession = {
      pid: options.detach && cloudPid !== undefined ? cloudPid : process.pid,
      mode: options.detach ? 'detached' : 'foreground',
      target: options.target,
      cloudUrl: target.endpoint ?? '',
      stage: stack.stage,
      lbPort: options.lbPort,
      // Known once the deploy has provisioned the load balancer.
      serviceUrl: undefined,
      geminiContainer: geminiName,
      logFile: options.detach ? cloudLogFile(stateDir) : undefined,
      startedAt: new Date().toISOString(),
    };
    await saveSession(stateDir, session);
    teardown.add('clear the session record', () => clearSession(stateDir));

    say(`▶ gemini-mock: ensuring the replay server image`);
    const { image, built } = await geminiImage;
    teardown.add('remove the replay server container', () => removeGeminiContainer(docker, geminiName));
    await startGeminiContainer(docker, geminiName, image, cloudId);
    say(
      `✔ gemini-mock: ${geminiName} running ${image}${built ? ' (built)' : ''}, reachable by tasks as http://gemini-mock:8080`,
    );

    clients = createClients(target);
    const deployStarted = Date.now();
    // A failed deploy (a build error, a rolled-back rollout) leaves the cloud up: fix, deploy again.
    const progress = terminalProgress({ verbose: options.verbose });
    const deployed = await deploy(clients, stack, progress, { docker }).then(
      async (result) => {
        await progress.close();
        session.serviceUrl = result.provisioned?.url;
        await saveSession(stateDir, session);
        return true;
      },
      async (error: unknown) => {
        await progress.close();
        for (const line of errorLines(error)) console.error(line);
        say('');
        say(
          options.watch
            ? 'the cloud keeps running: fix the error and save; the change deploys'
            : `the cloud keeps running: fix the error, then deploy again with \`${retryCommand(options)}\``,
        );
        return false;
      },
    );
    const url = session.serviceUrl ?? '';
    if (deployed) {
      say('');
      say(`IsCoolGPT is up: ${url}`);
      if (options.target === 'local') say(`console: ${session.cloudUrl}${CONSOLE_PATH}`);
      say('try:');
      say(
        `  curl -s ${url}/v1/chat -H 'content-type: application/json' -d '{"question":"What is a container?"}'`,
      );
    }
    if (options.detach) {
      say(
        `running in the background (cloud pid ${session.pid}, log ${session.logFile}); \`npm run down\` stops it`,
      );
      if (!deployed) process.exitCode = 1;
      destroyClients(clients);
      removeShutdown();
      return;
    }
    if (options.watch)
      await redeployOnSave({ clients, stack, docker, verbose: options.verbose, signal: logs.signal, say });
    say("the service's logs follow; Ctrl-C stops everything");
    await followStageLogs(
      clients,
      stack,
      {
        sinceMs: Date.now() - deployStarted + 60_000,
        follow: true,
        pollMs: 1_000,
        signal: logs.signal,
        json: options.json,
        healthChecks: options.verbose,
      },
      say,
    );
    // Only Ctrl-C ends the log stream; `stop` finishes the job.
    await new Promise(() => undefined);
  } catch (error) {
    if (stopping) await new Promise(() => undefined);
    stopping = true;
    if (clients) destroyClients(clients);
    await teardown.run();
    throw error;
  }
}

/**
 * The local cloud in this process or detached, or LocalStack; registered for teardown. `cloudId` is
 * the local cloud's, for the replay server beside it.
 */
async function startTarget(
  options: UpOptions,
  stack: Stack,
  docker: Docker,
  teardown: Teardown,
  stateDir: string,
): Promise<{ target: Target; cloudPid: number | undefined; cloudId: string | undefined }> {
  const region = stack.config.region;
  if (options.target === 'localstack') {
    const localstack = await startLocalstack({ docker, region, log: say });
    teardown.add('stop LocalStack', () => localstack.stop());
    return { target: localstack.target, cloudPid: undefined, cloudId: undefined };
  }
  const dataDir = cloudDataDir(stateDir);
  say(`▶ cloud: starting the local cloud on port ${options.port} (state in ${dataDir})`);
  if (options.detach) {
    const cloud = await startDetachedCloud({
      port: options.port,
      dataDir,
      logFile: cloudLogFile(stateDir),
      enforceIam: options.enforceIam,
    });
    teardown.add('stop the local cloud', () => stopProcess(cloud.pid));
    say(
      `✔ cloud: ${cloud.url} (pid ${cloud.pid}, log ${cloudLogFile(stateDir)}); console: ${cloud.url}${CONSOLE_PATH}`,
    );
    const target = await resolveTarget('local', { region, endpoint: cloud.url });
    return { target, cloudPid: cloud.pid, cloudId: cloud.cloudId };
  }
  const cloud = await startCloud({
    port: options.port,
    dataDir,
    runtime: { docker, taskEndpointsImage: async () => (await baseImages(docker)).runtime },
    enforceIam: options.enforceIam,
  });
  // cleanup: every task container and network this cloud made goes with it.
  teardown.add('stop the local cloud', () => cloud.close({ cleanup: true }));
  say(`✔ cloud: ${cloud.url}; console: ${cloud.consoleUrl}`);
  const target = await resolveTarget('local', { region, endpoint: cloud.url });
  return { target, cloudPid: undefined, cloudId: cloud.runtime?.cloudId };
}

/**
 * The `devkit deploy` that redeploys what this `up` deployed: it finds this session's cloud, target
 * and load balancer port in the session record (cloud-choice.ts), so only the files need naming.
 */
function retryCommand(options: UpOptions): string {
  const flags = [
    options.stack !== DEFAULT_STACK_FILE ? `--stack ${options.stack}` : '',
    options.stateDir !== '.devkit' ? `--state-dir ${options.stateDir}` : '',
  ];
  return ['npm run devkit -- deploy', ...flags].filter(Boolean).join(' ');
}
