/**
 * `devkit bootstrap` (as `cdk bootstrap` is for CDK): what a stage's CI needs once, before its first
 * deploy — GitHub's OIDC provider in the account and the stage's deploy role, which trusts that
 * provider for this repository's deploys of the stage only and may make exactly the calls `devkit
 * deploy` makes. Idempotent: it creates what is missing and corrects what drifted, on every target
 * (the local cloud and LocalStack rehearse it; on AWS it is the role deploy.yml assumes).
 */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import type { Finding } from './doctor.ts';
import { STS_AUDIENCE } from './github-oidc.ts';
import { resourceNames } from './names.ts';
import { policyDifferences, type PolicyDocumentJson } from './least-privilege.ts';
import { readPolicy } from './provision/iam.ts';
import { canonicalJson, unlessNotFound } from './provision/resource.ts';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
const DEPLOY_POLICY_NAME = 'devkit-deploy';

/**
 * Every AWS call `devkit deploy` can make (its modules' SDK commands, kept equal to them by
 * bootstrap.test.ts), plus what `docker push` asks of ECR and the PassRole that registering a task
 * definition with roles and creating the service need. GetCallerIdentity needs no permission.
 */
export const DEPLOY_ACTIONS: readonly string[] = [
  'ec2:AssociateRouteTable',
  'ec2:AttachInternetGateway',
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:CreateInternetGateway',
  'ec2:CreateRoute',
  'ec2:CreateRouteTable',
  'ec2:CreateSecurityGroup',
  'ec2:CreateSubnet',
  'ec2:CreateVpc',
  'ec2:DeleteInternetGateway',
  'ec2:DeleteRouteTable',
  'ec2:DeleteSecurityGroup',
  'ec2:DeleteSubnet',
  'ec2:DeleteVpc',
  'ec2:DescribeInternetGateways',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  'ec2:DetachInternetGateway',
  'ec2:DisassociateRouteTable',
  'ec2:ModifySubnetAttribute',
  'ec2:ReplaceRoute',
  'ec2:RevokeSecurityGroupIngress',
  'ecr:CreateRepository',
  'ecr:DeleteLifecyclePolicy',
  'ecr:DeleteRepository',
  'ecr:DescribeRepositories',
  'ecr:GetAuthorizationToken',
  'ecr:GetLifecyclePolicy',
  'ecr:PutImageScanningConfiguration',
  'ecr:PutLifecyclePolicy',
  'ecs:CreateCluster',
  'ecs:CreateService',
  'ecs:DeleteCluster',
  'ecs:DeregisterTaskDefinition',
  'ecs:DescribeClusters',
  'ecs:DescribeServices',
  'ecs:DescribeTaskDefinition',
  'ecs:DescribeTasks',
  'ecs:ListTasks',
  'ecs:RegisterTaskDefinition',
  'ecs:UpdateClusterSettings',
  'ecs:UpdateService',
  'elasticloadbalancing:CreateListener',
  'elasticloadbalancing:CreateLoadBalancer',
  'elasticloadbalancing:CreateTargetGroup',
  'elasticloadbalancing:DeleteListener',
  'elasticloadbalancing:DeleteLoadBalancer',
  'elasticloadbalancing:DeleteTargetGroup',
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancerAttributes',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeTargetGroupAttributes',
  'elasticloadbalancing:DescribeTargetGroups',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:ModifyLoadBalancerAttributes',
  'elasticloadbalancing:ModifyTargetGroup',
  'elasticloadbalancing:ModifyTargetGroupAttributes',
  'elasticloadbalancing:SetSecurityGroups',
  'elasticloadbalancing:SetSubnets',
  'iam:AttachRolePolicy',
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
  'iam:PutRolePolicy',
  'iam:UpdateAssumeRolePolicy',
  'logs:CreateLogGroup',
  'logs:DeleteLogGroup',
  'logs:DescribeLogGroups',
  'logs:FilterLogEvents',
  'logs:PutRetentionPolicy',
  'secretsmanager:CreateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:DescribeSecret',
];

/** What `docker push` calls on ECR's API (the registry protocol rides on these actions). */
export const PUSH_ACTIONS: readonly string[] = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:CompleteLayerUpload',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
];

/**
 * What AWS also authorizes when a resource is created with tags, as provisioning creates every
 * resource (each service's "tag on create" rule): without these the first deploy on AWS fails
 * although every create action is granted.
 */
