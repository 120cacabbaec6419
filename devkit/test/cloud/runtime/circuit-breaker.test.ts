/**
 * The deployment circuit breaker on the real Docker engine: a revision whose tasks fail their
 * health checks trips it at AWS's threshold. With rollback the last COMPLETED deployment comes
 * back; without, the deployment ends FAILED and the old tasks keep serving. Requests through the
 * load balancer never fail meanwhile. The three cases run at once, each on its own service.
 */
import { UpdateServiceCommand, type Deployment, type Service } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import { FIXTURE_HEALTH_CHECK, waitFor } from './fixture.ts';
import type { ServiceWorld } from './service-world.ts';
import { eventMessages, primary, serviceWorld, steadyLoad } from './service-world.ts';

describe.skipIf(!dockerAvailable).concurrent('deployment circuit breaker (real Docker)', () => {
  let w: ServiceWorld;
  let v1: string;
  let broken: string;
  let crashing: string;
  beforeAll(async () => {
    w = await serviceWorld('breaker');
    v1 = await w.revision('v1');
    // Its health endpoint fails from the start: the tasks run but never turn HEALTHY. No tolerance
    // for a slow probe (that is for tasks that must not flap): the first failed check counts, so
    // the breaker's three failed tasks come in seconds, not after five retries each.
    broken = await w.revision(
      'v2-broken',
      { UNHEALTHY_AFTER_MS: '0' },
      { ...FIXTURE_HEALTH_CHECK, retries: 1 },
    );
    // Its container exits right after it starts.
    crashing = await w.revision('v2-crashing', { EXIT_AFTER_MS: '0', EXIT_CODE: '1' });
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  /** Updates the service to the broken revision under load; polls DescribeServices until `done`. */
  async function breakUnderLoad(
    name: string,
    url: string,
    done: (s: Service) => boolean,
    taskDefinition = broken,
  ) {
    const load = steadyLoad(url);
    const seen: Service[] = [];
    try {
      const updated = await w.ecs.send(
        new UpdateServiceCommand({ cluster: w.cluster, service: name, taskDefinition }),
      );
      const deploymentId = primary(updated.service!).id!;
      const last = await waitFor(
        `${name} to settle after the broken revision`,
        async () => {
          const service = await w.describe(name);
          seen.push(service);
          return service;
        },
        done,
        240_000,
      );
      return { deploymentId, last, seen, report: await load.stop() };
    } finally {
      await load.stop();
    }
  }

  const deploymentsSeen = (seen: Service[]): Deployment[] => seen.flatMap((s) => s.deployments ?? []);

  it('rolls back to the last COMPLETED deployment, says so in AWS’s words, and keeps serving', async () => {
    const { url } = await w.service({
      name: 'rollback',
      taskDefinition: v1,
      desiredCount: 2,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      // ECS ignores failing container health checks for the grace period too: long enough for the
      // fixture to listen on a busy machine (seconds), short enough that the broken revision's three
      // failures come soon (each waits it out: 20 s made the case a minute).
      healthCheckGracePeriodSeconds: 10,
    });
    const completed = primary(await w.steady('rollback'));

    const { last, seen, report } = await breakUnderLoad(
      'rollback',
      url,
      (s) =>
        s.deployments!.length === 1 &&
        primary(s).id === completed.id &&
        primary(s).rolloutState === 'COMPLETED' &&
        s.runningCount === 2,
    );
    const failed = deploymentsSeen(seen).find(
      (d) => d.taskDefinition === broken && d.rolloutState === 'FAILED',
    );
    expect(failed).toMatchObject({
      rolloutStateReason: `ECS deployment circuit breaker: rolling back to deploymentId ${completed.id}.`,
    });
    // AWS's threshold for 2 desired tasks: half of them, but at least 3.
    expect(failed!.failedTasks).toBeGreaterThanOrEqual(3);
    expect(last.taskDefinition).toBe(v1);
    expect(primary(last).taskDefinition).toBe(v1);
    const events = eventMessages(last);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^\(service rollback\) \(task [0-9a-f]{32}\) failed container health checks\.$/,
        ),
        `(service rollback) (deployment ${failed!.id}) deployment failed: tasks failed to start.`,
        `(service rollback) rolling back to deployment ${completed.id}.`,
      ]),
    );
    expect(events.indexOf(`(service rollback) rolling back to deployment ${completed.id}.`)).toBeGreaterThan(
      events.indexOf(
        `(service rollback) (deployment ${failed!.id}) deployment failed: tasks failed to start.`,
      ),
    );
    // The broken tasks never became healthy, so the load balancer never sent them anything.
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.versions)).toEqual(['v1']);
    console.log(`circuit breaker with rollback under load: ${report.requests} requests, 0 failed`);
  }, 360_000);

  it('without rollback, ends FAILED while the old tasks keep serving', async () => {
    const { url } = await w.service({
      name: 'no-rollback',
      taskDefinition: v1,
      desiredCount: 2,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
      // ECS ignores failing container health checks for the grace period too: long enough for the
      // fixture to listen on a busy machine (seconds), short enough that the broken revision's three
      // failures come soon (each waits it out: 20 s made the case a minute).
      healthCheckGracePeriodSeconds: 10,
    });
    const completed = primary(await w.steady('no-rollback'));

    const { last, report } = await breakUnderLoad(
      'no-rollback',
      url,
      (s) =>
        primary(s).rolloutState === 'FAILED' &&
        // Its last failing tasks are gone too.
        primary(s).runningCount === 0 &&
        primary(s).pendingCount === 0,
    );
    expect(primary(last)).toMatchObject({
      taskDefinition: broken,
      rolloutState: 'FAILED',
      rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
    });
    expect(last.deployments!.find((d) => d.id === completed.id)).toMatchObject({
      status: 'ACTIVE',
      taskDefinition: v1,
      runningCount: 2,
    });
    expect(eventMessages(last)).toContain(
      `(service no-rollback) (deployment ${primary(last).id}) deployment failed: tasks failed to start.`,
    );
    expect(eventMessages(last).some((m) => m.includes('rolling back'))).toBe(false);
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.versions)).toEqual(['v1']);
  }, 360_000);

  it('rolls back a revision whose container exits at start, serving throughout', async () => {
    const { url } = await w.service({
      name: 'crash',
      taskDefinition: v1,
      desiredCount: 2,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    const completed = primary(await w.steady('crash'));
    const { deploymentId, last, report } = await breakUnderLoad(
      'crash',
      url,
      (s) => s.deployments!.length === 1 && primary(s).id === completed.id && s.runningCount === 2,
      crashing,
    );
    // Crashing tasks stop within moments, so the FAILED deployment may leave deployments[] between
    // two polls: the service events are the lasting record of what the breaker did.
    expect(eventMessages(last)).toEqual(
      expect.arrayContaining([
        `(service crash) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
        `(service crash) rolling back to deployment ${completed.id}.`,
      ]),
    );
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.versions)).toEqual(['v1']);
  }, 360_000);
});
