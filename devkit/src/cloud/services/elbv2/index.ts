import * as sdk from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbv2Authorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import {
  addListenerCertificates,
  describeListenerCertificates,
  removeListenerCertificates,
} from './certificates.ts';
import { describeAccountLimits } from './limits.ts';
import {
  createListener,
  deleteListener,
  describeListenerAttributes,
  describeListeners,
  modifyListener,
  modifyListenerAttributes,
} from './listeners.ts';
import {
  createLoadBalancer,
  deleteLoadBalancer,
  describeCapacityReservation,
  describeLoadBalancerAttributes,
  describeLoadBalancers,
  modifyLoadBalancerAttributes,
  setIpAddressType,
  setSecurityGroups,
  setSubnets,
} from './load-balancers.ts';
import { createRule, deleteRule, describeRules, modifyRule, setRulePriorities } from './rules.ts';
import { describeSSLPolicies } from './ssl-policies.ts';
import { initialElbv2State, type Elbv2State } from './state.ts';
import { addTags, describeTags, removeTags } from './tags.ts';
import {
  createTargetGroup,
  deleteTargetGroup,
  describeTargetGroupAttributes,
  describeTargetGroups,
  modifyTargetGroup,
  modifyTargetGroupAttributes,
} from './target-groups.ts';
import { deregisterTargets, describeTargetHealth, registerTargets } from './targets.ts';

export type { Elbv2State } from './state.ts';

/**
 * Elastic Load Balancing v2: Application Load Balancers, HTTP and HTTPS listeners (IAM server
 * certificates, AWS's security policies), rules, target groups, targets.
 */
export const elbv2: ServiceDefinition<Elbv2State> = {
  signingName: 'elasticloadbalancing',
  protocol: 'awsQuery',
  constraintError: 'ValidationError',
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  schemas: sdk,
  initialState: initialElbv2State,
  authorization: elbv2Authorization,
  operations: {
    CreateLoadBalancer: createLoadBalancer,
    DescribeLoadBalancers: describeLoadBalancers,
    DeleteLoadBalancer: deleteLoadBalancer,
    DescribeLoadBalancerAttributes: describeLoadBalancerAttributes,
    ModifyLoadBalancerAttributes: modifyLoadBalancerAttributes,
    SetSecurityGroups: setSecurityGroups,
    SetSubnets: setSubnets,
    SetIpAddressType: setIpAddressType,
    DescribeCapacityReservation: describeCapacityReservation,
    DescribeAccountLimits: describeAccountLimits,
    CreateTargetGroup: createTargetGroup,
    DescribeTargetGroups: describeTargetGroups,
    ModifyTargetGroup: modifyTargetGroup,
    DeleteTargetGroup: deleteTargetGroup,
    DescribeTargetGroupAttributes: describeTargetGroupAttributes,
    ModifyTargetGroupAttributes: modifyTargetGroupAttributes,
    CreateListener: createListener,
    DescribeListeners: describeListeners,
    ModifyListener: modifyListener,
    DeleteListener: deleteListener,
    DescribeListenerAttributes: describeListenerAttributes,
    ModifyListenerAttributes: modifyListenerAttributes,
    AddListenerCertificates: addListenerCertificates,
    DescribeListenerCertificates: describeListenerCertificates,
    RemoveListenerCertificates: removeListenerCertificates,
    DescribeSSLPolicies: describeSSLPolicies,
    CreateRule: createRule,
    DescribeRules: describeRules,
    ModifyRule: modifyRule,
    DeleteRule: deleteRule,
    SetRulePriorities: setRulePriorities,
    RegisterTargets: registerTargets,
    DeregisterTargets: deregisterTargets,
    DescribeTargetHealth: describeTargetHealth,
    AddTags: addTags,
    RemoveTags: removeTags,
    DescribeTags: describeTags,
  },
};