export const TAG_ON_CREATE_ACTIONS: readonly string[] = [
  'ec2:CreateTags',
  'ecr:TagResource',
  'ecs:TagResource',
  'elasticloadbalancing:AddTags',
  'iam:TagRole',
  'logs:TagResource',
  'secretsmanager:TagResource',
];

/**
 * What deploy.yml's own steps call with the role besides `devkit deploy`: its "Gemini key →
 * Secrets Manager" step (describe-secret, then put-secret-value or create-secret).
 */
export const WORKFLOW_ACTIONS: readonly string[] = [
  'secretsmanager:CreateSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:PutSecretValue',
];

/** Every action the deploy role is granted, each once. */
const GRANTED_ACTIONS = [
  ...new Set([...DEPLOY_ACTIONS, ...PUSH_ACTIONS, ...TAG_ON_CREATE_ACTIONS, ...WORKFLOW_ACTIONS]),
];

export interface BootstrapPlan {
  providerArn: string;
  roleName: string;
  roleArn: string;
  trustPolicy: string;
  deployPolicy: string;
}

/** The branch whose pushes deploy a stage (deploy.yml's rule); dev takes every other branch. */
export function stageBranch(stage: string): string {
  return stage === 'prod' ? 'main' : stage === 'staging' ? 'staging' : '*';
}

/**
 * The stage's deploy role: trusted by GitHub's provider for `repository` only, for jobs in the
 * stage's environment (deploy.yml's deploy job runs in one) or on the stage's branch.
 */
