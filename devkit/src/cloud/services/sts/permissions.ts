/**
 * What each STS operation asks of IAM: GetCallerIdentity and GetSessionToken need no permission
 * (they work even under an explicit deny); AssumeRole needs sts:AssumeRole on the role, its trust
 * policy being the role's resource policy; AssumeRoleWithWebIdentity is unsigned: the trust policy
 * alone decides; GetFederationToken needs sts:GetFederationToken on the federated user it names;
 * DecodeAuthorizationMessage needs sts:DecodeAuthorizationMessage (no resource type).
 */
import { anyResource, noPermission, type AuthorizationCatalogue } from '../../access/authorization.ts';
import { roleByArn } from '../../access/identities.ts';

export const stsAuthorization: AuthorizationCatalogue = {
  prefix: 'sts',
  operations: {
    GetCallerIdentity: noPermission,
    AssumeRole: (i, at) => {
      const role = roleByArn(at.store, i.RoleArn);
      return [
        {
          action: at.action,
          resource: i.RoleArn,
          ...(role
            ? {
                resourcePolicy: {
                  source: `trust policy of ${role.arn}`,
                  text: role.assumeRolePolicyDocument,
                  kind: 'trust' as const,
                },
              }
            : {}),
        },
      ];
    },
    AssumeRoleWithWebIdentity: noPermission,
    DecodeAuthorizationMessage: anyResource,
    GetSessionToken: noPermission,
    GetFederationToken: (i, at) => [`arn:aws:sts::${at.accountId}:federated-user/${i.Name}`],
    GetAccessKeyInfo: anyResource,
  },
};
