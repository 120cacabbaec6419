import { CreateRepositoryCommand, DescribeImagesCommand } from '@aws-sdk/client-ecr';
import Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, FAILED_STEP_LINES } from '../../src/deploy/build.ts';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import type { ProgressEvent } from '../../src/deploy/progress.ts';
import { DeployError } from '../../src/deploy/progress.ts';
import { pushImage } from '../../src/deploy/push.ts';
import type { Stack } from '../../src/stack/load.ts';
import { parseStack } from '../../src/stack/load.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { MINIMAL } from '../stack/fixture.ts';
import { TEST_BASE_IMAGES } from './base-images.ts';
import { removeLabelledImages } from './labelled-images.ts';

/** A stack whose image is built from `dockerfile` in a fresh context (FROM scratch: no base image needed). */
function stackWith(dockerfile: string): Stack {
  const context = mkdtempSync(join(tmpdir(), 'devkit-build-'));
  writeFileSync(join(context, 'Dockerfile'), dockerfile);
  writeFileSync(join(context, 'hello.txt'), 'hello\n');
  const text = MINIMAL.replace(
    '  context: app',
    '  context: app\n  buildArgs:\n    GREETING: hi-${opt:stage}',
  );
  return {
    file: join(context, 'stack.yml'),
    stage: 'dev',
    buildContext: context,
    config: parseStack(text, 'stack.yml', { stage: 'dev', env: {} }),
  };
}

describe.skipIf(!dockerAvailable)('build and push with the Docker engine', () => {
  const docker = new Docker();
  let cloud: TestCloud;
  let clients: AwsClients;
  let repository: string;
  const events: ProgressEvent[] = [];
  const progress = { report: (event: ProgressEvent) => events.push(event) };
  const contexts: string[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud();
    clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
    const created = await clients.ecr.send(new CreateRepositoryCommand({ repositoryName: 'build-test' }));
    repository = created.repository?.repositoryUri ?? '';
  });
  afterAll(async () => {
    for (const tag of ['t1', 'latest', 'bad'])
      await docker
        .getImage(`${repository}:${tag}`)
        .remove()
        .catch(() => undefined);
    for (const context of contexts) rmSync(context, { recursive: true, force: true });
    destroyClients(clients);
    await cloud.dispose();
  });

  it('builds with the stack’s build args, streams output, tags and pushes both tags to ECR', async () => {
    // Two stages: both tags must name the last stage's image, not the first stage's.
    const stack = stackWith(
      'FROM scratch AS first\nCOPY hello.txt /first.txt\nFROM scratch\nARG GREETING\nLABEL greeting=${GREETING}\nCOPY hello.txt /hello.txt\n',
    );
    contexts.push(stack.buildContext);
    const built = await buildImage(docker, stack, { repository, tag: 't1' }, progress);
    expect(built.tags).toEqual(['t1', 'latest']);
    const inspected = await docker.getImage(`${repository}:latest`).inspect();
    expect(inspected.Id).toBe(built.id);
    expect((await docker.getImage(`${repository}:t1`).inspect()).Id).toBe(built.id);
    expect(inspected.Config.Labels).toMatchObject({
      greeting: 'hi-dev',
      'devkit.stack': 'demo',
      'devkit.stage': 'dev',
    });
    // BuildKit names each step by its stage and number; the first stage, unused, is not built.
    const texts = (kind: string) =>
      events.filter((e) => e.kind === kind).map((e) => ('text' in e ? e.text : ''));
    expect(texts('log')).toContainEqual(
      expect.stringMatching(/^\[stage-1 \d\/\d\] COPY hello\.txt \/hello\.txt( \(cached\))?$/),
    );
    expect(texts('status')).toContainEqual(
      expect.stringMatching(/^step \d\/\d: COPY hello\.txt \/hello\.txt( \(cached\))?$/),
    );
    expect(texts('log')).not.toContainEqual(expect.stringContaining('/first.txt'));

    const pushed = await pushImage(docker, clients, built, progress);
    expect(pushed.reference).toBe(`${repository}@${pushed.digest}`);
    const { imageDetails = [] } = await clients.ecr.send(
      new DescribeImagesCommand({ repositoryName: 'build-test' }),
    );
    expect(imageDetails).toHaveLength(1);
    expect(imageDetails[0]?.imageDigest).toBe(pushed.digest);
    expect(imageDetails[0]?.imageTags?.sort()).toEqual(['latest', 't1']);
    expect(events.filter((e) => e.kind === 'done').map((e) => e.step)).toEqual(['build', 'push']);
    // The first tag sends the layer, the second finds it there.
    const pushStatus = events.flatMap((e) => (e.kind === 'status' && e.step === 'push' ? [e.text] : []));
    expect(pushStatus).toContainEqual(expect.stringMatching(/^t1: 1\/1 layers, \d+ kB/));
    expect(pushStatus.at(-1)).toBe('latest: 1/1 layers');
    expect(pushed.sentBytes).toBeGreaterThan(0);
  });

  it('fails a broken build naming the step that failed', async () => {
    const stack = stackWith('FROM scratch\nCOPY hello.txt /hello.txt\nCOPY missing.txt /missing.txt\n');
    contexts.push(stack.buildContext);
    await expect(buildImage(docker, stack, { repository, tag: 'bad' }, progress)).rejects.toThrow(
      /^image build failed at \[2\/2\] COPY missing\.txt \/missing\.txt: .*missing\.txt/,
    );
    expect(events.at(-1)).toMatchObject({ kind: 'failed', step: 'build' });
  });

  it.skipIf(!TEST_BASE_IMAGES.build)(
    'a failing RUN step carries its own output (colour codes gone) and leaves no container',
    async () => {
      const label = `devkit.test.build-push=${process.pid}-${Date.now()}`;
      const stack = stackWith(
        `FROM ${TEST_BASE_IMAGES.build}\nLABEL ${label}\n` +
          `RUN ["node", "-e", "for (let i = 1; i <= ${FAILED_STEP_LINES + 5}; i++) console.log('line ' + i); setTimeout(() => { console.error('boom: it broke'); process.exit(3); }, 300)"]\n`,
      );
      contexts.push(stack.buildContext);
      const failure = await buildImage(docker, stack, { repository, tag: 'bad' }, progress).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(DeployError);
      const { message, details } = failure as DeployError;
      expect(message).toMatch(
        // The engine's wording: Docker 20-22 'executor failed running [...]', 23+ 'process "..." did not complete successfully'.
        /^image build failed at \[2\/2\] RUN .*: (executor failed running|process) .*: exit code: 3$/,
      );
      expect(details).toHaveLength(FAILED_STEP_LINES);
      // The tail: the first lines went, the last ones and the error (written after them) stayed.
      expect(details.at(-1)).toBe('boom: it broke');
      expect(details[0]).toBe('line 7');
      const left = await docker.listContainers({ all: true, filters: { label: [label] } });
      expect(left).toEqual([]);
      await removeLabelledImages(docker, label);
    },
  );
});