export function bootstrapPlan(stack: Stack, accountId: string, repository: string): BootstrapPlan {
  const names = resourceNames(stack);
  const providerArn = `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
  const roleName = `${names.prefix}-deploy`;
  const rolePattern = `arn:aws:iam::${accountId}:role/${names.prefix}-*`;
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE },
          StringLike: {
            [`${GITHUB_OIDC_HOST}:sub`]: [
              `repo:${repository}:environment:${stack.stage}`,
              `repo:${repository}:ref:refs/heads/${stageBranch(stack.stage)}`,
            ],
          },
        },
      },
    ],
  };
  const iamActions = GRANTED_ACTIONS.filter((a) => a.startsWith('iam:'));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Deploy',
        Effect: 'Allow',
        Action: GRANTED_ACTIONS.filter((a) => !a.startsWith('iam:')),
        Resource: '*',
      },
      // The stage's own roles only: the deploy role cannot grant itself or anything else more.
      { Sid: 'StageRoles', Effect: 'Allow', Action: iamActions, Resource: rolePattern },
      {
        Sid: 'PassStageRolesToEcsTasks',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [
          `arn:aws:iam::${accountId}:role/${names.executionRole}`,
          `arn:aws:iam::${accountId}:role/${names.taskRole}`,
        ],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
    ],
  };
  return {
    providerArn,
    roleName,
    roleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
    trustPolicy: canonicalJson(trust),
    deployPolicy: canonicalJson(policy),
  };
}

export type BootstrapStep = { what: string; action: 'created' | 'updated' | 'unchanged' };

/** Creates or corrects the provider and the deploy role; returns what it did, step by step. */
export async function bootstrap(
  clients: AwsClients,
  stack: Stack,
  repository: string,
): Promise<{ plan: BootstrapPlan; steps: BootstrapStep[] }> {
  const { iam } = clients;
  const { Account } = await clients.sts.send(new GetCallerIdentityCommand({}));
  const plan = bootstrapPlan(stack, Account!, repository);
  const steps: BootstrapStep[] = [];

  const provider = await unlessNotFound(
    iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: plan.providerArn })),
  );
  const providerStep = `OIDC provider ${GITHUB_OIDC_URL}`;
  if (!provider) {
    await iam.send(
      new CreateOpenIDConnectProviderCommand({ Url: GITHUB_OIDC_URL, ClientIDList: [STS_AUDIENCE] }),
    );
    steps.push({ what: providerStep, action: 'created' });
  } else if (!provider.ClientIDList?.includes(STS_AUDIENCE)) {
    await iam.send(
      new AddClientIDToOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: plan.providerArn,
        ClientID: STS_AUDIENCE,
      }),
    );
    steps.push({ what: providerStep, action: 'updated' });
  } else steps.push({ what: providerStep, action: 'unchanged' });

  const RoleName = plan.roleName;
  const role = await unlessNotFound(iam.send(new GetRoleCommand({ RoleName })));
  const roleStep = `deploy role ${RoleName}`;
  if (!role?.Role) {
    await iam.send(
      new CreateRoleCommand({
        RoleName,
        AssumeRolePolicyDocument: plan.trustPolicy,
        Description: `Deploys ${resourceNames(stack).prefix} from GitHub Actions (devkit bootstrap)`,
      }),
    );
    steps.push({ what: roleStep, action: 'created' });
  } else if (canonicalJson(readPolicy(role.Role.AssumeRolePolicyDocument)) !== plan.trustPolicy) {
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName, PolicyDocument: plan.trustPolicy }));
    steps.push({ what: `${roleStep} trust policy`, action: 'updated' });
  } else steps.push({ what: roleStep, action: 'unchanged' });

  const policyStep = `deploy role policy ${DEPLOY_POLICY_NAME}`;
  const current = role?.Role
    ? await unlessNotFound(iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: DEPLOY_POLICY_NAME })))
    : undefined;
  if (current && canonicalJson(readPolicy(current.PolicyDocument)) === plan.deployPolicy) {
    steps.push({ what: policyStep, action: 'unchanged' });
  } else {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName,
        PolicyName: DEPLOY_POLICY_NAME,
        PolicyDocument: plan.deployPolicy,
      }),
    );
    steps.push({ what: policyStep, action: current ? 'updated' : 'created' });
  }
  return { plan, steps };
}

/**
 * `devkit doctor`: the provider and the deploy role exist as bootstrap makes them, and the role's
 * policy is the least one `devkit deploy` needs (the bootstrap's own deploy policy, the one source):
 * one finding per action it lacks (fail) or grant it does not need (warn). Before `devkit bootstrap`
 * has run in the local cloud, a missing role is only a warning there.
 */
export async function bootstrapFindings(
  clients: AwsClients,
  stack: Stack,
  options: { local?: boolean } = {},
): Promise<Finding[]> {
  const { iam } = clients;
  const { Account } = await clients.sts.send(new GetCallerIdentityCommand({}));
  const check = 'deploy role (OIDC)';
  const fix = `\`devkit bootstrap --target ${options.local ? 'local' : 'aws'} --stage ${stack.stage} --repository <owner>/<repo>\` creates or corrects it`;
  const absent = options.local ? 'warn' : 'fail';
  const providerArn = `arn:aws:iam::${Account}:oidc-provider/${GITHUB_OIDC_HOST}`;
  const provider = await unlessNotFound(
    iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn })),
  );
  if (!provider?.ClientIDList?.includes(STS_AUDIENCE)) {
    return [
      {
        check,
        status: absent,
        detail: `no OIDC provider for ${GITHUB_OIDC_URL} with audience ${STS_AUDIENCE}`,
        fix,
      },
    ];
  }
  const roleName = `${resourceNames(stack).prefix}-deploy`;
  const role = await unlessNotFound(iam.send(new GetRoleCommand({ RoleName: roleName })));
  if (!role?.Role) return [{ check, status: absent, detail: `role ${roleName} does not exist`, fix }];
  const trust = canonicalJson(readPolicy(role.Role.AssumeRolePolicyDocument));
  if (!trust.includes(providerArn) || !trust.includes(`${GITHUB_OIDC_HOST}:sub`)) {
    return [
      {
        check,
        status: 'fail',
        detail: `${roleName} does not trust GitHub's provider for one repository`,
        fix,
      },
    ];
  }
  const policy = await unlessNotFound(
    iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: DEPLOY_POLICY_NAME })),
  );
  const granted = (policy ? readPolicy(policy.PolicyDocument) : {}) as PolicyDocumentJson;
  // The deploy policy does not depend on the repository (only the trust policy does).
  const minimal = JSON.parse(bootstrapPlan(stack, Account!, '').deployPolicy) as PolicyDocumentJson;
  const differences = policyDifferences(minimal, granted);
  if (differences.length > 0) {
    return differences.map((d) => ({
      check: 'deploy role least privilege',
      status: d.kind === 'missing' ? 'fail' : 'warn',
      detail: `${roleName} (${DEPLOY_POLICY_NAME}): ${d.line}`,
      fix,
    }));
  }
  return [
    {
      check,
      status: 'pass',
      detail: `${role.Role.Arn} trusts ${GITHUB_OIDC_HOST} and has exactly the deploy policy devkit deploy needs`,
    },
  ];
}
