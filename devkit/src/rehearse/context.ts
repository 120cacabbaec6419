/**
 * What every rehearsal step works on: the run's identity, its stack and releases, what the run
 * started (so teardown removes it whatever happened before), and what one step hands to a later one.
 */
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { Cloud } from '../cloud/server.ts';
import type { AwsClients } from '../deploy/clients.ts';
import type { DeployResult } from '../deploy/deploy.ts';
import { resourceNames } from '../deploy/names.ts';
import { plainProgress } from '../deploy/plain-progress.ts';
import type { Progress } from '../deploy/progress.ts';
import { reachableUrl } from '../net/loopback.ts';
import type { Stack } from '../stack/load.ts';
import { ImageScan } from './image-scan.ts';
import { SecretScanner } from './leak-scan.ts';
import type { Release } from './releases.ts';
import type { DeployRoleRecord } from './report.ts';
import { releases } from './releases.ts';
import { ServiceEvents } from './service-events.ts';

export interface RehearsalOptions {
  /** The local cloud's port: not 4566, so a running `npm run up` is left alone. */
  cloudPort: number;
  /** The service's load balancer port (the dev stage's loadBalancer.port). */
  lbPort: number;
  stackFile: string;
  reportDir: string;
  /** The cloud's timing profile: `local` (AWS's intervals compressed) or `aws` (AWS's own). */
  timings: 'local' | 'aws';
  /**
   * Whether the cloud enforces IAM for role sessions (on unless false): a deploy as a role that AWS
   * would refuse fails here first.
   */
  enforceIam?: boolean;
  log: (line: string) => void;
}

/** Everything the run starts, so teardown knows what to remove whatever happened. */
export interface Started {
  dataDir?: string;
  cloud?: Cloud;
  /** The operator's: the account root, watching events and logs. */
  clients?: AwsClients;
  /** The deploy role's session, assumed as deploy.yml assumes it: what the deploys run as. */
  deployClients?: AwsClients;
  geminiContainer?: string;
  geminiImage?: { image: string; built: boolean };
  images: string[];
  /** Image ids already under the run's repository when it began (an interrupted earlier run's). */
  earlierImages: string[];
}

/** The rehearsal's output: printed, and kept as a transcript the leak scan reads. */
export interface RehearsalOutput {
  say: (line: string) => void;
  transcript: string[];
  /** The pipeline's steps as the CLI prints them in CI; the build's own output only in the transcript. */
  progress: Progress;
}

export interface RehearsalContext extends RehearsalOutput {
  options: RehearsalOptions;
  docker: Docker;
  /** Keeps this run's versions, tags and request ids apart from any other run's. */
  runId: string;
  /** The value of the Gemini key secret, which the leak scan looks for everywhere. */
  fakeKey: string;
  stack: Stack;
  /** Where the service answers: its load balancer's URL, known once v1's deploy provisioned it. */
  url: string | undefined;
  releases: Record<Release['name'], Release>;
  started: Started;
  events: ServiceEvents;
  scanner: SecretScanner;
  imageScan: ImageScan;
  /** Ids of the chat requests that succeeded, by step: the logs step looks each up. */
  chatIds: Record<string, string[]>;
  deployed: Partial<Record<Release['name'], DeployResult>>;
  /** How the deploy role was assumed (and refused), for the report. */
  deployRole?: DeployRoleRecord;
}

/** A fake key, new each run, so the leak scan cannot be fooled by an old copy or a real key. */
export function newFakeKey(): string {
  return `AIzaFAKE-rehearsal-${randomBytes(12).toString('hex')}`;
}

export function rehearsalOutput(log: (line: string) => void): RehearsalOutput {
  const transcript: string[] = [];
  const say = (line: string) => {
    transcript.push(line);
    log(line);
  };
  const lines = plainProgress({ write: (line) => say(`  ${line}`) });
  const progress: Progress = {
    report(event) {
      if (event.kind === 'log') transcript.push(event.text);
      lines.report(event);
    },
  };
  return { say, transcript, progress };
}

export function rehearsalContext(
  options: RehearsalOptions,
  docker: Docker,
  fakeKey: string,
  stack: Stack,
  output: RehearsalOutput,
): RehearsalContext {
  const runId = randomBytes(3).toString('hex');
  const [v1, v2, v3] = releases(stack, runId) as [Release, Release, Release];
  const started: Started = { images: [], earlierImages: [] };
  const scanner = new SecretScanner(fakeKey);
  return {
    ...output,
    options,
    docker,
    runId,
    fakeKey,
    stack,
    url: undefined,
    releases: { v1, v2, v3 },
    started,
    events: new ServiceEvents(),
    scanner,
    // Every image the run built or started.
    imageScan: new ImageScan(docker, scanner, () => [
      ...started.images,
      ...(started.geminiImage ? [started.geminiImage.image] : []),
    ]),
    chatIds: {},
    deployed: {},
  };
}

/** A path of the service, through its load balancer (its `*.elb.localhost` name is the loopback). */
export function throughLoadBalancer(ctx: RehearsalContext, path: string): URL {
  if (!ctx.url) throw new Error("the service's load balancer is not provisioned yet");
  return reachableUrl(ctx.url, path);
}

/** ECR's repositoryUri on the local cloud: <cloud host>/<repository>. */
export function repositoryOf(cloud: Cloud, stack: Stack): string {
  return `${new URL(cloud.url).host}/${resourceNames(stack).repository}`;
}
