/**
 * `devkit up --watch`: a saved change under the service's folder redeploys the stage through the
 * same deploy() as `devkit deploy` (new image, new task definition revision, rolling ECS deployment);
 * no bind mount, so what answers is what production would run. Saves are debounced; one deploy runs
 * at a time, and saves during it queue exactly one more.
 */
import type Docker from 'dockerode';
import { watch } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readDockerIgnore } from '../../deploy/build-context.ts';
import type { AwsClients } from '../../deploy/clients.ts';
import { deploy } from '../../deploy/deploy.ts';
import { gitImageTag } from '../../deploy/git.ts';
import { plainProgress } from '../../deploy/plain-progress.ts';
import { revisionName } from '../../deploy/register.ts';
import type { Stack } from '../../stack/load.ts';
import { errorLines } from '../fail.ts';

/** Files editors write beside the one being saved (vim's swap and probe files, backups, emacs locks). */
const EDITOR_FILE = /(^|\/)(.*\.sw[px]|.*~|\.#.*|4913)$/;

/**
 * Whether a change at this context-relative path leaves the image as it was: .dockerignore leaves
 * it out of the build context (what the build never sees cannot change the image), or an editor
 * wrote it beside the file being saved.
 */
export async function dockerIgnored(context: string): Promise<(path: string) => boolean> {
  const { ignored } = await readDockerIgnore(context);
  return (path) => EDITOR_FILE.test(path) || ignored(path);
}

/**
 * Runs `job` now, or once more after the current run when asked during it: any number of requests
 * during a run collapse into one.
 */
export class OneAtATime {
  private running: Promise<void> | undefined;
  private again = false;
  private readonly job: () => Promise<void>;

  constructor(job: () => Promise<void>) {
    this.job = job;
  }

  request(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Settles when no run is in progress or queued. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      await this.job();
    } while (this.again);
  }
}

export interface WatchOptions {
  /** The folder to watch (recursively). */
  dir: string;
  /** The build context the folder lies in: its .dockerignore decides which changes count. */
  context: string;
  /** Quiet time after the last save before a deploy starts. */
  debounceMs: number;
  signal: AbortSignal;
  /** One redeploy, given the changed paths (context-relative) and when the first of them was seen. */
  redeploy: (changed: string[], since: number) => Promise<void>;
  /** The watch itself broke (its folder is gone): saves no longer deploy. */
  onError: (error: Error) => void;
}

/** Watches until the signal aborts; resolves once the watch is set up. */
export async function watchForChanges(options: WatchOptions): Promise<OneAtATime> {
  const ignored = await dockerIgnored(options.context);
  let changed = new Set<string>();
  let since = 0;
  const deploys = new OneAtATime(async () => {
    const paths = [...changed].sort();
    changed = new Set();
    if (paths.length > 0 && !options.signal.aborted) await options.redeploy(paths, since);
  });
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(options.dir, { recursive: true, signal: options.signal }, (_event, name) => {
    if (!name) return;
    const path = relative(options.context, join(options.dir, name.toString()));
    if (ignored(path)) return;
    if (changed.size === 0) since = performance.now();
    changed.add(path);
    clearTimeout(timer);
    timer = setTimeout(() => deploys.request(), options.debounceMs);
  });
  watcher.on('error', options.onError);
  options.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return deploys;
}

/** What `up --watch` needs to redeploy the stage it deployed. */
export interface RedeployContext {
  clients: AwsClients;
  stack: Stack;
  docker: Docker;
  verbose: boolean;
  signal: AbortSignal;
  say: (line: string) => void;
}

/**
 * Watches the folder of the stack's Dockerfile and redeploys on every save. A failed build or a
 * rolled-back rollout is shown and changes nothing: the version already deployed keeps serving
 * (the circuit breaker's rollback leaves it PRIMARY), and the next save tries again.
 */
export async function redeployOnSave(context: RedeployContext): Promise<OneAtATime> {
  const { stack, say } = context;
  const dir = dirname(join(stack.buildContext, stack.config.image.dockerfile));
  let count = 0;
  const deploys = await watchForChanges({
    dir,
    context: stack.buildContext,
    debounceMs: 150,
    signal: context.signal,
    onError: (error) =>
      say(`watch stopped: ${error.message}; saves no longer deploy (restart \`devkit up --watch\`)`),
    redeploy: async (changed, since) => {
      const shown =
        changed.length > 3
          ? `${changed.slice(0, 3).join(', ')} and ${changed.length - 3} more`
          : changed.join(', ');
      say(`↻ changed: ${shown}: deploying`);
      // Every save its own tag, so each revision names the image it was built with.
      const imageTag = `${await gitImageTag(stack.buildContext)}-watch${Date.now().toString(36)}${++count}`;
      const progress = plainProgress({ write: say, verbose: context.verbose });
      try {
        const result = await deploy(context.clients, stack, progress, { docker: context.docker, imageTag });
        const seconds = ((performance.now() - since) / 1000).toFixed(1);
        say(
          `✔ live: ${result.provisioned?.url ?? ''} runs ${revisionName(result.taskDefinitionArn ?? '')} (${seconds} s after the save)`,
        );
      } catch (error) {
        if (context.signal.aborted) return;
        for (const line of errorLines(error)) say(line);
        say('✖ not deployed: the version already deployed keeps serving; save again to retry');
      } finally {
        await progress.close();
      }
    },
  });
  say(
    `watching ${relative(process.cwd(), dir) || '.'}: a saved change redeploys (new image, revision and rolling deployment)`,
  );
  return deploys;
}
