/**
 * The build context sent to the engine: the files .dockerignore admits at any depth (dockerode's own
 * filter sees top-level entries only), what a later !pattern lets back in, and the Dockerfile and
 * .dockerignore even when ignored, as Docker sends them.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextFiles, readDockerIgnore } from '../../src/deploy/build-context.ts';

describe('contextFiles', () => {
  let context: string;
  const files = async (paths: string[]) => {
    for (const path of paths) {
      await mkdir(dirname(join(context, path)), { recursive: true });
      await writeFile(join(context, path), path);
    }
  };
  beforeEach(async () => {
    context = await mkdtemp(join(tmpdir(), 'devkit-build-context-'));
  });
  afterEach(() => rm(context, { recursive: true, force: true }));

  it('sends the admitted files at every depth, and nothing under an ignored folder', async () => {
    await files([
      'package.json',
      'service/Dockerfile',
      'service/src/app.ts',
      'service/src/chat/route.ts',
      'service/test/app.test.ts',
      'service/node_modules/x/index.js',
      'node_modules/y/index.js',
      'devkit/package.json',
      'devkit/src/cli/main.ts',
      'devkit/src/gemini/replay.ts',
      'devkit/test/a.test.ts',
      'docs/guide.md',
    ]);
    await mkdir(join(context, 'service/src/empty'));
    await writeFile(
      join(context, '.dockerignore'),
      '**/node_modules\nservice/test\ndevkit/*\n!devkit/package.json\ndevkit/src/*\n!devkit/src/gemini\n**/*.md\n',
    );
    expect(await contextFiles(context, 'service/Dockerfile')).toEqual([
      '.dockerignore',
      'devkit/package.json',
      'devkit/src/gemini/replay.ts',
      'package.json',
      'service/Dockerfile',
      'service/src/app.ts',
      'service/src/chat/route.ts',
      'service/src/empty',
    ]);
  });

  it('sends the Dockerfile and .dockerignore even when they are ignored', async () => {
    await files(['build/Dockerfile', 'build/app.js']);
    await writeFile(join(context, '.dockerignore'), '.dockerignore\nbuild/Dockerfile\n');
    expect(await contextFiles(context, './build/Dockerfile')).toEqual([
      '.dockerignore',
      'build/Dockerfile',
      'build/app.js',
    ]);
  });

  it('sends everything without a .dockerignore', async () => {
    await files(['Dockerfile', 'a/b/c.txt']);
    expect(await contextFiles(context, 'Dockerfile')).toEqual(['Dockerfile', 'a/b/c.txt']);
  });
});

describe('readDockerIgnore', () => {
  let context: string;
  beforeEach(async () => {
    context = await mkdtemp(join(tmpdir(), 'devkit-dockerignore-'));
  });
  afterEach(() => rm(context, { recursive: true, force: true }));

  it('walks into an ignored folder only when a !pattern names something inside it', async () => {
    await writeFile(join(context, '.dockerignore'), 'devkit/*\n!devkit/src/gemini\n');
    const { ignored, walkInto } = await readDockerIgnore(context);
    expect(ignored('devkit/src')).toBe(true);
    expect(walkInto('devkit/src')).toBe(true);
    expect(ignored('devkit/test')).toBe(true);
    expect(walkInto('devkit/test')).toBe(false);
    expect(ignored('devkit/src/gemini/replay.ts')).toBe(false);
  });
});
