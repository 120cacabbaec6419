/** ELBv2's error types, by their query codes (what `<Code>` carries and the SDK maps to its exceptions). */
import { ServiceError } from '../../protocol/errors.ts';

type Code =
  | 'CertificateNotFound'
  | 'DuplicateListener'
  | 'DuplicateLoadBalancerName'
  | 'DuplicateTagKeys'
  | 'DuplicateTargetGroupName'
  | 'IncompatibleProtocols'
  | 'InvalidConfigurationRequest'
  | 'InvalidLoadBalancerAction'
  | 'InvalidSecurityGroup'
  | 'InvalidSubnet'
  | 'InvalidTarget'
  | 'ListenerNotFound'
  | 'LoadBalancerNotFound'
  | 'OperationNotPermitted'
  | 'PriorityInUse'
  | 'ResourceInUse'
  | 'RuleNotFound'
  | 'SSLPolicyNotFound'
  | 'SubnetNotFound'
  | 'TargetGroupAssociationLimit'
  | 'TargetGroupNotFound'
  | 'TooManyActions'
  | 'TooManyCertificates'
  | 'TooManyListeners'
  | 'TooManyLoadBalancers'
  | 'TooManyRules'
  | 'TooManyTags'
  | 'TooManyTargetGroups'
  | 'TooManyTargets'
  | 'UnsupportedProtocol'
  | 'ValidationError';

export function elbError(code: Code, message: string): ServiceError {
  return new ServiceError(message, { code });
}

export const loadBalancerNotFound = (): ServiceError =>
  elbError('LoadBalancerNotFound', 'One or more load balancers not found');
export const targetGroupNotFound = (): ServiceError =>
  elbError('TargetGroupNotFound', 'One or more target groups not found');
export const listenerNotFound = (): ServiceError =>
  elbError('ListenerNotFound', 'One or more listeners not found');
export const ruleNotFound = (): ServiceError => elbError('RuleNotFound', 'One or more rules not found');
