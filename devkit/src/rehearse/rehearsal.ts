/**
 * `devkit rehearse`: the whole pipeline end to end, from nothing, on this machine. The local cloud
 * (with its task runtime) and the Gemini replay server start on ports of their own; v1 is deployed
 * and answers; v2 rolls out under steady load with no failed request; a broken v3 is rolled back by
 * the circuit breaker while v2 keeps serving; every chat request's log line is found in CloudWatch
 * Logs; a fake Gemini key planted in the secret is found nowhere it must not be; everything the run
 * made is removed. The report says what happened; any failed expectation fails the run.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dockerProblem, portFree, portTakenLine } from '../host/preflight.ts';
import {
  ensureGeminiImage,
  geminiContainerName,
  removeGeminiContainer,
  startGeminiContainer,
} from '../gemini/container.ts';
import type { Cloud } from '../cloud/server.ts';
import { startCloud } from '../cloud/server.ts';
import type { AwsClients } from '../deploy/clients.ts';
import { createClients, destroyClients } from '../deploy/clients.ts';
import type { DeployResult } from '../deploy/deploy.ts';
import { deploy } from '../deploy/deploy.ts';
import { plainProgress } from '../deploy/plain-progress.ts';
import { resourceNames, stackTags } from '../deploy/names.ts';
import type { Progress } from '../deploy/progress.ts';
import { RolloutFailedError } from '../deploy/rollout.ts';
import { resolveTarget } from '../deploy/target.ts';
import { PROJECT_CASSETTES } from '../gemini/cassette-file.ts';
import type { Stack } from '../stack/load.ts';
import { loadStack } from '../stack/load.ts';
import { SecretScanner } from './leak-scan.ts';
import { leftovers } from './leftovers.ts';
import type { LoadOptions, LoadStats, RunningLoad } from './load.ts';
import { startLoad, versionsSeen } from './load.ts';
import type { Release } from './releases.ts';
import { releases } from './releases.ts';
import type { RehearsalReport } from './report.ts';
import { failuresOf, renderJson, renderMarkdown, writeReport } from './report.ts';
import { missingRequestLogs } from './request-logs.ts';
import { ServiceEvents } from './service-events.ts';
import type { StepRun } from './step.ts';
import { rehearsalStep } from './step.ts';
import { taskEnvironmentHolds } from './task-environment.ts';

export interface RehearsalOptions {
  /** The local cloud's port: not 4566, so a running `npm run up` is left alone. */
  cloudPort: number;
  /** The service's load balancer port (stage dev's service.url). */
  lbPort: number;
  stackFile: string;
  reportDir: string;
  log: (line: string) => void;
}

/** Issue 7's benchmark: the rehearsal end to end within 90 s on a 2-core machine. */
const TARGET_MS = 90_000;
const ROLLOUT = { timeoutMs: 150_000, pollMs: 250 };
const VERIFY = { timeoutMs: 60_000, pollMs: 250, question: 'In one sentence: what is a container?' };
const QUESTIONS = [
  'What is Amazon ECS?',
  'Explain a rolling update in two sentences.',
  'What is a health check?',
];
const LOAD: Omit<LoadOptions, 'baseUrl' | 'requestIdPrefix'> = {
  requests: [
    { method: 'GET', path: '/v1/info' },
    { method: 'POST', path: '/v1/chat', body: { question: 'What does a load balancer do?' } },
  ],
  ratePerSecond: 10,
  maxInFlight: 8,
  maxRequests: 2_000,
  maxDurationMs: 180_000,
  timeoutMs: 15_000,
};

/** Everything the run starts, so teardown knows what to remove whatever happened. */
interface Started {
  dataDir?: string;
  cloud?: Cloud;
  clients?: AwsClients;
  geminiContainer?: string;
  geminiImage?: { image: string; built: boolean };
  images: string[];
}

