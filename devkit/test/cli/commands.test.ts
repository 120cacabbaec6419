/** The stage commands through the real CLI against an in-process local cloud (control plane only). */
import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { CreateServiceCommand, DeregisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { silentProgress } from '../../src/deploy/progress.ts';
import type { ProvisionedStack } from '../../src/deploy/provision.ts';
import { provision } from '../../src/deploy/provision.ts';
import { registerTaskDefinition } from '../../src/deploy/register.ts';
import type { StatusJson } from '../../src/cli/status-json.ts';
import type { Stack } from '../../src/stack/load.ts';
import { loadStack } from '../../src/stack/load.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';
import { runCli, runCliOnTerminal } from './run-cli.ts';
import { freePort } from '../cloud/harness.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;

// Tests that only read run side by side (marked), with room for several CLIs starting at once on a
// loaded machine.
describe('stage commands against the local cloud', { timeout: 180_000 }, () => {
  let cloud: TestCloud;
  let clients: AwsClients;
  let stack: Stack;
  let provisioned: ProvisionedStack;
  // The listener binds 127.0.0.1 at the stage's port: a free one, so the doctor's port findings
  // pass and nothing else's 8080 is touched.
  let lbPort: number;
  const withCloud = (args: string[]) => [
    ...args,
    '--endpoint',
    cloud.cloud.url,
    '--opt',
    `lb-port=${lbPort}`,
  ];
  const cli = (...args: string[]) => runCli(withCloud(args));
  const dnsUrl = () => new RegExp(`^http://iscoolgpt-dev-[0-9a-f]+\\.us-east-1\\.elb\\.localhost:${lbPort}$`);

  beforeAll(async () => {
    cloud = await startTestCloud();
    clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
    lbPort = await freePort();
    stack = loadStack(stackFile, { stage: 'dev', env: {}, options: { 'lb-port': String(lbPort) } });
  });
  afterAll(async () => {
    destroyClients(clients);
    await cloud.dispose();
  });

  // Before anything is provisioned, these three only read: they run side by side.
  it('status before any deploy says so', { concurrent: true }, async () => {
    const { code, stdout } = await cli('status');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(
      'no service in cluster iscoolgpt-dev: deploy the stage first (`devkit deploy`)',
    );
  });

  it('deploy --dry-run prints the plan and creates nothing', { concurrent: true }, async () => {
    const { code, stdout } = await cli('deploy', '--dry-run');
    expect(code).toBe(0);
    expect(stdout).toContain('▶ provision: plan iscoolgpt (dev)');
    expect(stdout).toMatch(/^ {2}\+ create +ECR repository +iscoolgpt-dev$/m);
    expect(stdout).toMatch(/^ {2}\+ create +security group +iscoolgpt-dev-app$/m);
    expect(stdout).toMatch(/^ {2}\+ create +load balancer security group +iscoolgpt-dev-alb$/m);
    expect(stdout).toMatch(/^ {2}\+ create +load balancer +iscoolgpt-dev$/m);
    expect(stdout).toMatch(/^ {2}\+ create +target group +iscoolgpt-dev$/m);
    expect(stdout).toMatch(/^ {2}\+ create +listener +iscoolgpt-dev HTTP$/m);
    expect(stdout).toContain('✔ provision: 20 create');
    expect(stdout.trim().split('\n').at(-1)).toBe('dry run: nothing changed');
    await expect(
      clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['iscoolgpt-dev'] })),
    ).rejects.toThrow(/does not exist/);
  });

  it(
    'doctor before provisioning: the missing secret fails, the rest is pending',
    { concurrent: true },
    async () => {
      const { code, stdout } = await cli('doctor');
      expect(code).toBe(1);
      expect(stdout).toMatch(/^✘ secret iscoolgpt\/dev\/gemini-api-key +missing: tasks cannot start/m);
      expect(stdout).toMatch(
        /^ +fix: `devkit deploy --stage dev` creates a placeholder; then set the value/m,
      );
      expect(stdout).toMatch(
        /^! security group ingress +security group iscoolgpt-dev-app is not provisioned yet$/m,
      );
      expect(stdout).toMatch(
        /^✔ subnets in two AZs +public subnets in us-east-1a and us-east-1b \(not provisioned yet\)$/m,
      );
      expect(stdout).toMatch(/^✔ target local +answers at http:\/\/127\.0\.0\.1:\d+$/m);
      expect(stdout).toMatch(/^✔ local cloud port \d+ +held by the local cloud \(pid \d+\)$/m);
    },
  );

  it('doctor after provisioning passes, then fails on a revoked ingress rule, with the fix', async () => {
    ({ provisioned } = (await provision(clients, stack, silentProgress)) as {
      provisioned: ProvisionedStack;
    });
    const passing = await cli('doctor');
    expect(passing.stdout).toMatch(
      /^✔ security group ingress +iscoolgpt-dev-app allows tcp\/8080 from security group iscoolgpt-dev-alb only$/m,
    );
    expect(passing.stdout).toMatch(
      new RegExp(
        `^✔ load balancer ingress +iscoolgpt-dev-alb allows tcp/${lbPort} from 0\\.0\\.0\\.0/0$`,
        'm',
      ),
    );
    expect(passing.stdout).toMatch(/^✔ task role least privilege +no permissions$/m);
    expect(passing.stdout).toMatch(/^✔ secret iscoolgpt\/dev\/gemini-api-key +present$/m);
    expect(passing.stdout.trim().split('\n').at(-1)).toBe('all good');
    expect(passing.code).toBe(0);

    const { SecurityGroups = [] } = await clients.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [provisioned.securityGroupId] }),
    );
    await clients.ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: provisioned.securityGroupId,
        IpPermissions: SecurityGroups[0]?.IpPermissions,
      }),
    );
    const failing = await cli('doctor');
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(
      /^✘ security group ingress +does not admit the app port as declared: allow tcp\/8080-8080 from security group iscoolgpt-dev-alb\n +fix: `devkit deploy --stage dev` corrects it/m,
    );
    expect(failing.stdout.trim().split('\n').at(-1)).toBe('1 finding(s) need fixing');
  });

  it('deploy --dry-run lists what drifted and counts the rest; with nothing to change, provisioning is one line', async () => {
    const drifted = await cli('deploy', '--dry-run');
    expect(drifted.stdout).toMatch(/^ {2}~ update +security group +iscoolgpt-dev-app {2}\(/m);
    expect(drifted.stdout).toMatch(/^ {2}= 19 unchanged$/m);
    expect(drifted.stdout).not.toMatch(/^ {2}= unchanged/m);
    await provision(clients, stack, silentProgress);
    const { code, stdout } = await cli('deploy', '--dry-run');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'deploying iscoolgpt stage dev',
      expect.stringMatching(/^✔ provision: 20 resources unchanged \(\d+\.\d s\)$/),
      'dry run: nothing changed',
    ]);
  });

  it('on a terminal the steps are redrawn in place (listr2); piped, they are plain lines', async () => {
    const [{ code, stdout }, piped] = await Promise.all([
      runCliOnTerminal(withCloud(['deploy', '--dry-run'])),
      cli('deploy', '--dry-run'),
    ]);
    expect(code).toBe(0);
    // Redrawn: the cursor hidden while drawing, lines erased and written again.
    expect(stdout).toContain('\u001b[?25l');
    expect(stdout).toContain('\u001b[2K');
    expect(stdout).toMatch(/provision: 20 resources unchanged \(\d+\.\d s\)/);
    expect(stdout).not.toContain('▶ provision');
    expect(piped.stdout).not.toContain('\u001b[');
  });

  it('status shows the service, its deployment and recent events as tables', async () => {
    const { taskDefinitionArn: taskDefinition } = await registerTaskDefinition(
      clients,
      stack,
      provisioned,
      '127.0.0.1:1/iscoolgpt-dev:test',
      silentProgress,
    );
    await clients.ecs.send(
      new CreateServiceCommand({
        cluster: provisioned.cluster,
        serviceName: 'iscoolgpt-dev',
        taskDefinition,
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: provisioned.subnetIds,
            securityGroups: [provisioned.securityGroupId],
          },
        },
      }),
    );
    const { code, stdout, stderr } = await cli('status');
    expect(code).toBe(0);
    expect(stderr.trim()).toBe(`cloud: local at ${cloud.cloud.url} (--endpoint)`);
    const lines = stdout.split('\n');
    // The URL is the load balancer's DNS name; a service without loadBalancers registers no target.
    expect(lines[0]?.replace(/^url: {3}/, '')).toMatch(dnsUrl());
    expect(lines.slice(1, 5)).toEqual([
      'image: 127.0.0.1:1/iscoolgpt-dev:test',
      '',
      'no targets registered',
      '',
    ]);
    // CPU and MEMORY columns come with the service's utilization (main's status change).
    expect(lines[5]).toMatch(/^SERVICE +STATUS +TASK DEFINITION +DESIRED +RUNNING +PENDING( +CPU +MEMORY)?$/);
    expect(lines[6]).toMatch(/^iscoolgpt-dev +ACTIVE +iscoolgpt-dev:1 +1 +\d +\d( .*)?$/);
    expect(stdout).toMatch(
      /^DEPLOYMENT +STATUS +ROLLOUT +TASK DEFINITION +DESIRED +RUNNING +PENDING +FAILED$/m,
    );
    expect(stdout).toMatch(/^ecs-svc\/\d+ +PRIMARY +IN_PROGRESS +iscoolgpt-dev:1 +1 /m);
    expect(stdout).toContain('recent events:');
  });

  // With the service created, these three read it (the logs test writes its own log stream): side by side.
  it(
    'rollback with a single revision says there is nothing to roll back to',
    { concurrent: true },
    async () => {
      const { code, stderr } = await cli('rollback');
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        `cloud: local at ${cloud.cloud.url} (--endpoint)`,
        'error: no revision of iscoolgpt-dev before iscoolgpt-dev:1 to roll back to',
      ]);
    },
  );

  it('status --json prints the documented shape', { concurrent: true }, async () => {
    const { code, stdout } = await cli('status', '--json');
    expect(code).toBe(0);
    const status = JSON.parse(stdout) as StatusJson;
    expect(status).toMatchObject({
      version: 1,
      stack: 'iscoolgpt',
      stage: 'dev',
      // This test cloud runs no tasks: no runtime, no timing profile; IAM not enforced.
      cloud: { target: 'local', endpoint: cloud.cloud.url, timings: null, iamEnforced: false },
      cluster: 'iscoolgpt-dev',
      url: expect.stringMatching(dnsUrl()),
      loadBalancer: {
        name: 'iscoolgpt-dev',
        dnsName: expect.stringMatching(/\.elb\.localhost$/),
        state: 'active',
        stateReason: null,
        targets: [],
      },
      service: {
        name: 'iscoolgpt-dev',
        status: 'ACTIVE',
        taskDefinition: 'iscoolgpt-dev:1',
        image: '127.0.0.1:1/iscoolgpt-dev:test',
        desired: 1,
      },
    });
    expect(Object.keys(status.service?.deployments[0] ?? {}).sort()).toEqual([
      'desired',
      'failed',
      'id',
      'image',
      'pending',
      'rolloutState',
      'running',
      'status',
      'taskDefinition',
    ]);
    expect(status.service?.deployments[0]?.image).toBe('127.0.0.1:1/iscoolgpt-dev:test');
    expect(status.service?.events[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it(
    'logs prints the stage’s events since a time, oldest first: readable, without health checks; --json raw',
    { concurrent: true },
    async () => {
      const logGroupName = stack.config.logs.group;
      const logStreamName = 'iscoolgpt/iscoolgpt/abc';
      await clients.logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName }));
      const now = Date.now();
      const access = (path: string, method: string, requestId: string, at: number) =>
        JSON.stringify({
          level: 'info',
          time: new Date(at).toISOString(),
          service: 'iscoolgpt',
          requestId,
          event: 'access',
          method,
          path,
          status: 200,
          durationMs: 12.3,
          msg: 'request',
        });
      const health = access('/health', 'GET', 'probe-1', now - 90_000);
      const chat = access('/v1/chat', 'POST', 'req-1', now - 60_000);
      await clients.logs.send(
        new PutLogEventsCommand({
          logGroupName,
          logStreamName,
          logEvents: [
            { message: 'two hours ago', timestamp: now - 7_200_000 },
            { message: health, timestamp: now - 90_000 },
            { message: chat, timestamp: now - 60_000 },
            { message: 'just now', timestamp: now - 1_000 },
          ],
        }),
      );
      const [readable, raw, verbose] = await Promise.all([
        cli('logs', '--since', '1h'),
        cli('logs', '--since', '1h', '--json'),
        cli('logs', '--since', '1h', '--verbose'),
      ]);
      expect(readable.code).toBe(0);
      expect(readable.stdout.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request POST \/v1\/chat 200 12\.3 ms \[req-1\]$/,
        ),
        'just now',
      ]);
      expect(raw.stdout.trim().split('\n')).toEqual([health, chat, 'just now']);
      expect(verbose.stdout.trim().split('\n')[0]).toMatch(
        / INFO: request GET \/health 200 12\.3 ms \[probe-1\]$/,
      );
    },
  );

  // After the reads above: it makes (and deregisters) a second revision.
  it('register keeps the running revision when image and settings are unchanged; a new image makes one', async () => {
    const again = await registerTaskDefinition(
      clients,
      stack,
      provisioned,
      '127.0.0.1:1/iscoolgpt-dev:test',
      silentProgress,
    );
    expect(again).toEqual({ taskDefinitionArn: expect.stringMatching(/:1$/), unchanged: true });
    const changed = await registerTaskDefinition(
      clients,
      stack,
      provisioned,
      '127.0.0.1:1/iscoolgpt-dev:other',
      silentProgress,
    );
    expect(changed).toEqual({ taskDefinitionArn: expect.stringMatching(/:2$/), unchanged: false });
    await clients.ecs.send(
      new DeregisterTaskDefinitionCommand({ taskDefinition: changed.taskDefinitionArn }),
    );
  });

  it('logs --tail N prints the last N events, from the whole log group unless --since says otherwise', async () => {
    const [last, all, windowed, bad] = await Promise.all([
      cli('logs', '--tail', '2'),
      cli('logs', '--tail', '4'),
      cli('logs', '--tail', '3', '--since', '1h'),
      cli('logs', '--tail', 'ten'),
    ]);
    expect(last.code).toBe(0);
    const lines = last.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('request');
    expect(lines[1]).toContain('just now');
    // Two hours old: beyond the 10-minute default, within the whole group --tail looks back over.
    expect(all.stdout.trim().split('\n')[0]).toContain('two hours ago');
    // The last three within the hour, the health check's line left out.
    expect(windowed.stdout.trim().split('\n')).toHaveLength(2);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("error: --tail must be a number of events (got 'ten')");
  }, 180_000);

  it('remove --dry-run lists what would go; remove deletes the stage', async () => {
    const dry = await cli('remove', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^ {2}- delete +ECS cluster +iscoolgpt-dev$/m);
    expect(dry.stdout).toMatch(/^ {2}- delete +load balancer +iscoolgpt-dev$/m);
    expect(dry.stdout).toContain('✔ remove: 20 delete');
    const removed = await cli('remove', '--yes');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('deleted ECS service iscoolgpt-dev');
    expect(removed.stdout).toContain('deleted listener iscoolgpt-dev HTTP');
    expect(removed.stdout).toContain('deleted load balancer iscoolgpt-dev');
    expect(removed.stdout).toContain('✔ remove: 20 delete');
    const after = await cli('remove', '--dry-run');
    expect(after.stdout).toContain('✔ remove: nothing to remove');
  });
});
