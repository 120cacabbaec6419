import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { AnyResource, ProvisionContext } from './resource.ts';
import { awsTags, canonicalJson, defineResource, unlessNotFound } from './resource.ts';
import { secretNames } from './secrets.ts';

type PolicyDocument = { Version: '2012-10-17'; Statement: Record<string, unknown>[] };

const ECS_TASKS_TRUST: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

interface RoleSpec {
  name: string;
  description: string;
  managedPolicyArns: string[];
  inlinePolicies: Record<string, PolicyDocument>;
  remember(arn: string | undefined): void;
}

interface ObservedRole {
  arn: string | undefined;
  trust: string;
  attached: string[];
  inline: Record<string, string>;
}

/**
 * The execution role (ECS uses it to pull the image, ship logs and read secrets), least privilege:
 * exactly what Fargate's agent calls for this app (its repository, its log group, its secrets),
 * not AmazonECSTaskExecutionRolePolicy's pull from every repository and write to every log group.
 */
export function executionRole(ctx: ProvisionContext): AnyResource {
  return role(ctx, {
    name: ctx.names.executionRole,
    description: `ECS task execution role for ${ctx.names.prefix}`,
    managedPolicyArns: [],
    inlinePolicies: { execution: executionPolicy(ctx) },
    remember: (arn) => (ctx.found.executionRoleArn = arn),
  });
}

export function executionPolicy(ctx: ProvisionContext): PolicyDocument {
  const { region } = ctx.stack.config;
  const account = ctx.found.accountId;
  const secretArnPatterns = secretNames(ctx).map(
    // "-??????" matches the random suffix AWS appends to a secret's ARN, so the policy can be written
    // before the secret exists.
    (name) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-??????`,
  );
  return {
    Version: '2012-10-17',
    Statement: [
      // The registry login has no resource of its own.
      { Sid: 'RegistryLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      {
        Sid: 'PullOwnImage',
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: `arn:aws:ecr:${region}:${account}:repository/${ctx.names.repository}`,
      },
      {
        Sid: 'OwnLogStreams',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:${region}:${account}:log-group:${ctx.names.logGroup}:log-stream:*`,
      },
      ...(secretArnPatterns.length > 0
        ? [
            {
              Sid: 'OwnSecrets',
              Effect: 'Allow',
              Action: ['secretsmanager:GetSecretValue'],
              Resource: secretArnPatterns,
            },
          ]
        : []),
    ],
  };
}

/** The app's own role: no permissions unless the stack declares statements. */
export function taskRole(ctx: ProvisionContext): AnyResource {
  const statements = ctx.stack.config.iam.taskRole.statements;
  return role(ctx, {
    name: ctx.names.taskRole,
    description: `ECS task role for ${ctx.names.prefix}`,
    managedPolicyArns: [],
    inlinePolicies:
      statements.length > 0
        ? {
            app: {
              Version: '2012-10-17',
              Statement: statements.map((s) => ({
                Effect: s.effect,
                Action: s.actions,
                Resource: s.resources,
              })),
            },
          }
        : {},
    remember: (arn) => (ctx.found.taskRoleArn = arn),
  });
}

function role(ctx: ProvisionContext, spec: RoleSpec): AnyResource {
  const { iam } = ctx.clients;
  const RoleName = spec.name;
  const trust = canonicalJson(ECS_TASKS_TRUST);
  const wanted = Object.fromEntries(
    Object.entries(spec.inlinePolicies).map(([n, doc]) => [n, canonicalJson(doc)]),
  );

  const putInline = async (PolicyName: string) => {
    await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: wanted[PolicyName] }));
  };
  const attach = async (PolicyArn: string) => {
    await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
  };

  return defineResource<ObservedRole>({
    type: 'IAM role',
    name: RoleName,
    async observe() {
      const found = await unlessNotFound(iam.send(new GetRoleCommand({ RoleName })));
      if (!found?.Role) return undefined;
      spec.remember(found.Role.Arn);
      const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }));
      const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName }));
      const inline: Record<string, string> = {};
      for (const PolicyName of PolicyNames) {
        const policy = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
        inline[PolicyName] = canonicalJson(readPolicy(policy.PolicyDocument));
      }
      return {
        arn: found.Role.Arn,
        trust: canonicalJson(readPolicy(found.Role.AssumeRolePolicyDocument)),
        attached: AttachedPolicies.flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])),
        inline,
      };
    },
    drift(observed) {
      const drift: string[] = [];
      if (observed.trust !== trust) drift.push('trust policy → ecs-tasks.amazonaws.com only');
      for (const arn of spec.managedPolicyArns)
        if (!observed.attached.includes(arn)) drift.push(`attach ${arn}`);
      for (const arn of observed.attached)
        if (!spec.managedPolicyArns.includes(arn)) drift.push(`detach ${arn}`);
      for (const [name, doc] of Object.entries(wanted)) {
        if (observed.inline[name] !== doc)
          drift.push(`${observed.inline[name] ? 'correct' : 'add'} inline policy ${name}`);
      }
      for (const name of Object.keys(observed.inline))
        if (!(name in wanted)) drift.push(`delete inline policy ${name}`);
      return drift;
    },
    async create() {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName,
          Description: spec.description,
          AssumeRolePolicyDocument: trust,
          Tags: awsTags(ctx.tags),
        }),
      );
      spec.remember(Role?.Arn);
      for (const arn of spec.managedPolicyArns) await attach(arn);
      for (const name of Object.keys(wanted)) await putInline(name);
    },
    async update(observed) {
      if (observed.trust !== trust) {
        await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: trust }));
      }
      for (const arn of spec.managedPolicyArns) if (!observed.attached.includes(arn)) await attach(arn);
      for (const PolicyArn of observed.attached) {
        if (!spec.managedPolicyArns.includes(PolicyArn)) {
          await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }));
        }
      }
      for (const [name, doc] of Object.entries(wanted))
        if (observed.inline[name] !== doc) await putInline(name);
      for (const PolicyName of Object.keys(observed.inline)) {
        if (!(PolicyName in wanted)) await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
      }
    },
    async remove(observed) {
      for (const PolicyArn of observed.attached)
        await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }));
      for (const PolicyName of Object.keys(observed.inline)) {
        await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
      }
      await iam.send(new DeleteRoleCommand({ RoleName }));
    },
  });
}

/** IAM returns policy documents URL-encoded. */
export function readPolicy(document: string | undefined): unknown {
  if (!document) return {};
  return JSON.parse(document.trimStart().startsWith('{') ? document : decodeURIComponent(document));
}
