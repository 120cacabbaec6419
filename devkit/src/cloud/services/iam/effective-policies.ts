/**
 * What a role may do, as data: the documents of its attached managed policies (default versions)
 * and of its inline policies. For callers outside the API, such as `devkit doctor`'s least-privilege
 * check or the ECS runtime deciding whether an execution role may read a secret.
 */
import { parsePolicyDocument, type PolicyDocument } from '../../access/policy-document.ts';
import { defaultVersion, findPolicy, type IamState } from './state.ts';

export interface EffectivePolicy {
  /** The managed policy's ARN, or the inline policy's name. */
  source: string;
  kind: 'managed' | 'inline';
  document: PolicyDocument;
}

/** The role's permission policies; undefined when there is no such role. */
export function effectivePolicies(state: IamState, roleName: string): EffectivePolicy[] | undefined {
  const role = state.roles[roleName.toLowerCase()];
  if (!role) return undefined;
  const managed = role.attachedPolicyArns.flatMap((arn) => {
    const policy = findPolicy(state, arn);
    return policy
      ? [
          {
            source: arn,
            kind: 'managed' as const,
            document: parsePolicyDocument(defaultVersion(policy).document, 'permissions'),
          },
        ]
      : [];
  });
  const inline = Object.entries(role.inlinePolicies).map(([name, text]) => ({
    source: name,
    kind: 'inline' as const,
    document: parsePolicyDocument(text, 'permissions'),
  }));
  return [...managed, ...inline];
}
