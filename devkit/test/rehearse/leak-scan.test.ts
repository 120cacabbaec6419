// The key-leak scanner finds a planted key wherever the rehearsal looks (text, files, streams split
// at any byte, base64 at any alignment, an image's layers and config, a container's output,
// CloudWatch Logs of the local cloud) and finds nothing in the same places without it.
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import Docker from 'dockerode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { SecretScanner } from '../../src/rehearse/leak-scan.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { TEST_BASE_IMAGES } from '../deploy/base-images.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';

const KEY = 'AIzaFAKE-rehearsal-0123456789abcdef';
const NODE_IMAGE = TEST_BASE_IMAGES.runtime;

describe('the key-leak scanner', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const tree = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'devkit-leak-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };

  it('finds the key in text and names where, never the key itself', () => {
    const scanner = new SecretScanner(KEY);
    scanner.text('clean log', '{"level":"info","msg":"request","requestId":"r-1"}');
    scanner.text('leaky log', `{"headers":{"x-goog-api-key":"${KEY}"}}`);
    expect(scanner.result.findings).toEqual([{ where: 'leaky log', form: 'literal' }]);
    expect(scanner.result.scanned).toEqual(['clean log', 'leaky log']);
    expect(JSON.stringify(scanner.result)).not.toContain(KEY);
  });

  it('finds it base64-encoded at every byte alignment', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const scanner = new SecretScanner(KEY);
      const encoded = Buffer.from(`${prefix}{"auth":"user:${KEY}"}`).toString('base64');
      scanner.text(`base64 after '${prefix}'`, `{"auths":{"x":{"auth":"${encoded}"}}}`);
      expect(scanner.result.findings, prefix).toEqual([
        { where: `base64 after '${prefix}'`, form: 'base64' },
      ]);
    }
    const clean = new SecretScanner(KEY);
    clean.text('other base64', Buffer.from('AIzaFAKE-rehearsal-something-else').toString('base64'));
    expect(clean.result.findings).toEqual([]);
  });

  it('finds it in a stream even when a chunk boundary splits it, at any byte', async () => {
    const data = Buffer.from(`${'x'.repeat(1000)}${KEY}${'y'.repeat(1000)}`);
    for (let cut = 1000; cut <= 1000 + KEY.length; cut++) {
      const scanner = new SecretScanner(KEY);
      await scanner.stream('split', Readable.from([data.subarray(0, cut), data.subarray(cut)]));
      expect(scanner.result.findings, `cut at ${cut}`).toEqual([{ where: 'split', form: 'literal' }]);
    }
    const clean = new SecretScanner(KEY);
    await clean.stream('clean', Readable.from([data.subarray(0, 1010), data.subarray(1020)]));
    expect(clean.result.findings).toEqual([]);
  });

  it('finds it in a file deep in a directory, and nothing in a clean directory', async () => {
    const leaky = tree({
      'a.json': '{"ok":true}',
      'nested/deeper/cassette.json': `[{"reqheaders":{"x-goog-api-key":"${KEY}"}}]`,
    });
    const clean = tree({ 'a.json': '{"ok":true}', 'nested/b.md': '# report\nno key here' });
    const scanner = new SecretScanner(KEY);
    await scanner.directory(leaky);
    await scanner.directory(clean);
    expect(scanner.result.findings).toEqual([
      { where: join(leaky, 'nested/deeper/cassette.json'), form: 'literal' },
    ]);
    expect(scanner.result.scanned).toHaveLength(4);
  });

  it('refuses a secret too short to scan for meaningfully', () => {
    expect(() => new SecretScanner('abc')).toThrow(/at least 8 characters/);
  });

  describe.skipIf(!dockerAvailable)('images and containers', () => {
    const docker = new Docker();
    const tag = `devkit-test/leak-scan:${process.pid}`;
    let containerId: string | undefined;

    beforeAll(async () => {
      // A layer holding a file with the key, as a careless `COPY .env` would leave it. The command
      // builds the key reversed, so only the layer (not the history or config) holds it.
      const reversed = [...KEY].reverse().join('');
      const container = await docker.createContainer({
        Image: NODE_IMAGE,
        Cmd: [
          'node',
          '-e',
          `require('fs').writeFileSync('/tmp/.env', 'GEMINI_API_KEY=' + [...'${reversed}'].reverse().join(''))`,
        ],
      });
      await container.start();
      await container.wait();
      const [repo, imageTag] = tag.split(':');
      await container.commit({ repo, tag: imageTag, changes: 'LABEL devkit.test=leak-scan' });
      containerId = container.id;
    });
    afterAll(async () => {
      if (containerId) await docker.getContainer(containerId).remove({ force: true });
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    });

    it("finds it in an image's layers (docker save) and in a container's output; the base image is clean", async () => {
      const scanner = new SecretScanner(KEY);
      await scanner.images(docker, [tag]);
      await scanner.images(docker, [NODE_IMAGE]);
      await scanner.containerLogs(docker, containerId!, 'writer');
      expect(scanner.result.findings).toEqual([
        { where: `images ${tag} layers (docker save)`, form: 'literal' },
      ]);
      expect(scanner.result.scanned).toContain(`image ${NODE_IMAGE} history`);

      // The same key printed by a container is found in its logs.
      const printer = await docker.createContainer({
        Image: NODE_IMAGE,
        Cmd: ['node', '-e', `console.error('calling gemini with ${KEY}')`],
      });
      try {
        await printer.start();
        await printer.wait();
        const logs = new SecretScanner(KEY);
        await logs.containerLogs(docker, printer.id, 'printer');
        expect(logs.result.findings).toEqual([{ where: 'container printer logs', form: 'literal' }]);
      } finally {
        await printer.remove({ force: true });
      }
    });
  });

  describe('CloudWatch Logs of the local cloud', () => {
    let cloud: TestCloud;
    let clients: AwsClients;
    beforeAll(async () => {
      cloud = await startTestCloud();
      clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
      const put = async (group: string, messages: string[]) => {
        await clients.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
        await clients.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' }));
        await clients.logs.send(
          new PutLogEventsCommand({
            logGroupName: group,
            logStreamName: 's',
            logEvents: messages.map((message, i) => ({ message, timestamp: Date.now() + i })),
          }),
        );
      };
      await put('/ecs/clean', ['{"msg":"started"}', '{"msg":"request","requestId":"a"}']);
      await put('/ecs/leaky', ['{"msg":"started"}', `{"msg":"config","geminiApiKey":"${KEY}"}`]);
    });
    afterAll(async () => {
      destroyClients(clients);
      await cloud.dispose();
    });

    it('reads every event of every group and names the group that holds the key', async () => {
      const scanner = new SecretScanner(KEY);
      await scanner.logGroups(clients);
      expect(scanner.result.scanned).toEqual([
        'log group /ecs/clean (2 events)',
        'log group /ecs/leaky (2 events)',
      ]);
      expect(scanner.result.findings).toEqual([
        { where: 'log group /ecs/leaky (2 events)', form: 'literal' },
      ]);
    });
  });
});
