/**
 * HTTP and HTTPS listeners: create, describe, modify, delete (a listener's rules go with it), and
 * their attributes. An HTTPS listener has a security policy and a default certificate.
 */
import type {
  Certificate,
  CreateListenerInput,
  CreateListenerOutput,
  DeleteListenerInput,
  DeleteListenerOutput,
  DescribeListenerAttributesInput,
  DescribeListenerAttributesOutput,
  DescribeListenersInput,
  DescribeListenersOutput,
  Listener,
  ModifyListenerAttributesInput,
  ModifyListenerAttributesOutput,
  ModifyListenerInput,
  ModifyListenerOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { hexId } from '../common.ts';
import { checkActions } from './actions.ts';
import { attributeList, defaultAttributes, modifyAttributes } from './attributes.ts';
import { defaultCertificate } from './certificates.ts';
import { elbError } from './errors.ts';
import { page } from './paging.ts';
import type { Elbv2State, ListenerRecord, LoadBalancerRecord } from './state.ts';
import { requireListener, requireLoadBalancer } from './state.ts';
import { DEFAULT_SSL_POLICY, requireSecurityPolicy } from './ssl-policies.ts';
import { checkTags } from './tags.ts';
import { QUOTAS } from './limits.ts';

/** AWS's default quota of listeners per Application Load Balancer. */
const MAX_LISTENERS = QUOTAS['listeners-per-application-load-balancer'];

export function listenerView(listener: ListenerRecord): Listener {
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancerArn,
    Port: listener.port,
    Protocol: listener.protocol as Listener['Protocol'],
    DefaultActions: listener.defaultActions,
    ...(listener.sslPolicy ? { SslPolicy: listener.sslPolicy } : {}),
    ...(listener.certificates
      ? { Certificates: listener.certificates.map((c) => ({ CertificateArn: c.arn })) }
      : {}),
  };
}

/** An Application Load Balancer's listeners speak HTTP or HTTPS (TCP, TLS, UDP are other types'). */
function checkProtocol(protocol: string): void {
  if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
    throw elbError(
      'UnsupportedProtocol',
      `Protocol '${protocol}' is not supported by Application Load Balancers: use HTTP or HTTPS`,
    );
  }
}

/** Mutual TLS needs trust stores, which the local cloud does not have: `off` only, said plainly. */
function checkMutualAuthentication(mode: string | undefined): void {
  if (mode !== undefined && mode !== 'off') {
    throw elbError(
      'InvalidConfigurationRequest',
      `Mutual authentication mode '${mode}' is not available in the local cloud (it has no trust stores): use 'off'`,
    );
  }
}

/** An HTTPS listener's policy and default certificate; an HTTP listener takes neither. */
function tlsSettings(
  ctx: RequestContext<Elbv2State>,
  protocol: string,
  sslPolicy: string | undefined,
  certificates: readonly Certificate[] | undefined,
): Pick<ListenerRecord, 'sslPolicy' | 'certificates'> {
  if (protocol === 'HTTP') {
    if (sslPolicy !== undefined || certificates?.length) {
      throw elbError('ValidationError', 'An HTTP listener has no SSL policy or certificates: use HTTPS');
    }
    return {};
  }
  return {
    sslPolicy: requireSecurityPolicy(sslPolicy ?? DEFAULT_SSL_POLICY).name,
    certificates: defaultCertificate(ctx, certificates),
  };
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
  const tls = tlsSettings(ctx, protocol, input.SslPolicy, input.Certificates);
  checkMutualAuthentication(input.MutualAuthentication?.Mode);
  if (existing) {
    // The same listener again is returned as it is (idempotent); a different one is a duplicate.
    if (
      JSON.stringify(existing.defaultActions) === JSON.stringify(defaultActions) &&
      existing.protocol === protocol &&
      existing.sslPolicy === tls.sslPolicy &&
      JSON.stringify(existing.certificates) === JSON.stringify(tls.certificates)
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
    ...tls,
    attributes: defaultAttributes('Listener'),
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
  const protocol = input.Protocol ?? listener.protocol;
  checkProtocol(protocol);
  checkMutualAuthentication(input.MutualAuthentication?.Mode);
  if (input.Port !== undefined) checkPortFree(ctx.state, lb, input.Port, listener.arn);
  const defaultActions = input.DefaultActions?.length
    ? checkActions(ctx.state, lb, input.DefaultActions)
    : listener.defaultActions;
  // What is not given stays, unless the protocol changes: HTTPS to HTTP drops the policy and
  // certificates; HTTP to HTTPS must bring a certificate.
  const staying = protocol === listener.protocol;
  const tls = tlsSettings(
    ctx,
    protocol,
    input.SslPolicy ?? (staying ? listener.sslPolicy : undefined),
    input.Certificates?.length
      ? input.Certificates
      : staying
        ? listener.certificates?.map((c) => ({ CertificateArn: c.arn }))
        : undefined,
  );
  listener.port = input.Port ?? listener.port;
  listener.protocol = protocol;
  listener.defaultActions = defaultActions;
  delete listener.sslPolicy;
  delete listener.certificates;
  if (protocol === 'HTTP') delete listener.certificateList;
  Object.assign(listener, tls);
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

export const describeListenerAttributes: Handler<
  Checked<DescribeListenerAttributesInput, 'ListenerArn'>,
  DescribeListenerAttributesOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireListener(ctx.state, input.ListenerArn);
  return { Attributes: attributeList(listener.attributes ?? defaultAttributes('Listener')) };
};

export const modifyListenerAttributes: Handler<
  Checked<ModifyListenerAttributesInput, 'ListenerArn' | 'Attributes'>,
  ModifyListenerAttributesOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireListener(ctx.state, input.ListenerArn);
  listener.attributes ??= defaultAttributes('Listener');
  return { Attributes: modifyAttributes('Listener', listener.attributes, input.Attributes) };
};
