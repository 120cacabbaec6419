/**
 * The runtime tests' app (fixture/): a tiny node HTTP server built FROM the local node-runtime base
 * (no shell), whose behaviour each test picks through environment variables (see server.mjs),
 * pushed to the local cloud's ECR; plus helpers to register it as a Fargate task definition,
 * place tasks on the default VPC and wait for ECS to report something.
 */
import { CreateRepositoryCommand, RepositoryAlreadyExistsException } from '@aws-sdk/client-ecr';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Subnet,
} from '@aws-sdk/client-ec2';
import type {
  ContainerDefinition,
  CreateServiceCommandInput,
  HealthCheck,
  NetworkConfiguration,
  Secret,
  Service,
} from '@aws-sdk/client-ecs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import type Docker from 'dockerode';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestCloud } from '../harness.ts';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { freePort } from '../harness.ts';
import { createClients, destroyClients } from '../../../src/deploy/clients.ts';
import type { RegistryCredentials } from '../../../src/deploy/layer-cache.ts';
import { pushImage, registryAuth } from '../../../src/deploy/push.ts';
import { TEST_BASE_IMAGES } from '../../deploy/base-images.ts';

export const FIXTURE_DIR = fileURLToPath(new URL('./fixture/', import.meta.url));
const FIXTURE_FILES = ['Dockerfile', 'server.mjs', 'aws-call.mjs'];
const BASE_IMAGE = TEST_BASE_IMAGES.runtime;

/**
 * The probe: exit 0 when GET /health answers 200 within 2 s. bash and its /dev/tcp, as the service's
 * own check (service/src/healthcheck.sh): every running task starts one per interval inside its
 * 0.25 vCPU, and a Node process costs ~20 times the CPU (0.08 CPU-s each for `node -e`), which on a
 * busy machine was much of what the runtime tests' containers spent.
 */
const PROBE =
  'exec 3<>/dev/tcp/127.0.0.1/${PORT:-8080} && printf "GET /health HTTP/1.0\\r\\n\\r\\n" >&3 &&' +
  ' IFS= read -r -t 2 status <&3 && [[ $status == "HTTP/1."[01]" 200 "* ]]';

/**
 * The fixture's health check: exec form (the image has bash, no /bin/sh). ECS's default timeout
 * and retries: a probe in a 0.25 vCPU container is slow on a busy machine.
 */
export const FIXTURE_HEALTH_CHECK: HealthCheck = {
  command: ['CMD', 'bash', '-c', PROBE],
  interval: 5,
  timeout: 5,
  retries: 3,
  startPeriod: 0,
};

/**
 * The fixture's probe, with room for a busy machine: on a loaded CI runner even starting a probe
 * can take seconds; a healthy task must never flap, or rollouts would fail for the wrong reason. A
 * task whose health endpoint fails is still found out in about 10 s.
 */
export const TOLERANT_HEALTH_CHECK = { ...FIXTURE_HEALTH_CHECK, timeout: 10, retries: 5, startPeriod: 5 };

/** The local image name: content-addressed, so a changed fixture is rebuilt and an unchanged one is not. */
export function fixtureImageName(): string {
  const hash = createHash('sha256').update(BASE_IMAGE);
  for (const file of FIXTURE_FILES) hash.update(readFileSync(FIXTURE_DIR + file));
  return `devkit-test/runtime-fixture:${hash.digest('hex').slice(0, 12)}`;
}

async function follow(docker: Docker, stream: NodeJS.ReadableStream, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = error?.message ?? events.find((e) => e.error)?.error;
      if (failed) reject(new Error(`${what} failed: ${failed}`));
      else resolve();
    });
  });
}

/** Builds the fixture image unless this exact version already exists; returns its name. */
export async function buildFixtureImage(docker: Docker): Promise<string> {
  const name = fixtureImageName();
  const present = await docker
    .getImage(name)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (present) return name;
  const stream = await docker.buildImage(
    { context: FIXTURE_DIR, src: FIXTURE_FILES },
    { t: name, buildargs: { BASE: BASE_IMAGE } },
  );
  await follow(docker, stream, `build of ${name}`);
  return name;
}

