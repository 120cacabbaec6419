/**
 * `up --watch`'s trigger on a real file system (node:fs recursive watch): saves are debounced into
 * one redeploy naming the changed files, what .dockerignore leaves out of the image never deploys,
 * and saves during a deploy queue exactly one more. The deploy itself is `devkit deploy`'s pipeline,
 * tested end to end in test/cli/up-watch.test.ts.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dockerIgnored, OneAtATime, watchForChanges } from '../../../src/cli/up/watch.ts';

/** Resolves once `check` holds, polling; the test's own timeout bounds it. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('dockerIgnored', () => {
  let context: string;
  beforeEach(async () => {
    context = await mkdtemp(join(tmpdir(), 'devkit-watch-ignore-'));
  });
  afterEach(() => rm(context, { recursive: true, force: true }));

  it("follows the context's .dockerignore (a folder covers what is inside it) and skips editor files", async () => {
    await writeFile(
      join(context, '.dockerignore'),
      '# comment\n**/node_modules\n**/dist\nservice/test\n/coverage/\n**/*.log\n',
    );
    const ignored = await dockerIgnored(context);
    expect(ignored('service/src/app.ts')).toBe(false);
    expect(ignored('service/Dockerfile')).toBe(false);
    expect(ignored('service/test/app.test.ts')).toBe(true);
    expect(ignored('service/test')).toBe(true);
    expect(ignored('service/node_modules/x/index.js')).toBe(true);
    expect(ignored('service/dist/server.js')).toBe(true);
    expect(ignored('coverage/index.html')).toBe(true);
    expect(ignored('service/npm-debug.log')).toBe(true);
    expect(ignored('service/src/.app.ts.swp')).toBe(true);
    expect(ignored('service/src/app.ts~')).toBe(true);
  });

  it('lets a path back in with a later !pattern, as Docker does (the last matching pattern decides)', async () => {
    await writeFile(
      join(context, '.dockerignore'),
      'devkit/*\n!devkit/package.json\nservice\n!service/src\n',
    );
    const ignored = await dockerIgnored(context);
    expect(ignored('devkit/src/cli/main.ts')).toBe(true);
    expect(ignored('devkit/package.json')).toBe(false);
    expect(ignored('service/test/app.test.ts')).toBe(true);
    expect(ignored('service/src/app.ts')).toBe(false);
    expect(ignored('package.json')).toBe(false);
  });

  it('ignores nothing but editor files without a .dockerignore', async () => {
    const ignored = await dockerIgnored(context);
    expect(ignored('service/test/app.test.ts')).toBe(false);
    expect(ignored('service/src/4913')).toBe(true);
  });
});

describe('OneAtATime', () => {
  it('runs at once when idle, and collapses requests during a run into one more run', async () => {
    const runs: number[] = [];
    let release: () => void = () => undefined;
    const runner = new OneAtATime(async () => {
      runs.push(runs.length);
      await new Promise<void>((resolve) => (release = resolve));
    });
    runner.request();
    expect(runs).toEqual([0]);
    runner.request();
    runner.request();
    runner.request();
    release();
    await until(() => runs.length === 2);
    release();
    await runner.idle();
    expect(runs).toEqual([0, 1]);
    runner.request();
    expect(runs).toEqual([0, 1, 2]);
    release();
    await runner.idle();
  });
});

describe('watchForChanges', () => {
  let context: string;
  let abort: AbortController;
  beforeEach(async () => {
    context = await mkdtemp(join(tmpdir(), 'devkit-watch-'));
    await mkdir(join(context, 'service/src/chat'), { recursive: true });
    await mkdir(join(context, 'service/test'), { recursive: true });
    await writeFile(join(context, '.dockerignore'), 'service/test\n');
    abort = new AbortController();
  });
  afterEach(async () => {
    abort.abort();
    await rm(context, { recursive: true, force: true });
  });

  it('debounces saves into one redeploy naming the changed files, leaving out ignored ones', async () => {
    const calls: string[][] = [];
    const deploys = await watchForChanges({
      dir: join(context, 'service'),
      context,
      debounceMs: 300,
      signal: abort.signal,
      onError: (error) => {
        throw error;
      },
      redeploy: async (changed) => {
        calls.push(changed);
      },
    });
    await writeFile(join(context, 'service/test/app.test.ts'), 'ignored');
    await writeFile(join(context, 'service/src/app.ts'), 'one');
    await writeFile(join(context, 'service/src/chat/routes.ts'), 'two');
    await writeFile(join(context, 'service/src/app.ts'), 'three');
    await until(() => calls.length > 0);
    await deploys.idle();
    expect(calls).toEqual([['service/src/app.ts', 'service/src/chat/routes.ts']]);
  });

  it('queues exactly one more redeploy for the saves made during one, with all their files', async () => {
    const calls: string[][] = [];
    let release: () => void = () => undefined;
    const deploys = await watchForChanges({
      dir: join(context, 'service'),
      context,
      debounceMs: 250,
      signal: abort.signal,
      onError: (error) => {
        throw error;
      },
      redeploy: async (changed) => {
        calls.push(changed);
        await new Promise<void>((resolve) => (release = resolve));
      },
    });
    await writeFile(join(context, 'service/src/app.ts'), 'first');
    await until(() => calls.length === 1);
    for (const name of ['a.ts', 'b.ts', 'c.ts']) {
      await writeFile(join(context, 'service/src', name), name);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    release();
    await until(() => calls.length === 2);
    release();
    await deploys.idle();
    expect(calls).toEqual([
      ['service/src/app.ts'],
      ['service/src/a.ts', 'service/src/b.ts', 'service/src/c.ts'],
    ]);
  });

  it('stops deploying once the signal aborts', async () => {
    const calls: string[][] = [];
    const deploys = await watchForChanges({
      dir: join(context, 'service'),
      context,
      debounceMs: 50,
      signal: abort.signal,
      onError: (error) => {
        throw error;
      },
      redeploy: async (changed) => {
        calls.push(changed);
      },
    });
    await writeFile(join(context, 'service/src/app.ts'), 'before');
    await until(() => calls.length === 1);
    abort.abort();
    await writeFile(join(context, 'service/src/app.ts'), 'after');
    await new Promise((resolve) => setTimeout(resolve, 300));
    deploys.request();
    await deploys.idle();
    expect(calls).toEqual([['service/src/app.ts']]);
  });
});
