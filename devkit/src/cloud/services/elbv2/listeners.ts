/** HTTP listeners: create, describe, modify, delete (a listener's rules go with it). */
import type {
  CreateListenerInput,
  CreateListenerOutput,
  DeleteListenerInput,
  DeleteListenerOutput,
  DescribeListenersInput,
  DescribeListenersOutput,
  Listener,
  ModifyListenerInput,
  ModifyListenerOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Checked, Handler } from '../../service-definition.ts';
import { hexId } from '../common.ts';
import { checkActions } from './actions.ts';
import { elbError } from './errors.ts';
import { page } from './paging.ts';
import type { Elbv2State, ListenerRecord, LoadBalancerRecord } from './state.ts';
import { requireListener, requireLoadBalancer } from './state.ts';
import { checkTags } from './tags.ts';

/** AWS's default quota of listeners per Application Load Balancer. */
const MAX_LISTENERS = 50;

export function listenerView(listener: ListenerRecord): Listener {
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol as Listener['Protocol'],
    DefaultActions: listener.defaultActions,
  };
}

/** The local cloud serves plain HTTP (no certificates to terminate TLS with). */
function checkProtocol(protocol: string): void {
  if (protocol !== 'HTTP') {
    throw elbError(
      'UnsupportedProtocol',
      `The local cloud serves HTTP listeners only; protocol '${protocol}' is not supported`,
    );
  }
}

function checkPortFree(state: Elbv2State, lb: LoadBalancerRecord, port: number, except?: string): void {
  const taken = Object.values(state.listeners).some(
    (l) => l.loadBalancerArn === lb.arn && l.port === port && l.arn !== except,
  );
  if (taken)
    throw elbError('DuplicateListener', 'A listener already exists on this port for this load balancer');
}

export const createListener: Handler<
  Checked<CreateListenerInput, 'LoadBalancerArn' | 'DefaultActions'>,
  CreateListenerOutput,
  Elbv2State
> = (input, ctx) => {
  const lb = requireLoadBalancer(ctx.state, input.LoadBalancerArn);
  const protocol = input.Protocol ?? 'HTTP';
  checkProtocol(protocol);
  if (input.Port === undefined) throw elbError('ValidationError', 'A listener port must be specified');
  const existing = Object.values(ctx.state.listeners).find(
    (l) => l.loadBalancerArn === lb.arn && l.port === input.Port,
  );
  const defaultActions = checkActions(ctx.state, lb, input.DefaultActions);
  if (existing) {
    // The same listener again is returned as it is (idempotent); a different one is a duplicate.
    if (
      JSON.stringify(existing.defaultActions) === JSON.stringify(defaultActions) &&
      existing.protocol === protocol
    ) {
      return { Listeners: [listenerView(existing)] };
    }
    throw elbError('DuplicateListener', 'A listener already exists on this port for this load balancer');
  }
  if (
    Object.values(ctx.state.listeners).filter((l) => l.loadBalancerArn === lb.arn).length >= MAX_LISTENERS
  ) {
    throw elbError(
      'TooManyListeners',
      `You've reached the limit on the number of listeners per load balancer`,
    );
  }
  const tags = checkTags([], input.Tags ?? []);
  const listener: ListenerRecord = {
    arn: lb.arn.replace(':loadbalancer/', ':listener/') + `/${hexId(8)}`,
    loadBalancerArn: lb.arn,
    port: input.Port,
    protocol,
    defaultActions,
  };
  ctx.state.listeners[listener.arn] = listener;
  if (tags.length) ctx.state.tags[listener.arn] = tags;
  return { Listeners: [listenerView(listener)] };
};

export const describeListeners: Handler<DescribeListenersInput, DescribeListenersOutput, Elbv2State> = (
  input,
  ctx,
) => {
  let chosen: ListenerRecord[];
  if (input.ListenerArns?.length) {
    chosen = input.ListenerArns.map((arn) => requireListener(ctx.state, arn));
  } else if (input.LoadBalancerArn !== undefined) {
    requireLoadBalancer(ctx.state, input.LoadBalancerArn);
    chosen = Object.values(ctx.state.listeners)
      .filter((l) => l.loadBalancerArn === input.LoadBalancerArn)
      .sort((a, b) => a.port - b.port);
  } else {
    throw elbError('ValidationError', 'You must specify either listener ARNs or a load balancer ARN');
  }
  const { page: items, NextMarker } = page(chosen, input);
  return { Listeners: items.map(listenerView), ...(NextMarker ? { NextMarker } : {}) };
};

export const modifyListener: Handler<
  Checked<ModifyListenerInput, 'ListenerArn'>,
  ModifyListenerOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireListener(ctx.state, input.ListenerArn);
  const lb = requireLoadBalancer(ctx.state, listener.loadBalancerArn);
  if (input.Protocol !== undefined) checkProtocol(input.Protocol);
  if (input.Port !== undefined) checkPortFree(ctx.state, lb, input.Port, listener.arn);
  const defaultActions = input.DefaultActions?.length
    ? checkActions(ctx.state, lb, input.DefaultActions)
    : listener.defaultActions;
  listener.port = input.Port ?? listener.port;
  listener.protocol = input.Protocol ?? listener.protocol;
  listener.defaultActions = defaultActions;
  return { Listeners: [listenerView(listener)] };
};

export const deleteListener: Handler<
  Checked<DeleteListenerInput, 'ListenerArn'>,
  DeleteListenerOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireListener(ctx.state, input.ListenerArn);
  for (const rule of Object.values(ctx.state.rules)) {
    if (rule.listenerArn !== listener.arn) continue;
    delete ctx.state.rules[rule.arn];
    delete ctx.state.tags[rule.arn];
  }
  delete ctx.state.listeners[listener.arn];
  delete ctx.state.tags[listener.arn];
  return {};
};