/** The registry login ECR hands out (`AWS` and a token), as dockerode wants it: the deploy's own. */
export async function ecrAuth(t: TestCloud): Promise<RegistryCredentials> {
  const clients = createClients({ name: 'local', ...t.clientConfig });
  try {
    return await registryAuth(clients);
  } finally {
    destroyClients(clients);
  }
}

/**
 * Builds the fixture (if needed) and pushes it to `repository:tag` in the cloud's ECR (created when
 * missing) as the deploy does, layer cache included: the engine compresses its big layers once per
 * machine, not once per test cloud. Returns the image URI a task definition names.
 */
export async function pushFixture(
  docker: Docker,
  t: TestCloud,
  repository = 'runtime-fixture',
  tag = 'v1',
): Promise<string> {
  const { Id } = await docker.getImage(await buildFixtureImage(docker)).inspect();
  const clients = createClients({ name: 'local', ...t.clientConfig });
  const uri = `${new URL(t.cloud.url).host}/${repository}`;
  try {
    await clients.ecr
      .send(new CreateRepositoryCommand({ repositoryName: repository }))
      .catch((error: unknown) => {
        if (!(error instanceof RepositoryAlreadyExistsException)) throw error;
      });
    await docker.getImage(Id).tag({ repo: uri, tag });
    await pushImage(docker, clients, { id: Id, repository: uri, tags: [tag] }, { report: () => undefined });
  } finally {
    destroyClients(clients);
    // Only the registry keeps the name: the engine's list of images does not grow with each test cloud.
    await docker
      .getImage(`${uri}:${tag}`)
      .remove({ noprune: true })
      .catch(() => undefined);
  }
  return `${uri}:${tag}`;
}

export interface FixtureTaskOptions {
  family?: string;
  image: string;
  /** The app's environment (see server.mjs for what each variable does). */
  env?: Record<string, string>;
  healthCheck?: HealthCheck;
  secrets?: Secret[];
  /** awslogs to this group (created by the test, or with awslogs-create-group). */
  logGroup?: string;
  logStreamPrefix?: string;
  createLogGroup?: boolean;
  /** The container's hard memory limit in MiB. */
  memory?: number;
  stopTimeout?: number;
  /** The app's command instead of the image's (the fixture server). */
  command?: string[];
  /** linuxParameters.initProcessEnabled. */
  initProcessEnabled?: boolean;
  /** More containers of the same task, after the app (named `app`). */
  sidecars?: ContainerDefinition[];
  region?: string;
  /** The execution role (ecsTaskExecutionRole by default) and the task role (none by default). */
  executionRoleArn?: string;
  taskRoleArn?: string;
}

/** Registers the fixture as a Fargate task definition (256 CPU, 512 MiB, port 8080); returns its ARN. */
export async function registerFixtureTask(ecs: ECSClient, options: FixtureTaskOptions): Promise<string> {
  const app: ContainerDefinition = {
    name: 'app',
    image: options.image,
    essential: true,
    portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
    environment: Object.entries(options.env ?? {}).map(([name, value]) => ({ name, value })),
    ...(options.healthCheck ? { healthCheck: options.healthCheck } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
    ...(options.memory ? { memory: options.memory } : {}),
    ...(options.stopTimeout !== undefined ? { stopTimeout: options.stopTimeout } : {}),
    ...(options.command ? { command: options.command } : {}),
    ...(options.initProcessEnabled ? { linuxParameters: { initProcessEnabled: true } } : {}),
    ...(options.logGroup
      ? {
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': options.logGroup,
              'awslogs-region': options.region ?? 'us-east-1',
              'awslogs-stream-prefix': options.logStreamPrefix ?? 'fixture',
              ...(options.createLogGroup ? { 'awslogs-create-group': 'true' } : {}),
            },
          },
        }
      : {}),
  };
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: options.family ?? 'fixture',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: options.executionRoleArn ?? 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
      ...(options.taskRoleArn ? { taskRoleArn: options.taskRoleArn } : {}),
      containerDefinitions: [app, ...(options.sidecars ?? [])],
    }),
  );
  return taskDefinition!.taskDefinitionArn!;
}

/**
 * The default VPC's first subnet and a new security group on it; with `ingressPort`, the group
 * allows that TCP port from anywhere (without, it allows nothing in — the mistake the load
 * balancer must report).
 */