export async function rehearse(
  options: RehearsalOptions,
): Promise<{ report: RehearsalReport; paths: { json: string; markdown: string } }> {
  const log = options.log;
  const startedAt = Date.now();
  const docker = new Docker();
  const runId = randomBytes(3).toString('hex');
  // A fake key, new each run, so the leak scan cannot be fooled by an old copy or a real key.
  const fakeKey = `AIzaFAKE-rehearsal-${randomBytes(12).toString('hex')}`;
  const report: RehearsalReport = {
    startedAt: new Date(startedAt).toISOString(),
    wallTimeMs: 0,
    targetMs: TARGET_MS,
    passed: false,
    machine: { cpus: cpus().length, node: process.version, docker: await dockerVersion(docker) },
    steps: [],
  };
  // What the run printed, scanned for the key with everything else.
  const transcript: string[] = [];
  const say = (line: string) => {
    transcript.push(line);
    log(line);
  };
  // The pipeline's steps as the CLI prints them in CI; the build's own output only in the transcript.
  const lines = plainProgress({ write: (line) => say(`  ${line}`) });
  const progress: Progress = {
    report(event) {
      if (event.kind === 'log') transcript.push(event.text);
      lines.report(event);
    },
  };
  let stack: Stack;
  try {
    stack = loadStack(options.stackFile, { stage: 'dev', options: { 'lb-port': String(options.lbPort) } });
  } catch (error) {
    // Nothing started yet: the report still says why.
    await rehearsalStep(report, 'stack', `Load ${options.stackFile}`, say, () =>
      Promise.reject(error as Error),
    );
    return finish(report, startedAt, fakeKey, options.reportDir);
  }
  const url = stack.config.service.url ?? `http://127.0.0.1:${options.lbPort}`;
  const [v1, v2, v3] = releases(stack, runId) as [Release, Release, Release];
  const started: Started = { images: [] };
  const events = new ServiceEvents();
  const step = (name: string, title: string, work: (step: StepRun) => Promise<void>) =>
    rehearsalStep(report, name, title, say, async (run) => {
      try {
        await work(run);
      } finally {
        if (started.clients) {
          run.events(await events.since(started.clients, stack).catch(() => []));
          run.events(await events.stoppedTasks(started.clients, stack).catch(() => []));
        }
      }
    });
  const scanner = new SecretScanner(fakeKey);
  // Every image the run built or started, in one `docker save`; begun as soon as the last release is
  // pushed, so it overlaps that release's rollout (mostly waiting) instead of adding to the wall time.
  let imageScan: Promise<Error | undefined> | undefined;
  const scanImages = () =>
    existing(docker, [...started.images, ...(started.geminiImage ? [started.geminiImage.image] : [])])
      .then((images) => (images.length > 0 ? scanner.images(docker, images) : undefined))
      .then(
        () => undefined,
        (error: Error) => error,
      );
  const chatIds: Record<string, string[]> = {};
  const deployed: Partial<Record<Release['name'], DeployResult>> = {};

  const ok =
    (await step('start', 'Start the local cloud and the Gemini replay server', async (run) => {
      const problem = await dockerProblem(docker);
      if (problem) throw new Error(problem);
      if (!(await portFree(options.cloudPort)))
        throw new Error(await portTakenLine(options.cloudPort, '--port', docker));
      if (!(await portFree(options.lbPort)))
        throw new Error(await portTakenLine(options.lbPort, '--lb-port', docker));
      started.dataDir = await mkdtemp(join(tmpdir(), 'devkit-rehearsal-'));
      started.cloud = await startCloud({
        port: options.cloudPort,
        dataDir: started.dataDir,
        // Health checks every 5 s (ECS's minimum) instead of the stack's 10 s: faster, yet three
        // failed probes in a row still take 30 s of a starved machine, not a few busy seconds.
        runtime: { docker, timings: { healthCheckIntervalSeconds: 5 } },
      });
      const target = await resolveTarget('local', {
        region: stack.config.region,
        endpoint: started.cloud.url,
      });
      started.clients = createClients(target);
      run.note(
        `local cloud with its task runtime at ${started.cloud.url}; the service's load balancer will listen on ${url}`,
      );
      started.geminiImage = await ensureGeminiImage(docker);
      started.geminiContainer = geminiContainerName(options.cloudPort);
      await startGeminiContainer(
        docker,
        started.geminiContainer,
        started.geminiImage.image,
        started.cloud.runtime?.cloudId,
      );
      run.note(
        `Gemini replay server ${started.geminiContainer} (${started.geminiImage.image}${started.geminiImage.built ? ', built' : ''}) reachable by tasks as http://gemini-mock:8080`,
      );
      // The key the task gets as GEMINI_API_KEY; provisioning keeps an existing secret's value.
      const secretName = stack.config.task.secrets.GEMINI_API_KEY;
      if (!secretName) throw new Error('the stack gives the task no GEMINI_API_KEY secret');
      await started.clients.secrets.send(
        new CreateSecretCommand({
          Name: secretName,
          SecretString: fakeKey,
          Tags: Object.entries(stackTags(stack)).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      run.note(
        `a fake Gemini key (${fakeKey.length} characters, new this run) is the value of secret ${secretName}`,
      );
    })) &&
    (await step('deploy-v1', 'Deploy v1 and check its answers', async (run) => {
      const clients = started.clients!;
      const result = await deployRelease(v1, started, docker, progress, run, { verify: true });
      deployed.v1 = result;
      run.note(
        `${result.taskDefinitionArn?.split('/').pop() ?? '?'} COMPLETED with image ${result.image ?? '?'}`,
      );
      if (result.verify?.requestId) (chatIds['deploy-v1'] ??= []).push(result.verify.requestId);
      const info = (await (await fetch(new URL('/v1/info', url))).json()) as { version?: string };
      run.expect(
        info.version === v1.version,
        `GET /v1/info reports version ${info.version} instead of ${v1.version}`,
      );
      for (const [i, question] of QUESTIONS.entries()) {
        const requestId = `rehearsal-${runId}-v1-check-${i}`;
        const response = await fetch(new URL('/v1/chat', url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId },
          body: JSON.stringify({ question }),
        });
        const body = (await response.json().catch(() => ({}))) as { answer?: unknown; requestId?: unknown };
        const answered = response.ok && typeof body.answer === 'string' && body.answer.length > 0;
        if (run.expect(answered, `POST /v1/chat "${question}" got HTTP ${response.status}, not an answer`)) {
          run.expect(
            body.requestId === requestId,
            `the answer carries request id ${String(body.requestId)}, not ${requestId}`,
          );
          (chatIds['deploy-v1'] ??= []).push(requestId);
        }
      }
      run.note(
        `GET /v1/info: ${info.version}; ${QUESTIONS.length} questions answered through the load balancer`,
      );
      const holds = await taskEnvironmentHolds(docker, clients, stack, 'GEMINI_API_KEY', fakeKey);
      run.expect(
        holds,
        'the running task did not get the secret as GEMINI_API_KEY: the leak scan would prove nothing',
      );
      if (holds) run.note('the task got the secret as GEMINI_API_KEY (checked in its container environment)');
    })) &&
    (await step('deploy-v2', 'Roll out v2 under steady load', async (run) => {
      const load = startLoad({ ...LOAD, baseUrl: url, requestIdPrefix: `rehearsal-${runId}-v2` });
      let stats: LoadStats | undefined;
      try {
        await untilAnswered(load, v1.version, 10_000);
        deployed.v2 = await deployRelease(v2, started, docker, progress, run, { verify: false });
        // Old tasks drain after the rollout completes: keep the load on until v2 alone answers.
        await untilAnswered(load, v2.version, 15_000);
      } finally {
        stats = await load.stop();
        run.requests(stats);
        chatIds['deploy-v2'] = stats.succeededIds['/v1/chat'] ?? [];
      }
      run.note(
        `${deployed.v2.taskDefinitionArn?.split('/').pop() ?? '?'} COMPLETED with image ${deployed.v2.image ?? '?'}`,
      );
      expectNoFailures(run, stats);
      const seen = versionsSeen(stats);
      run.expect(
        seen[0] === v1.version &&
          stats.versions.at(-1)?.version === v2.version &&
          seen.every((v) => v === v1.version || v === v2.version),
        `the answering version went ${seen.join(' → ') || 'nowhere'} instead of ${v1.version} → ${v2.version}`,
      );
      run.note(
        `${stats.sent} requests sent, ${stats.failed} failed; versions answering: ${stats.versions.map((r) => `${r.version}×${r.count}`).join(' → ')}`,
      );
    })) &&
    (await step(
      'deploy-v3',
      'Deploy a broken v3 under load: the circuit breaker rolls back to v2',
      async (run) => {
        run.note(v3.breakage ?? '');
        // The breakage is real: the serving release answers the probe's path with 404.
        const probe = await fetch(new URL(v3.probePath ?? '/', url));
        run.expect(
          probe.status === 404,
          `GET ${v3.probePath} answers ${probe.status} on v2, so v3's probe would not fail`,
        );
        const load = startLoad({ ...LOAD, baseUrl: url, requestIdPrefix: `rehearsal-${runId}-v3` });
        let stats: LoadStats | undefined;
        let outcome: unknown;
        try {
          await untilAnswered(load, v2.version, 10_000);
          outcome = await deployRelease(v3, started, docker, progress, run, {
            verify: false,
            afterPush: () => {
              imageScan = scanImages();
            },
          }).catch((e: unknown) => e);
          // The deploy fails as soon as the rollback starts: keep the load on until the rollback
          // deployment completed and a few more answers came.
          await until(
            60_000,
            async () => (await events.primary(started.clients!, stack))?.rolloutState === 'COMPLETED',
          );
          const after = load.snapshot().succeeded;
          await until(10_000, async () => load.snapshot().succeeded >= after + 10);
        } finally {
          stats = await load.stop();
          run.requests(stats);
          chatIds['deploy-v3'] = stats.succeededIds['/v1/chat'] ?? [];
        }
        // What `devkit deploy` exits with: a RolloutFailedError is its "deploy FAILED" exit.
        if (outcome instanceof RolloutFailedError) {
          run.expect(
            /rolled back/.test(outcome.message),
            `the deploy failed, but not by a rollback: ${outcome.message}`,
          );
          run.note(`devkit deploy exited as FAILED: ${outcome.message}`);
        } else {
          run.expect(
            false,
            `the deploy of the broken v3 did not fail as a rolled-back rollout: ${outcome instanceof Error ? outcome.message : 'it COMPLETED'}`,
          );
        }
        const primary = await events.primary(started.clients!, stack);
        run.expect(
          primary?.taskDefinition === deployed.v2?.taskDefinitionArn && primary?.rolloutState === 'COMPLETED',
          `after the rollback the PRIMARY deployment runs ${primary?.taskDefinition ?? 'nothing'} (${primary?.rolloutState ?? '?'}), not v2's ${deployed.v2?.taskDefinitionArn ?? '?'}`,
        );
        if (primary)
          run.note(
            `PRIMARY again: ${primary.id} with ${primary.taskDefinition?.split('/').pop() ?? '?'} (${primary.rolloutState})`,
          );
        const info = (await (await fetch(new URL('/v1/info', url))).json()) as { version?: string };
        run.expect(
          info.version === v2.version,
          `after the rollback /v1/info reports ${info.version}, not ${v2.version}`,
        );
        expectNoFailures(run, stats);
        const seen = versionsSeen(stats);
        run.expect(
          seen.length === 1 && seen[0] === v2.version,
          `while v3 was deployed and rolled back, versions ${seen.join(', ')} answered instead of ${v2.version} alone`,
        );
        run.note(
          `${stats.sent} requests sent, ${stats.failed} failed; versions answering: ${stats.versions.map((r) => `${r.version}×${r.count}`).join(' → ')}`,
        );
      },
    ));
  if (ok) {
    await step(
      'logs',
      "Every step's chat requests are in CloudWatch Logs (FilterLogEvents by request id)",
      async (run) => {
        const group = stack.config.logs.group;
        const missing = new Set(
          await missingRequestLogs(started.clients!, group, Object.values(chatIds).flat()),
        );
        for (const [name, ids] of Object.entries(chatIds)) {
          const lost = ids.filter((id) => missing.has(id));
          run.expect(ids.length > 0, `${name}: no chat request succeeded, so none could be looked for`);
          run.expect(
            lost.length === 0,
            `${name}: ${lost.length} of ${ids.length} chat requests have no log line in ${group} (e.g. ${lost.slice(0, 3).join(', ')})`,
          );
          run.note(
            `${name}: ${ids.length - lost.length} of ${ids.length} chat requests found by request id in ${group}`,
          );
        }
      },
    );
  }
  // The key scan runs whatever failed before: a leak matters most when something else broke.
  await step(
    'leak-scan',
    'The fake Gemini key is in no log event, image layer, cassette or output',
    async (run) => {
      if (started.clients) await scanner.logGroups(started.clients);
      if (started.geminiContainer)
        await scanner.containerLogs(docker, started.geminiContainer, started.geminiContainer);
      const imageScanFailed = await (imageScan ?? scanImages());
      if (imageScanFailed) throw imageScanFailed;
      await scanner.directory(PROJECT_CASSETTES);
      scanner.text('the rehearsal output', transcript.join('\n'));
      for (const finding of scanner.result.findings)
        run.expect(false, `the key (${finding.form}) is in ${finding.where}`);
      run.note(
        `scanned ${scanner.result.scanned.length} sources: ${summarizeScanned(scanner.result.scanned)}`,
      );
    },
  );
  await step('teardown', 'Tear everything down', async (run) => {
    for (const line of await teardown(started, docker)) run.note(line);
    const left = await leftovers(docker, {
      cloudId: started.cloud?.runtime?.cloudId,
      images: [...started.images, ...(started.geminiImage?.built ? [started.geminiImage.image] : [])],
      containers: started.geminiContainer ? [started.geminiContainer] : [],
      repositories: started.cloud ? [repositoryOf(started.cloud, stack)] : [],
    });
    for (const thing of left) run.expect(false, `left behind: ${thing}`);
    if (left.length === 0)
      run.note('no container, network or image of this run is left (base images and the build cache stay)');
  });

  return finish(report, startedAt, fakeKey, options.reportDir);
}

/** Wall time and verdict; the report, scanned for the key as it will be written, written. */
async function finish(
  report: RehearsalReport,
  startedAt: number,
  fakeKey: string,
  reportDir: string,
): Promise<{ report: RehearsalReport; paths: { json: string; markdown: string } }> {
  report.wallTimeMs = Date.now() - startedAt;
  report.passed = failuresOf(report).length === 0;
  // The report itself is scanned last, as written.
  const rendered = { json: renderJson(report), markdown: renderMarkdown(report) };
  const reportScan = new SecretScanner(fakeKey);
  reportScan.text('rehearsal.json', rendered.json);
  reportScan.text('rehearsal.md', rendered.markdown);
  const last = report.steps.at(-1);
  if (reportScan.result.findings.length > 0 && last) {
    last.failures.push(
      `the key is in the report (${reportScan.result.findings.map((f) => f.where).join(', ')})`,
    );
    last.status = 'failed';
    report.passed = false;
  }
  const paths = await writeReport(reportDir, {
    json: renderJson(report),
    markdown: renderMarkdown(report),
  });
  return { report, paths };
}

/** Deploys one release through the pipeline, noting how long each of its steps took. */
async function deployRelease(
  release: Release,
  started: Started,
  docker: Docker,
  progress: Progress,
  run: StepRun,
  options: { verify: boolean; afterPush?: () => void },
): Promise<DeployResult> {
  const stack: Stack = release.stack;
  // The run's to remove, whether or not the rollout goes well.
  if (started.cloud) started.images.push(`${repositoryOf(started.cloud, stack)}:${release.imageTag}`);
  const began = new Map<string, number>();
  const took: string[] = [];
  const timed: Progress = {
    report(event) {
      if (event.kind === 'start') began.set(event.step, Date.now());
      if (event.kind === 'done' || event.kind === 'failed') {
        const ms = Date.now() - (began.get(event.step) ?? Date.now());
        took.push(`${event.step} ${(ms / 1000).toFixed(1)} s`);
      }
      progress.report(event);
      if (event.kind === 'done' && event.step === 'push') options.afterPush?.();
    },
  };
  try {
    return await deploy(started.clients!, stack, timed, {
      docker,
      imageTag: release.imageTag,
      rollout: ROLLOUT,
      verify: options.verify ? VERIFY : false,
    });
  } finally {
    run.note(`${release.name} pipeline: ${took.join(', ')}`);
  }
}

/** The references that name an image here (a failed build leaves none). */
async function existing(docker: Docker, references: string[]): Promise<string[]> {
  const present = await Promise.all(
    references.map((reference) =>
      docker
        .getImage(reference)
        .inspect()
        .then(
          () => true,
          () => false,
        ),
    ),
  );
  return references.filter((_, i) => present[i]);
}

/** Polls `done` until it holds or the time is up (the checks after it say what did not happen). */
async function until(timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await sleep(100);
}

/** Until the latest answers come from `version` (5 in a row), or the time is up. */
function untilAnswered(load: RunningLoad, version: string, timeoutMs: number): Promise<void> {
  return until(timeoutMs, async () => {
    const last = load.snapshot().versions.at(-1);
    return last?.version === version && last.count >= 5;
  });
}

function expectNoFailures(run: StepRun, stats: LoadStats): void {
  const reasons = [
    ...new Set(stats.failures.map((f) => `${f.status ?? 'no response'} ${f.reason.slice(0, 80)}`)),
  ];
  run.expect(
    stats.failed === 0,
    `${stats.failed} of ${stats.sent} requests failed: ${reasons.slice(0, 3).join('; ')}`,
  );
  run.expect(stats.sent > 0, 'the load generator sent no request');
}

/** What was scanned, by kind: every name except the cassette files, which are counted. */
function summarizeScanned(scanned: string[]): string {
  const cassettes = scanned.filter((source) => source.startsWith(PROJECT_CASSETTES));
  const named = scanned.filter((source) => !source.startsWith(PROJECT_CASSETTES));
  return [...named, `${cassettes.length} cassette files in ${PROJECT_CASSETTES}`].join('; ');
}

async function teardown(started: Started, docker: Docker): Promise<string[]> {
  const done: string[] = [];
  if (started.clients) destroyClients(started.clients);
  if (started.cloud) {
    await started.cloud.close({ cleanup: true });
    done.push('local cloud closed; its task containers and networks removed');
  }
  if (started.geminiContainer && (await removeGeminiContainer(docker, started.geminiContainer))) {
    done.push(`replay server ${started.geminiContainer} removed`);
  }
  // Each release is tagged <repository>:<tag> and <repository>:latest.
  const images = started.images.flatMap((image) => [image, image.replace(/:[^:/]+$/, ':latest')]);
  if (started.geminiImage?.built) images.push(started.geminiImage.image);
  let removed = 0;
  for (const image of [...new Set(images)]) {
    const gone = await docker
      .getImage(image)
      .remove()
      .then(
        () => true,
        () => false,
      );
    if (gone) removed++;
  }
  done.push(`${removed} image tags removed`);
  if (started.dataDir) {
    await rm(started.dataDir, { recursive: true, force: true });
    done.push('cloud state removed');
  }
  return done;
}

/** ECR's repositoryUri on the local cloud: <cloud host>/<repository>. */
function repositoryOf(cloud: Cloud, stack: Stack): string {
  return `${new URL(cloud.url).host}/${resourceNames(stack).repository}`;
}

async function dockerVersion(docker: Docker): Promise<string> {
  return docker.version().then(
    (v) => v.Version,
    () => 'unreachable',
  );
}
