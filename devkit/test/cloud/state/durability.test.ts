/**
 * A 2xx survives kill -9: the cloud runs as a child process (`devkit cloud`), several clients write
 * through the real SDK at once, the process is killed with SIGKILL at seeded random moments and
 * restarted on the same data directory, and every acknowledged write must be there after each
 * restart. Also: an ARN acknowledged just before a kill is never reused for other content, and a
 * tag `docker push` reported just before a kill still pulls.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { DescribeTaskDefinitionCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeDockerConfig, docker, dockerAvailable } from '../docker-cli.ts';
import { credentials, freePort, REGION } from '../harness.ts';

const DEVKIT = new URL('../../../bin/devkit.js', import.meta.url).pathname;
/** Overridable to replay a failure: every random choice below comes from it. */
const SEED = Number(process.env.DURABILITY_SEED ?? 20_260_111);
const KILLS = 5;
const CLIENTS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `devkit cloud` in a child process on a fixed port and data directory, killed and restarted at will. */
class ChildCloud {
  private child: ChildProcess | undefined;
  /** Everything the child wrote to stderr, across restarts. */
  stderr = '';
  readonly port: number;
  readonly dataDir: string;

  constructor(port: number, dataDir: string) {
    this.port = port;
    this.dataDir = dataDir;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** (Re)starts it; a running one is killed first. */
  async start(): Promise<void> {
    await this.kill();
    const child = spawn(
      process.execPath,
      [DEVKIT, 'cloud', '--port', String(this.port), '--data-dir', this.dataDir, '--no-runtime'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child = child;
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`devkit cloud exited with ${String(code)}: ${this.stderr}`);
    });
    for (;;) {
      const healthy = fetch(`${this.url}/_devkit/health`).then(
        (res) => res.ok,
        () => false,
      );
      if (await Promise.race([healthy, exited])) break;
      await sleep(50);
    }
    exited.catch(() => {});
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  clients() {
    const config = { endpoint: this.url, region: REGION, credentials, maxAttempts: 1 };
    return {
      ecr: new ECRClient(config),
      ecs: new ECSClient(config),
      logs: new CloudWatchLogsClient(config),
      secrets: new SecretsManagerClient(config),
    };
  }
}

type Clients = ReturnType<ChildCloud['clients']>;

const taskDefinition = (family: string, image: string) =>
  new RegisterTaskDefinitionCommand({
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image, essential: true }],
  });

/** Every write the cloud acknowledged (a 2xx reached the client), to be found after every restart. */
class Acknowledged {
  readonly repositories = new Set<string>();
  readonly secrets = new Map<string, string>();
  readonly groups = new Set<string>();
  /** `group\0stream` → the messages of every acknowledged PutLogEvents. */
  readonly events = new Map<string, string[]>();
  readonly taskDefinitions = new Map<string, string>();
  calls = 0;

  count(): number {
    return this.calls;
  }

  /** What is missing after a restart, one line per lost write. */
  async lost(c: Clients): Promise<string[]> {
    const lost: string[] = [];
    const repositories = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await c.ecr.send(new DescribeRepositoriesCommand({ nextToken }));
      for (const r of page.repositories ?? []) repositories.add(r.repositoryName!);
      nextToken = page.nextToken;
    } while (nextToken);
    for (const name of this.repositories) if (!repositories.has(name)) lost.push(`repository ${name}`);
    // The reads are independent: all at once (hundreds by the last kill).
    await Promise.all([
      ...[...this.secrets].map(async ([name, value]) => {
        const got = await c.secrets
          .send(new GetSecretValueCommand({ SecretId: name }))
          .catch(() => undefined);
        if (got?.SecretString !== value) lost.push(`secret ${name}`);
      }),
      ...[...this.events].map(async ([key, messages]) => {
        const [group, stream] = key.split('\0') as [string, string];
        const stored = new Set(await streamMessages(c, group, stream));
        for (const message of messages) if (!stored.has(message)) lost.push(`log event ${message}`);
      }),
      ...[...this.taskDefinitions].map(async ([arn, image]) => {
        const got = await c.ecs
          .send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))
          .catch(() => undefined);
        if (got?.taskDefinition?.containerDefinitions?.[0]?.image !== image)
          lost.push(`task definition ${arn}`);
      }),
    ]);
    return lost.sort();
  }
}

