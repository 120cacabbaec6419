/**
 * Two local clouds on one Docker engine, each with its own container beside it under the same
 * network alias (as every `up`, rehearsal and test runs its Gemini replay server as `gemini-mock`):
 * each cloud's tasks reach only their own cloud's container by that name, and a cloud's networks
 * never get the other's. Closing one cloud disconnects its container without removing it.
 */
import type { NetworkConfiguration, Task } from '@aws-sdk/client-ecs';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { besideCloudLabels, managedFilter } from '../../../src/cloud/runtime/labels.ts';
import { dockerAvailable } from '../docker-cli.ts';
import type { TestCloud } from '../harness.ts';
import { startTestCloud } from '../harness.ts';
import {
  buildFixtureImage,
  fixtureCluster,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
  waitFor,
} from './fixture.ts';

const docker = new Docker();
// One alias for both, as `gemini-mock` is for every replay server; new per run, so containers of
// other tests running meanwhile on this engine cannot answer to it.
const ALIAS = `beside-${randomUUID().slice(0, 8)}`;

interface Side {
  name: string;
  t: TestCloud;
  ecs: ECSClient;
  cluster: string;
  network: NetworkConfiguration;
  image: string;
  /** The container beside this cloud; it answers GET / with VERSION = `name`. */
  helper: Docker.Container;
}

/** A probe that passes only when the alias names exactly one address and that one answers as `name`. */
function onlyMine(name: string): string[] {
  const script = [
    `require('node:dns/promises').lookup('${ALIAS}', { all: true })`,
    `.then((found) => (found.length === 1 ? fetch('http://${ALIAS}:8080/') : Promise.reject(found)))`,
    '.then((r) => r.json())',
    `.then((body) => process.exit(body.version === '${name}' ? 0 : 1), () => process.exit(1))`,
  ].join('');
  return ['CMD', 'node', '-e', script];
}

describe.skipIf(!dockerAvailable)('containers beside clouds that share one engine', () => {
  const sides: Side[] = [];

  beforeAll(async () => {
    const helperImage = await buildFixtureImage(docker);
    // Both clouds at once, in this order; a side that started is disposed of even if the other failed.
    const started = await Promise.allSettled(
      ['left', 'right'].map(async (name): Promise<Side> => {
        const t = await startTestCloud({
          // The local profile's 2 s checks: the probes settle without crowding the tasks.
          runtime: { docker, timings: { noHealthCheckGraceSeconds: 1 } },
        });
        const ecs = new ECSClient(t.clientConfig);
        const helper = await docker.createContainer({
          Image: helperImage,
          Env: [`VERSION=${name}`],
          Labels: besideCloudLabels(t.cloud.runtime!.cloudId, ALIAS),
        });
        const [cluster, network, image] = await Promise.all([
          fixtureCluster(ecs),
          fixtureNetwork(t, { ingressPort: 8080 }),
          pushFixture(docker, t),
        ]);
        return { name, t, ecs, helper, cluster, network, image };
      }),
    );
    for (const side of started) if (side.status === 'fulfilled') sides.push(side.value);
    for (const side of started) if (side.status === 'rejected') throw side.reason;
    // Both containers run before either cloud makes its VPC network: a cloud joins every
    // container it serves as it creates a network.
    for (const side of sides) await side.helper.start();
  }, 180_000);

  afterAll(async () => {
    for (const side of sides) {
      await side.t.dispose();
      await side.helper.remove({ force: true }).catch(() => undefined);
    }
  });

  /** The containers attached to the networks `side`'s cloud made. */
  async function attachedToNetworksOf(side: Side): Promise<string[]> {
    const networks = await docker.listNetworks({ filters: managedFilter(side.t.cloud.runtime!.cloudId) });
    const attached = await Promise.all(
      networks.map(async (n) => {
        const info = (await docker.getNetwork(n.Id).inspect()) as { Containers?: Record<string, unknown> };
        return Object.keys(info.Containers ?? {});
      }),
    );
    return attached.flat();
  }

  it("each cloud's tasks reach only their own cloud's container by the shared alias; closing a cloud only disconnects its own", async () => {
    const tasks = await Promise.all(
      sides.map(async (side) => {
        const taskDefinition = await registerFixtureTask(side.ecs, {
          family: 'beside',
          image: side.image,
          // Room for a slow probe (dns and fetch in a 0.25 vCPU task, at load 50 here): a timed-out
          // probe counts as a failure, and the case reads the first verdict. A wrong answer to the
          // alias still fails at once.
          healthCheck: {
            command: onlyMine(side.name),
            interval: 5,
            timeout: 15,
            retries: 3,
            startPeriod: 10,
          },
        });
        const { tasks: started } = await side.ecs.send(
          new RunTaskCommand({
            cluster: side.cluster,
            taskDefinition,
            launchType: 'FARGATE',
            networkConfiguration: side.network,
          }),
        );
        return started![0]!.taskArn!;
      }),
    );
    const settled = await Promise.all(
      sides.map((side, i) =>
        waitFor(
          `${side.name}'s task to pass or fail its health check`,
          async () =>
            (await side.ecs.send(new DescribeTasksCommand({ cluster: side.cluster, tasks: [tasks[i]!] })))
              .tasks![0]!,
          (task: Task) => task.healthStatus === 'HEALTHY' || task.healthStatus === 'UNHEALTHY',
          120_000,
        ),
      ),
    );
    expect(settled.map((task) => task.healthStatus)).toEqual(['HEALTHY', 'HEALTHY']);

    const [left, right] = sides as [Side, Side];
    const onLeft = await attachedToNetworksOf(left);
    const onRight = await attachedToNetworksOf(right);
    expect(onLeft).toContain(left.helper.id);
    expect(onLeft).not.toContain(right.helper.id);
    expect(onRight).toContain(right.helper.id);
    expect(onRight).not.toContain(left.helper.id);

    await Promise.all(
      sides.map((side, i) => side.ecs.send(new StopTaskCommand({ cluster: side.cluster, task: tasks[i]! }))),
    );

    // Closing one cloud disconnects its container, removes nothing beside it, leaves the other's joined.
    await left.t.cloud.close({ cleanup: true });
    const leftHelper = await left.helper.inspect();
    expect(leftHelper.State.Running).toBe(true);
    expect(Object.keys(leftHelper.NetworkSettings.Networks).some((n) => n.startsWith('devkit-'))).toBe(false);
    expect(await attachedToNetworksOf(right)).toContain(right.helper.id);
  }, 240_000);
});
