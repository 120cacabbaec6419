/**
 * What each Elastic Load Balancing (v2) operation asks of IAM (Service Authorization Reference,
 * Elastic Load Balancing V2): the ARNs the request names; a load balancer or target group being
 * created by its name (`loadbalancer/app/<name>/*`), and, when created with tags, AddTags too.
 */
import {
  anyResource,
  requestTags,
  taggedOnCreate,
  type AuthorizationCatalogue,
  type AuthorizationScope,
  type OperationAuthorization,
  type RequiredAction,
} from '../../access/authorization.ts';

type Tags = Array<{ Key?: string; Value?: string }> | undefined;

const ARN_MEMBERS = ['LoadBalancerArn', 'TargetGroupArn', 'ListenerArn', 'RuleArn'];

/** Every ARN the request names; `*` when it names none. */
const onNamedArns: OperationAuthorization = (i: Record<string, unknown>, at) => {
  const arns = [
    ...ARN_MEMBERS.map((member) => i[member]).filter((v): v is string => typeof v === 'string'),
    ...((i.ResourceArns as string[] | undefined) ?? []),
    ...((i.RulePriorities as Array<{ RuleArn?: string }> | undefined) ?? []).flatMap((r) => r.RuleArn ?? []),
  ];
  return arns.length > 0
    ? arns.map((resource) => ({ action: at.action, resource, context: requestTags(i.Tags as Tags) }))
    : '*';
};

/** A resource created with tags needs elasticloadbalancing:AddTags on it too (since 2023). */
function created(resource: string, tags: Tags, at: AuthorizationScope): RequiredAction[] {
  const entry = { action: at.action, resource, context: requestTags(tags) };
  return taggedOnCreate(entry, (tags?.length ?? 0) > 0, {
    action: 'elasticloadbalancing:AddTags',
  });
}

const loadBalancerType = (type: string | undefined) =>
  type === 'network' ? 'net' : type === 'gateway' ? 'gwy' : 'app';

export const elbv2Authorization: AuthorizationCatalogue = {
  prefix: 'elasticloadbalancing',
  operations: {
    CreateLoadBalancer: (i, at) =>
      created(at.arn(`loadbalancer/${loadBalancerType(i.Type)}/${i.Name}/*`), i.Tags, at),
    DescribeLoadBalancers: anyResource,
    DeleteLoadBalancer: onNamedArns,
    DescribeLoadBalancerAttributes: anyResource,
    ModifyLoadBalancerAttributes: onNamedArns,
    SetSecurityGroups: onNamedArns,
    SetSubnets: onNamedArns,
    SetIpAddressType: onNamedArns,
    DescribeCapacityReservation: anyResource,
    DescribeAccountLimits: anyResource,
    CreateTargetGroup: (i, at) => created(at.arn(`targetgroup/${i.Name}/*`), i.Tags, at),
    DescribeTargetGroups: anyResource,
    ModifyTargetGroup: onNamedArns,
    DeleteTargetGroup: onNamedArns,
    DescribeTargetGroupAttributes: anyResource,
    ModifyTargetGroupAttributes: onNamedArns,
    CreateListener: (i, at) => created(i.LoadBalancerArn, i.Tags, at),
    DescribeListeners: anyResource,
    ModifyListener: onNamedArns,
    DeleteListener: onNamedArns,
    DescribeListenerAttributes: anyResource,
    ModifyListenerAttributes: onNamedArns,
    AddListenerCertificates: onNamedArns,
    DescribeListenerCertificates: anyResource,
    RemoveListenerCertificates: onNamedArns,
    DescribeSSLPolicies: anyResource,
    CreateRule: (i, at) => created(i.ListenerArn, i.Tags, at),
    DescribeRules: anyResource,
    ModifyRule: onNamedArns,
    DeleteRule: onNamedArns,
    SetRulePriorities: onNamedArns,
    RegisterTargets: onNamedArns,
    DeregisterTargets: onNamedArns,
    DescribeTargetHealth: anyResource,
    AddTags: onNamedArns,
    RemoveTags: (i: { ResourceArns?: string[]; TagKeys?: string[] }, at) =>
      (i.ResourceArns ?? []).map((resource) => ({
        action: at.action,
        resource,
        context: { 'aws:TagKeys': i.TagKeys },
      })),
    DescribeTags: anyResource,
  },
};