async function streamMessages(c: Clients, group: string, stream: string): Promise<string[]> {
  const messages: string[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await c.logs
      .send(
        new GetLogEventsCommand({
          logGroupName: group,
          logStreamName: stream,
          startFromHead: true,
          nextToken: token,
        }),
      )
      .catch(() => undefined);
    if (!page) return messages;
    for (const e of page.events ?? []) messages.push(e.message!);
    if (page.nextForwardToken === token || (page.events ?? []).length === 0) return messages;
    token = page.nextForwardToken;
  }
}

/** One client's writes until the cloud goes away: repositories, secrets, log events, task definitions. */
async function writer(c: Clients, id: string, random: () => number, acked: Acknowledged): Promise<void> {
  const group = `/durability/${id}`;
  const stream = `round-${randomBytes(4).toString('hex')}`;
  const ack = () => acked.calls++;
  try {
    await c.logs.send(new CreateLogGroupCommand({ logGroupName: group })).then(
      () => (ack(), acked.groups.add(group)),
      (error: Error) => {
        if (error.name !== 'ResourceAlreadyExistsException') throw error;
      },
    );
    await c.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
    ack();
    const key = `${group}\0${stream}`;
    acked.events.set(key, []);
    for (let i = 0; ; i++) {
      const name = `${id}-${randomBytes(4).toString('hex')}-${i}`;
      const pick = random();
      if (pick < 0.25) {
        await c.ecr.send(new CreateRepositoryCommand({ repositoryName: `durability/${name}` }));
        acked.repositories.add(`durability/${name}`);
      } else if (pick < 0.45) {
        const value = randomBytes(12).toString('base64');
        await c.secrets.send(new CreateSecretCommand({ Name: `durability/${name}`, SecretString: value }));
        acked.secrets.set(`durability/${name}`, value);
      } else if (pick < 0.85) {
        const messages = Array.from({ length: 1 + Math.floor(random() * 10) }, (_, k) => `${name}/${k}`);
        const now = Date.now();
        await c.logs.send(
          new PutLogEventsCommand({
            logGroupName: group,
            logStreamName: stream,
            logEvents: messages.map((message) => ({ timestamp: now, message })),
          }),
        );
        acked.events.get(key)!.push(...messages);
      } else {
        const image = `registry.local/durability:${name}`;
        const { taskDefinition: registered } = await c.ecs.send(taskDefinition(`durability-${id}`, image));
        acked.taskDefinitions.set(registered!.taskDefinitionArn!, image);
      }
      ack();
    }
  } catch {
    // The cloud was killed under this call: it was never acknowledged.
  }
}

