// localstack/: the init hook's names agree with the stack file, and the hook is idempotent.
// No LocalStack here (it needs an auth token and a plan with ECS/ECR), so the hook runs against a
// stub `aws` that keeps state between calls: what the hook asks, creates and skips is what is tested,
// not AWS's or LocalStack's behaviour.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStack } from '../../src/stack/load.ts';

const exec = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const hook = join(root, 'localstack/ready.d/10-iscoolgpt-stack.sh');

/** stack.env as the hook sees it, after sourcing, with a clean environment. */
async function stackEnv(env: Record<string, string> = {}): Promise<Record<string, string>> {
  const { stdout } = await exec('bash', ['-c', `set -a; . "${root}localstack/stack.env"; env -0`], {
    env: { PATH: process.env.PATH, ...env },
  });
  return Object.fromEntries(
    stdout
      .split('\0')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

// The stub: a Node script named `aws`. Lookups answer from a JSON state file; creations add to it
// and are logged (one line each) to `mutations`.
const STUB = String.raw`
const fs = require('node:fs');
const [service, op, ...rest] = process.argv.slice(2);
const opts = {};
for (let i = 0; i < rest.length; i++) {
  if (!rest[i].startsWith('--')) continue;
  const values = [];
  while (rest[i + 1] !== undefined && !rest[i + 1].startsWith('--')) values.push(rest[++i]);
  opts[rest[i - values.length].slice(2)] = values.length > 1 ? values : values[0] ?? true;
}
const file = process.env.STUB_STATE;
const state = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { items: [], n: 0 };
const save = () => fs.writeFileSync(file, JSON.stringify(state));
const filters = Object.fromEntries([].concat(opts.filters ?? []).map((f) => {
  const m = /^Name=([^,]+),Values=(.*)$/.exec(f); return [m[1], m[2]];
}));
const tagsOf = (spec) => Object.fromEntries([...String(spec ?? '').matchAll(/\{Key=([^,]+),Value=([^}]+)\}/g)].map((m) => [m[1], m[2]]));
const find = (kind, match) => state.items.find((r) => r.kind === kind && match(r));
const create = (kind, props) => {
  const item = { kind, id: kind + '-' + ++state.n, ...props };
  state.items.push(item);
  fs.appendFileSync(process.env.STUB_MUTATIONS, JSON.stringify({ call: service + ' ' + op, ...item }) + '\n');
  save();
  return item;
};
const log = (extra) => fs.appendFileSync(process.env.STUB_MUTATIONS, JSON.stringify({ call: service + ' ' + op, ...extra }) + '\n');
const text = (v) => console.log(v === undefined ? 'None' : v);
const missing = () => { console.error('An error occurred (ResourceNotFoundException): not found'); process.exit(254); };
const byName = (kind) => find(kind, (r) => r.tags?.Name === filters['tag:Name'] && (!filters['vpc-id'] || r.vpc === filters['vpc-id']));
switch (service + ' ' + op) {
  case 'ec2 describe-vpcs': text(byName('vpc')?.id); break;
  case 'ec2 create-vpc': text(create('vpc', { cidr: opts['cidr-block'], tags: tagsOf(opts['tag-specifications']) }).id); break;
  case 'ec2 describe-internet-gateways': text(find('igw', (r) => r.vpc === filters['attachment.vpc-id'])?.id); break;
  case 'ec2 create-internet-gateway': text(create('igw', { tags: tagsOf(opts['tag-specifications']) }).id); break;
  case 'ec2 attach-internet-gateway': find('igw', (r) => r.id === opts['internet-gateway-id']).vpc = opts['vpc-id']; save(); break;
  case 'ec2 describe-route-tables': text(byName('rtb')?.id); break;
  case 'ec2 create-route-table': text(create('rtb', { vpc: opts['vpc-id'], tags: tagsOf(opts['tag-specifications']) }).id); break;
  case 'ec2 describe-subnets': text(find('subnet', (r) => r.vpc === filters['vpc-id'] && r.cidr === filters['cidr-block'])?.id); break;
  case 'ec2 create-subnet': text(create('subnet', { vpc: opts['vpc-id'], cidr: opts['cidr-block'], az: opts['availability-zone'], tags: tagsOf(opts['tag-specifications']) }).id); break;
  case 'ec2 describe-security-groups': text(find('sg', (r) => r.vpc === filters['vpc-id'] && r.name === filters['group-name'])?.id); break;
  case 'ec2 create-security-group': text(create('sg', { vpc: opts['vpc-id'], name: opts['group-name'], tags: tagsOf(opts['tag-specifications']) }).id); break;
  case 'ec2 modify-vpc-attribute': case 'ec2 modify-subnet-attribute':
  case 'ec2 create-route': case 'ec2 associate-route-table': case 'ec2 authorize-security-group-ingress':
    log({ args: opts }); break;
  case 'secretsmanager describe-secret': {
    const s = find('secret', (r) => r.name === opts['secret-id']);
    if (!s) missing();
    text(opts.query === 'ARN' ? 'arn:aws:secretsmanager:us-east-1:000000000000:secret:' + s.name : '{}');
    break;
  }
  case 'secretsmanager create-secret': create('secret', { name: opts.name, value: opts['secret-string'] }); break;
  case 'iam get-role': if (!find('role', (r) => r.name === opts['role-name'])) missing(); break;
  case 'iam create-role': create('role', { name: opts['role-name'], trust: opts['assume-role-policy-document'] }); break;
  case 'iam attach-role-policy': case 'iam put-role-policy': log({ args: opts }); break;
  case 'ecr describe-repositories': if (!find('repo', (r) => r.name === opts['repository-names'])) missing(); break;
  case 'ecr create-repository': create('repo', { name: opts['repository-name'], scan: opts['image-scanning-configuration'] }); break;
  case 'ecr put-lifecycle-policy': log({ args: opts }); break;
  case 'logs describe-log-groups': text(find('logs', (r) => r.name === opts['log-group-name-prefix']) ? 1 : 0); break;
  case 'logs create-log-group': create('logs', { name: opts['log-group-name'] }); break;
  case 'logs put-retention-policy': log({ args: opts }); break;
  case 'ecs describe-clusters': text(find('cluster', (r) => r.name === opts.clusters) ? 1 : 0); break;
  case 'ecs create-cluster': create('cluster', { name: opts['cluster-name'], settings: opts.settings }); break;
  default: console.error('stub aws: unexpected call ' + service + ' ' + op); process.exit(2);
}
`;

interface Mutation {
  call: string;
  kind?: string;
  name?: string;
  cidr?: string;
  az?: string;
  value?: string;
  settings?: string;
  tags?: Record<string, string>;
  args?: Record<string, string>;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devkit-localstack-hook-'));
  await writeFile(join(dir, 'aws'), `#!${process.execPath}\n${STUB}`);
  await chmod(join(dir, 'aws'), 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runHook(name: string, env: { STATE: string }) {
  const mutations = join(dir, `${name}.mutations`);
  await writeFile(mutations, '');
  const { stdout } = await exec('bash', [hook], {
    env: {
      PATH: `${dir}:${process.env.PATH}`,
      STUB_STATE: join(dir, `${env.STATE}.state.json`),
      STUB_MUTATIONS: mutations,
      ...env,
    },
  });
  const lines = (await readFile(mutations, 'utf8')).trim().split('\n').filter(Boolean);
  return { stdout, mutations: lines.map((line) => JSON.parse(line) as Mutation) };
}

describe('localstack/stack.env', () => {
  it('names what stage dev of stack.yml describes', async () => {
    const env = await stackEnv();
    const { config } = loadStack(join(root, 'stack.yml'), { stage: 'dev', env: {} });
    const prefix = `${config.name}-dev`;
    expect(env).toMatchObject({
      ISCOOLGPT_SERVICE: config.name,
      ISCOOLGPT_STAGE: 'dev',
      ISCOOLGPT_REGION: config.region,
      ECR_REPOSITORY: prefix,
      ECR_KEEP_IMAGES: String(config.ecr.keepImages),
      LOG_GROUP: config.logs.group,
      LOG_RETENTION_DAYS: String(config.logs.retentionDays),
      EXECUTION_ROLE: `${prefix}-execution`,
      TASK_ROLE: `${prefix}-task`,
      SECRET_NAME: config.task.secrets.GEMINI_API_KEY,
      CLUSTER: prefix,
      APP_PORT: String(config.task.port),
      VPC_CIDR: config.network.vpcCidr,
      PUBLIC_SUBNET_CIDRS: config.network.publicSubnets.map((s) => s.cidr).join(' '),
      PRIVATE_SUBNET_CIDRS: config.network.privateSubnets.map((s) => s.cidr).join(' '),
      SECURITY_GROUP: `${prefix}-app`,
    });
  });

  it('lets the environment override a name', async () => {
    expect((await stackEnv({ ISCOOLGPT_STAGE: 'staging' })).CLUSTER).toBe('iscoolgpt-staging');
  });
});

describe('localstack/ready.d hook (against a stub aws)', () => {
  // Two runs on the same state: a fresh LocalStack, then a restart with persistence.
  let first: Awaited<ReturnType<typeof runHook>>;
  let second: Awaited<ReturnType<typeof runHook>>;
  beforeAll(async () => {
    first = await runHook('first', { STATE: 'shared' });
    second = await runHook('second', { STATE: 'shared' });
  });

  it('creates the whole dev stack, named and tagged as the devkit names and tags it', () => {
    const { mutations, stdout } = first;
    const created = (kind: string) => mutations.filter((m) => m.kind === kind);

    expect(created('vpc')).toEqual([expect.objectContaining({ cidr: '10.20.0.0/16' })]);
    expect(created('subnet').map((s) => [s.tags?.Name, s.cidr, s.az])).toEqual([
      ['iscoolgpt-dev-public-1', '10.20.0.0/24', 'us-east-1a'],
      ['iscoolgpt-dev-public-2', '10.20.1.0/24', 'us-east-1b'],
      ['iscoolgpt-dev-private-1', '10.20.10.0/24', 'us-east-1a'],
      ['iscoolgpt-dev-private-2', '10.20.11.0/24', 'us-east-1b'],
    ]);
    expect(created('rtb').map((r) => r.tags?.Name)).toEqual([
      'iscoolgpt-dev-public',
      'iscoolgpt-dev-private',
    ]);
    expect(created('sg').map((g) => g.name)).toEqual(['iscoolgpt-dev-app']);
    for (const resource of [
      ...created('vpc'),
      ...created('igw'),
      ...created('subnet'),
      ...created('rtb'),
      ...created('sg'),
    ]) {
      expect(resource.tags).toMatchObject({ 'devkit:stack': 'iscoolgpt', 'devkit:stage': 'dev' });
    }
    const ingress = mutations.find((m) => m.call === 'ec2 authorize-security-group-ingress');
    expect(ingress?.args).toMatchObject({ protocol: 'tcp', port: '8080' });

    // The secret holds a placeholder, never a key.
    expect(created('secret')).toEqual([
      expect.objectContaining({ name: 'iscoolgpt/dev/gemini-api-key', value: 'placeholder-not-a-key' }),
    ]);
    expect(created('role').map((r) => r.name)).toEqual(['iscoolgpt-dev-execution', 'iscoolgpt-dev-task']);
    const rolePolicies = mutations.filter(
      (m) => m.call.startsWith('iam attach') || m.call.startsWith('iam put'),
    );
    // Only the execution role gets permissions: the managed policy and a read of its own secret.
    expect(rolePolicies.map((m) => m.args?.['role-name'])).toEqual([
      'iscoolgpt-dev-execution',
      'iscoolgpt-dev-execution',
    ]);
    expect(JSON.parse(rolePolicies[1]?.args?.['policy-document'] ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:iscoolgpt/dev/gemini-api-key',
        },
      ],
    });

    expect(created('repo')).toEqual([
      expect.objectContaining({ name: 'iscoolgpt-dev', scan: 'scanOnPush=true' }),
    ]);
    const lifecycle = mutations.find((m) => m.call === 'ecr put-lifecycle-policy');
    expect(
      JSON.parse(lifecycle?.args?.['lifecycle-policy-text'] ?? '{}').rules[0].selection.countNumber,
    ).toBe(10);
    expect(created('logs').map((l) => l.name)).toEqual(['/ecs/iscoolgpt-dev']);
    expect(mutations.find((m) => m.call === 'logs put-retention-policy')?.args?.['retention-in-days']).toBe(
      '7',
    );
    expect(created('cluster')).toEqual([
      expect.objectContaining({ name: 'iscoolgpt-dev', settings: 'name=containerInsights,value=enabled' }),
    ]);
    expect(stdout).toContain('stack iscoolgpt-dev ready in us-east-1');
  });

  it('changes nothing on a second run (a LocalStack restart with persistence)', () => {
    // Only the set-to-desired calls repeat; nothing is created again.
    expect(second.mutations.filter((m) => m.kind !== undefined)).toEqual([]);
    expect(second.mutations.map((m) => m.call).sort()).toEqual([
      'ecr put-lifecycle-policy',
      'iam attach-role-policy',
      'iam put-role-policy',
      'logs put-retention-policy',
    ]);
  });
});