/** The region's default VPC and its subnets. */
async function defaultVpc(ec2: EC2Client): Promise<{ vpcId: string; Subnets: Subnet[] }> {
  const { Vpcs } = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  const vpcId = Vpcs![0]!.VpcId!;
  const { Subnets = [] } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  return { vpcId, Subnets };
}

export async function fixtureNetwork(
  t: TestCloud,
  options: { ingressPort?: number; sourceGroup?: string } = {},
): Promise<NetworkConfiguration> {
  const ec2 = new EC2Client(t.clientConfig);
  const { vpcId, Subnets } = await defaultVpc(ec2);
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `fixture-${randomUUID().slice(0, 8)}`,
      Description: 'runtime fixture',
      VpcId: vpcId,
    }),
  );
  if (options.ingressPort !== undefined) {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: options.ingressPort,
            ToPort: options.ingressPort,
            ...(options.sourceGroup
              ? { UserIdGroupPairs: [{ GroupId: options.sourceGroup }] }
              : { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
          },
        ],
      }),
    );
  }
  return { awsvpcConfiguration: { subnets: [Subnets[0]!.SubnetId!], securityGroups: [GroupId!] } };
}

/**
 * An ip target group of the fixture on port 8080 checking /health (2 passes make a target healthy,
 * 2 failures unhealthy) with a 2 s deregistration delay; returns its ARN.
 */
export async function fixtureTargetGroup(
  elb: ElasticLoadBalancingV2Client,
  name: string,
  vpcId: string,
): Promise<string> {
  const { TargetGroups } = await elb.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: vpcId,
      TargetType: 'ip',
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
    }),
  );
  const targetGroupArn = TargetGroups![0]!.TargetGroupArn!;
  await elb.send(
    new ModifyTargetGroupAttributesCommand({
      TargetGroupArn: targetGroupArn,
      Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '2' }],
    }),
  );
  return targetGroupArn;
}

/**
 * An Application Load Balancer for one service: its own security group, two default subnets, an
 * ip target group on port 8080 checking /health (2 passes make a target healthy, 2 failures
 * unhealthy, a 2 s deregistration delay), and an HTTP listener on a free port forwarding to it.
 */
export async function fixtureLoadBalancer(
  t: TestCloud,
  name: string,
  listenerPort?: number,
): Promise<{ port: number; securityGroup: string; targetGroupArn: string; loadBalancerArn: string }> {
  const ec2 = new EC2Client(t.clientConfig);
  const elb = new ElasticLoadBalancingV2Client(t.clientConfig);
  const { vpcId, Subnets } = await defaultVpc(ec2);
  const { GroupId } = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: `${name}-alb`, Description: 'fixture ALB', VpcId: vpcId }),
  );
  const lbName = name.slice(0, 32).replace(/-+$/, '');
  const { LoadBalancers } = await elb.send(
    new CreateLoadBalancerCommand({
      Name: lbName,
      Subnets: Subnets.slice(0, 2).map((s) => s.SubnetId!),
      SecurityGroups: [GroupId!],
    }),
  );
  const targetGroupArn = await fixtureTargetGroup(elb, lbName, vpcId);
  const port = listenerPort ?? (await freePort());
  await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: LoadBalancers![0]!.LoadBalancerArn!,
      Protocol: 'HTTP',
      Port: port,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
    }),
  );
  ec2.destroy();
  elb.destroy();
  return {
    port,
    securityGroup: GroupId!,
    targetGroupArn,
    loadBalancerArn: LoadBalancers![0]!.LoadBalancerArn!,
  };
}

/** A cluster for the test (CreateCluster is idempotent). */
export async function fixtureCluster(ecs: ECSClient, name = 'runtime'): Promise<string> {
  const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: name }));
  return cluster!.clusterArn!;
}

/** Creates a Fargate service of the fixture. */
export async function createFixtureService(
  ecs: ECSClient,
  options: {
    cluster: string;
    serviceName: string;
    taskDefinition: string;
    desiredCount: number;
    networkConfiguration: NetworkConfiguration;
  } & Partial<CreateServiceCommandInput>,
): Promise<Service> {
  const { service } = await ecs.send(new CreateServiceCommand({ launchType: 'FARGATE', ...options }));
  return service!;
}

/** Polls `probe` every 200 ms until `done` holds; fails with the last value seen after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last, null, 1)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