describe('kill -9 during a stream of acknowledged writes', () => {
  let cloud: ChildCloud;

  beforeAll(async () => {
    cloud = new ChildCloud(await freePort(), await mkdtemp(join(tmpdir(), 'devkit-durability-')));
  });

  afterAll(async () => {
    await cloud.kill();
    await rm(cloud.dataDir, { recursive: true, force: true });
  });

  it(`finds every acknowledged write after each of ${KILLS} kills (seed ${SEED})`, async () => {
    const random = seeded(SEED);
    const acked = new Acknowledged();
    const lostPerKill: string[][] = [];
    await cloud.start();
    for (let kill = 1; kill <= KILLS; kill++) {
      const c = cloud.clients();
      const writers = Array.from({ length: CLIENTS }, (_, i) => writer(c, `c${i}`, random, acked));
      // Somewhere in the middle of the writes, at a moment the seed decides.
      const target = acked.calls + 40 + Math.floor(random() * 120);
      const deadline = Date.now() + 60_000;
      while (acked.calls < target && Date.now() < deadline) await sleep(5);
      await sleep(random() * 20);
      await cloud.kill();
      await Promise.all(writers);
      await cloud.start();
      const after = cloud.clients();
      lostPerKill.push(await acked.lost(after));
      // No revision is given twice: the next one of every family is past all acknowledged ones.
      for (let i = 0; i < CLIENTS; i++) {
        const family = `durability-c${i}`;
        const revisions = [...acked.taskDefinitions.keys()]
          .filter((arn) => arn.includes(`/${family}:`))
          .map((arn) => Number(arn.slice(arn.lastIndexOf(':') + 1)));
        const image = `registry.local/durability:after-kill-${kill}`;
        const { taskDefinition: next } = await after.ecs.send(taskDefinition(family, image));
        expect(next!.revision).toBeGreaterThan(Math.max(0, ...revisions));
        acked.taskDefinitions.set(next!.taskDefinitionArn!, image);
        acked.calls++;
      }
    }
    const events = [...acked.events.values()].reduce((sum, m) => sum + m.length, 0);
    const lost = lostPerKill.flat();
    console.log(
      `durability (seed ${SEED}): ${KILLS} kills, ${acked.count()} acknowledged writes ` +
        `(${acked.repositories.size} repositories, ${acked.secrets.size} secrets, ${events} log events, ` +
        `${acked.taskDefinitions.size} task definitions), ${lost.length} lost`,
    );
    expect(lostPerKill).toEqual(lostPerKill.map(() => []));
    expect(acked.count()).toBeGreaterThan(KILLS * CLIENTS);
  }, 420_000);

  it('never reuses an ARN acknowledged right before a kill', async () => {
    await cloud.start();
    const before = cloud.clients();
    const first = await before.ecs.send(taskDefinition('reuse', 'registry.local/reuse:first'));
    await cloud.kill();
    await cloud.start();
    const after = cloud.clients();
    const second = await after.ecs.send(taskDefinition('reuse', 'registry.local/reuse:second'));
    expect(second.taskDefinition!.taskDefinitionArn).not.toBe(first.taskDefinition!.taskDefinitionArn);
    expect(second.taskDefinition!.revision).toBe(first.taskDefinition!.revision! + 1);
    const old = await after.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: first.taskDefinition!.taskDefinitionArn }),
    );
    expect(old.taskDefinition!.containerDefinitions![0]!.image).toBe('registry.local/reuse:first');
  }, 180_000);

  it('removes the temporary files killed writers left, and keeps state owner-only', async () => {
    await cloud.kill();
    const stateDir = join(cloud.dataDir, 'state');
    await writeFile(join(stateDir, 'logs.json.99999.tmp'), '{"us-east-1":');
    await cloud.start();
    const files = await readdir(stateDir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    for (const file of files) expect((await stat(join(stateDir, file))).mode & 0o777, file).toBe(0o600);
    expect((await stat(join(cloud.dataDir, 'registry'))).mode & 0o777).toBe(0o700);
  }, 180_000);

  it.skipIf(!dockerAvailable)(
    'keeps the tag of a docker push that exited 0 right before a kill',
    async () => {
      await cloud.start();
      const registryHost = `127.0.0.1:${cloud.port}`;
      const c = cloud.clients();
      await c.ecr.send(new CreateRepositoryCommand({ repositoryName: 'durability/pushed' }));
      const { authorizationData } = await c.ecr.send(new GetAuthorizationTokenCommand({}));
      const password = Buffer.from(authorizationData![0]!.authorizationToken!, 'base64')
        .toString()
        .slice('AWS:'.length);
      await docker(['login', '--username', 'AWS', '--password-stdin', registryHost], { input: password });
      const workDir = await mkdtemp(join(tmpdir(), 'devkit-durability-image-'));
      const image = `${registryHost}/durability/pushed:v1`;
      let imported: string | undefined;
      try {
        await writeFile(join(workDir, 'payload.bin'), randomBytes(256 * 1024));
        const tarball = join(workDir, 'image.tar');
        await promisify(execFile)('tar', ['-C', workDir, '-cf', tarball, 'payload.bin']);
        imported = (await docker(['import', tarball, image])).trim();
        await docker(['push', image]);
        await cloud.kill();
        await cloud.start();
        await docker(['rmi', image]);
        imported = undefined;
        const pulled = await docker(['pull', image]);
        expect(pulled).toMatch(/Downloaded newer image|Image is up to date/);
        imported = image;
      } finally {
        if (imported) await docker(['rmi', '--force', imported]).catch(() => undefined);
        await docker(['logout', registryHost]).catch(() => undefined);
        disposeDockerConfig();
        await rm(workDir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
