/** ELBv2's recorded state (one per region) and the lookups every handler shares. */
import type {
  Action,
  LoadBalancerStateEnum,
  RuleCondition,
  Tag,
  TargetHealthReasonEnum,
  TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { defaultListenerRuleArn, forwardedGroups, nameMap } from '../common.ts';

export { forwardedGroups };
import { listenerNotFound, loadBalancerNotFound, ruleNotFound, targetGroupNotFound } from './errors.ts';

export interface LoadBalancerRecord {
  arn: string;
  name: string;
  /** The ARN's last segment (16 hex digits), also in the DNS name. */
  id: string;
  dnsName: string;
  createdMs: number;
  scheme: 'internet-facing' | 'internal';
  ipAddressType: string;
  vpcId: string;
  subnets: Array<{ subnetId: string; zone: string }>;
  securityGroups: string[];
  /** `active`, or `active_impaired` with the reason when a listener cannot serve (its port is taken). */
  state: { code: LoadBalancerStateEnum; reason?: string };
  attributes: Record<string, string>;
}

export interface HealthCheckRecord {
  enabled: boolean;
  protocol: string;
  /** `traffic-port` or a port number as text, as AWS keeps it. */
  port: string;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** HTTP codes: `200`, `200,202` or `200-299`. */
  matcher: string;
}

export interface TargetHealthRecord {
  state: TargetHealthStateEnum;
  reason?: TargetHealthReasonEnum;
  description?: string;
}

export interface TargetRecord {
  id: string;
  port: number;
  availabilityZone?: string;
  registeredMs: number;
  health: TargetHealthRecord;
  /** Deregistered: draining until then (the target group's deregistration delay), then gone. */
  drainUntilMs?: number;
}

export interface TargetGroupRecord {
  arn: string;
  name: string;
  protocol: string;
  protocolVersion: string;
  port: number;
  vpcId: string;
  targetType: 'ip' | 'instance';
  ipAddressType: string;
  healthCheck: HealthCheckRecord;
  attributes: Record<string, string>;
  /** By `id:port`. */
  targets: Record<string, TargetRecord>;
}

/** An IAM server certificate a listener serves: the ARN as given, and IAM's id (stable across renames). */
export interface ListenerCertificateRecord {
  arn: string;
  serverCertificateId: string;
}

export interface ListenerRecord {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  defaultActions: Action[];
  /** HTTPS: the security policy's name. */
  sslPolicy?: string;
  /** HTTPS: the default certificate (exactly one). */
  certificates?: ListenerCertificateRecord[];
  /** HTTPS: the certificate list (AddListenerCertificates), chosen by SNI. */
  certificateList?: ListenerCertificateRecord[];
  /** Absent in state saved before listener attributes: the defaults. */
  attributes?: Record<string, string>;
}

export interface RuleRecord {
  arn: string;
  listenerArn: string;
  /** 1–50000; the listener's default rule has none. */
  priority?: number;
  conditions: RuleCondition[];
  actions: Action[];
}

export interface Elbv2State {
  loadBalancers: Record<string, LoadBalancerRecord>;
  targetGroups: Record<string, TargetGroupRecord>;
  listeners: Record<string, ListenerRecord>;
  /** Rules with a priority; a listener's default rule is its default actions. */
  rules: Record<string, RuleRecord>;
  /** By resource ARN. */
  tags: Record<string, Tag[]>;
}

export const initialElbv2State = (): Elbv2State => ({
  loadBalancers: nameMap(),
  targetGroups: nameMap(),
  listeners: nameMap(),
  rules: nameMap(),
  tags: nameMap(),
});

export function requireLoadBalancer(state: Elbv2State, arn: string): LoadBalancerRecord {
  const lb = state.loadBalancers[arn];
  if (!lb) throw loadBalancerNotFound();
  return lb;
}

export function requireTargetGroup(state: Elbv2State, arn: string): TargetGroupRecord {
  const tg = state.targetGroups[arn];
  if (!tg) throw targetGroupNotFound();
  return tg;
}

export function requireListener(state: Elbv2State, arn: string): ListenerRecord {
  const listener = state.listeners[arn];
  if (!listener) throw listenerNotFound();
  return listener;
}

/** The default rule's ARN: the listener's ARN with `listener-rule` and a fixed last segment. */
export function defaultRuleArn(listener: ListenerRecord): string {
  return defaultListenerRuleArn(listener.arn);
}

/** A rule with a priority, or a listener's default rule seen as one. */
export function requireRule(state: Elbv2State, arn: string): RuleRecord & { isDefault: boolean } {
  const rule = state.rules[arn];
  if (rule) return { ...rule, isDefault: false };
  const listener = Object.values(state.listeners).find((l) => defaultRuleArn(l) === arn);
  if (!listener) throw ruleNotFound();
  return {
    arn,
    listenerArn: listener.arn,
    conditions: [],
    actions: listener.defaultActions,
    isDefault: true,
  };
}

/** The load balancers whose listeners or rules forward to the target group. */
export function loadBalancersOf(state: Elbv2State, targetGroupArn: string): string[] {
  const arns = new Set<string>();
  for (const listener of Object.values(state.listeners)) {
    const rules = Object.values(state.rules).filter((r) => r.listenerArn === listener.arn);
    const actions = [...listener.defaultActions, ...rules.flatMap((r) => r.actions)];
    if (forwardedGroups(actions).includes(targetGroupArn)) arns.add(listener.loadBalancerArn);
  }
  return [...arns];
}

/** The rules of a listener, highest precedence first (lowest priority number). */
export function rulesOf(state: Elbv2State, listenerArn: string): RuleRecord[] {
  return Object.values(state.rules)
    .filter((r) => r.listenerArn === listenerArn)
    .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
}

export function targetKey(id: string, port: number): string {
  return `${id}:${port}`;
}

/** Draining targets whose deregistration delay is over are gone. */
export function liveTargets(group: TargetGroupRecord, now: number): TargetRecord[] {
  return Object.values(group.targets).filter((t) => t.drainUntilMs === undefined || t.drainUntilMs > now);
}

/** Drops the targets that finished draining (called by any change to the group). */
export function pruneDrained(group: TargetGroupRecord, now: number): void {
  for (const [key, target] of Object.entries(group.targets)) {
    if (target.drainUntilMs !== undefined && target.drainUntilMs <= now) delete group.targets[key];
  }
}
