/** The AWS managed policies the local cloud knows, with their real documents, by ARN. */
import type { ManagedPolicyRecord } from './identities.ts';

function awsManaged(
  path: string,
  name: string,
  id: string,
  created: string,
  description: string,
  document: object,
): ManagedPolicyRecord {
  const createdMs = Date.parse(created);
  return {
    name,
    id,
    path,
    arn: `arn:aws:iam::aws:policy${path}${name}`,
    description,
    createdMs,
    updatedMs: createdMs,
    defaultVersionId: 'v1',
    versions: [{ versionId: 'v1', document: JSON.stringify(document, null, 4), createdMs }],
    tags: [],
  };
}

const policies = [
  awsManaged(
    '/service-role/',
    'AmazonECSTaskExecutionRolePolicy',
    'ANPAJG4T4G4PV56DE72PY',
    '2017-11-16T18:48:22Z',
    'Provides access to other AWS service resources that are required to run Amazon ECS tasks',
    {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'ecr:GetAuthorizationToken',
            'ecr:BatchCheckLayerAvailability',
            'ecr:GetDownloadUrlForLayer',
            'ecr:BatchGetImage',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
          ],
          Resource: '*',
        },
      ],
    },
  ),
];

export const AWS_MANAGED_POLICIES: ReadonlyMap<string, ManagedPolicyRecord> = new Map(
  policies.map((p) => [p.arn, p]),
);
