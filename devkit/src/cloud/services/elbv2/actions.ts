/**
 * Listener and rule actions and rule conditions: checked as AWS checks them for an Application
 * Load Balancer's HTTP listener, and stored in the form DescribeListeners/DescribeRules return.
 */
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import { elbError, targetGroupNotFound } from './errors.ts';
import type { Elbv2State, LoadBalancerRecord } from './state.ts';
import { defaultRuleArn, loadBalancersOf } from './state.ts';
import { QUOTAS } from './limits.ts';

const TERMINAL = new Set(['forward', 'redirect', 'fixed-response']);
const MAX_ACTIONS = 5;
const MAX_TARGET_GROUPS_PER_FORWARD = QUOTAS['target-groups-per-action-on-application-load-balancer'];
const CONTENT_TYPES = ['text/plain', 'text/css', 'text/html', 'application/javascript', 'application/json'];

function forwardAction(state: Elbv2State, lb: LoadBalancerRecord, action: Action): Action {
  const tuples = action.ForwardConfig?.TargetGroups ?? [];
  if (
    action.TargetGroupArn &&
    tuples.length &&
    !(tuples.length === 1 && tuples[0]!.TargetGroupArn === action.TargetGroupArn)
  ) {
    throw elbError(
      'ValidationError',
      'You cannot specify both a target group ARN and a forward config with different target groups',
    );
  }
  const groups = tuples.length
    ? tuples
    : action.TargetGroupArn
      ? [{ TargetGroupArn: action.TargetGroupArn }]
      : [];
  if (groups.length === 0) {
    throw elbError('ValidationError', "A target group ARN must be specified for a 'forward' action");
  }
  if (groups.length > MAX_TARGET_GROUPS_PER_FORWARD) {
    throw elbError(
      'ValidationError',
      `A forward action can have at most ${MAX_TARGET_GROUPS_PER_FORWARD} target groups`,
    );
  }
  for (const { TargetGroupArn: arn, Weight: weight } of groups) {
    const tg = arn === undefined ? undefined : state.targetGroups[arn];
    if (!tg) throw targetGroupNotFound();
    if (weight !== undefined && (weight < 0 || weight > 999)) {
      throw elbError('ValidationError', 'Target group weights must be from 0 to 999');
    }
    if (tg.vpcId !== lb.vpcId) {
      throw elbError(
        'InvalidConfigurationRequest',
        `Target group '${tg.arn}' is in VPC '${tg.vpcId}', not in the load balancer's VPC '${lb.vpcId}'`,
      );
    }
    const others = loadBalancersOf(state, tg.arn).filter((a) => a !== lb.arn);
    if (others.length) {
      throw elbError(
        'TargetGroupAssociationLimit',
        `The following target groups cannot be associated with more than one load balancer: ${tg.arn}`,
      );
    }
  }
  const targetGroups = groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn!, Weight: g.Weight ?? 1 }));
  return {
    Type: 'forward',
    ...(targetGroups.length === 1 ? { TargetGroupArn: targetGroups[0]!.TargetGroupArn } : {}),
    ...(action.Order === undefined ? {} : { Order: action.Order }),
    ForwardConfig: {
      TargetGroups: targetGroups,
      TargetGroupStickinessConfig: {
        Enabled: action.ForwardConfig?.TargetGroupStickinessConfig?.Enabled ?? false,
      },
    },
  };
}

function fixedResponseAction(action: Action): Action {
  const config = action.FixedResponseConfig;
  if (!config)
    throw elbError(
      'ValidationError',
      "A fixed response config must be specified for a 'fixed-response' action",
    );
  if (config.ContentType !== undefined && !CONTENT_TYPES.includes(config.ContentType)) {
    throw elbError(
      'ValidationError',
      `Content type '${config.ContentType}' must be one of ${CONTENT_TYPES.join(', ')}`,
    );
  }
  return {
    Type: 'fixed-response',
    ...(action.Order === undefined ? {} : { Order: action.Order }),
    FixedResponseConfig: {
      StatusCode: config.StatusCode,
      ...(config.ContentType ? { ContentType: config.ContentType } : {}),
      ...(config.MessageBody !== undefined ? { MessageBody: config.MessageBody } : {}),
    },
  };
}

function redirectAction(action: Action): Action {
  const config = action.RedirectConfig;
  if (!config)
    throw elbError('ValidationError', "A redirect config must be specified for a 'redirect' action");
  return {
    Type: 'redirect',
    ...(action.Order === undefined ? {} : { Order: action.Order }),
    RedirectConfig: {
      Protocol: config.Protocol ?? '#{protocol}',
      Port: config.Port ?? '#{port}',
      Host: config.Host ?? '#{host}',
      Path: config.Path ?? '/#{path}',
      Query: config.Query ?? '#{query}',
      StatusCode: config.StatusCode,
    },
  };
}

/** A listener's or rule's actions: one terminal action, last; each checked and normalized. */
export function checkActions(
  state: Elbv2State,
  lb: LoadBalancerRecord,
  actions: readonly Action[],
): Action[] {
  if (actions.length === 0) throw elbError('ValidationError', 'At least one action must be specified');
  if (actions.length > MAX_ACTIONS)
    throw elbError('TooManyActions', `A rule can have at most ${MAX_ACTIONS} actions`);
  const ordered = actions.map((a, i) => ({ a, order: a.Order ?? i + 1 })).sort((x, y) => x.order - y.order);
  if (new Set(ordered.map((o) => o.order)).size !== ordered.length) {
    throw elbError('ValidationError', 'Action orders must be unique');
  }
  const terminal = ordered.filter((o) => TERMINAL.has(String(o.a.Type)));
  if (terminal.length !== 1 || terminal[0] !== ordered.at(-1)) {
    throw elbError(
      'InvalidLoadBalancerAction',
      "Exactly one of 'forward', 'redirect' or 'fixed-response' must be specified, as the last action",
    );
  }
  return ordered.map(({ a }) => {
    switch (a.Type) {
      case 'forward':
        return forwardAction(state, lb, a);
      case 'fixed-response':
        return fixedResponseAction(a);
      case 'redirect':
        return redirectAction(a);
      default:
        throw elbError(
          'InvalidLoadBalancerAction',
          `Action type '${a.Type}' is supported only on HTTPS listeners`,
        );
    }
  });
}

const CONDITION_CONFIGS = {
  'path-pattern': { config: 'PathPatternConfig', chars: /^[A-Za-z0-9_\-.$/~"'@:+&*?]+$/ },
  'host-header': { config: 'HostHeaderConfig', chars: /^[A-Za-z0-9\-.*?]+$/ },
  'http-request-method': { config: 'HttpRequestMethodConfig', chars: /^[A-Za-z_-]+$/ },
} as const;
type ConditionField = keyof typeof CONDITION_CONFIGS;

/** AWS's limit on condition values in one rule. */
const MAX_CONDITION_VALUES = QUOTAS['condition-values-per-alb-rule'];
const MAX_VALUE_LENGTH = 128;

/** A rule's conditions: each field once, up to five values in all, stored as AWS returns them. */
export function checkConditions(conditions: readonly RuleCondition[]): RuleCondition[] {
  if (conditions.length === 0) throw elbError('ValidationError', 'A rule must have at least one condition');
  const seen = new Set<string>();
  let values = 0;
  const checked = conditions.map((condition) => {
    const field = condition.Field ?? '';
    if (!Object.hasOwn(CONDITION_CONFIGS, field)) {
      throw elbError(
        'ValidationError',
        `Condition field '${field}' is not supported by the local cloud (path-pattern, host-header, http-request-method)`,
      );
    }
    const { config, chars } = CONDITION_CONFIGS[field as ConditionField];
    if (seen.has(field)) throw elbError('ValidationError', `A rule can only have one '${field}' condition`);
    seen.add(field);
    const fromConfig = condition[config] as { Values?: string[]; RegexValues?: string[] } | undefined;
    if (condition.RegexValues?.length || fromConfig?.RegexValues?.length) {
      throw elbError('ValidationError', 'Regular expression conditions are not supported by the local cloud');
    }
    if (condition.Values?.length && fromConfig?.Values?.length) {
      throw elbError(
        'ValidationError',
        `You cannot specify both 'Values' and '${config}' for a '${field}' condition`,
      );
    }
    const list = fromConfig?.Values?.length ? fromConfig.Values : (condition.Values ?? []);
    if (list.length === 0)
      throw elbError('ValidationError', `A '${field}' condition must have at least one value`);
    for (const value of list) {
      if (value.length > MAX_VALUE_LENGTH || !chars.test(value)) {
        throw elbError('ValidationError', `Condition value '${value}' is not valid for '${field}'`);
      }
    }
    values += list.length;
    return {
      Field: field,
      ...(field === 'http-request-method' ? {} : { Values: list }),
      [config]: { Values: list },
    };
  });
  if (values > MAX_CONDITION_VALUES) {
    throw elbError('ValidationError', `A rule can only have '${MAX_CONDITION_VALUES}' condition values`);
  }
  return checked;
}

/**
 * The actions a listener rule runs, to replace: a rule's, or its listener's default actions for
 * the default rule's ARN or the listener's own ARN (ECS names a Network Load Balancer's production
 * "rule" by its listener).
 */
function ruleActions(
  state: Elbv2State,
  ruleArn: string,
): { actions: Action[]; replace(actions: Action[]): void } | undefined {
  const rule = Object.hasOwn(state.rules, ruleArn) ? state.rules[ruleArn] : undefined;
  if (rule) return { actions: rule.actions, replace: (actions) => void (rule.actions = actions) };
  const listener = Object.values(state.listeners).find(
    (l) => l.arn === ruleArn || defaultRuleArn(l) === ruleArn,
  );
  return (
    listener && {
      actions: listener.defaultActions,
      replace: (actions) => void (listener.defaultActions = actions),
    }
  );
}

/**
 * Gives the target groups of a rule's forward action the weights named (its other groups keep
 * theirs), as ECS does when it shifts blue/green traffic; false when there is no such rule or
 * nothing changed.
 */
export function setForwardWeights(
  state: Elbv2State,
  ruleArn: string,
  weights: ReadonlyArray<{ targetGroupArn: string; weight: number }>,
): boolean {
  const holder = ruleActions(state, ruleArn);
  const forward = holder?.actions.find((a) => a.Type === 'forward');
  if (!holder || !forward) return false;
  const current = forward.ForwardConfig?.TargetGroups?.length
    ? forward.ForwardConfig.TargetGroups
    : [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }];
  const named = new Map(weights.map((w) => [w.targetGroupArn, w.weight]));
  const groups = [
    ...current.map((g) => ({
      TargetGroupArn: g.TargetGroupArn!,
      Weight: named.get(g.TargetGroupArn!) ?? g.Weight ?? 1,
    })),
    ...weights
      .filter((w) => !current.some((g) => g.TargetGroupArn === w.targetGroupArn))
      .map((w) => ({ TargetGroupArn: w.targetGroupArn, Weight: w.weight })),
  ];
  if (JSON.stringify(groups) === JSON.stringify(current)) return false;
  const updated: Action = { ...forward, ForwardConfig: { ...forward.ForwardConfig, TargetGroups: groups } };
  // One group is named by TargetGroupArn too, as CreateRule stores it; several only in ForwardConfig.
  if (groups.length === 1) updated.TargetGroupArn = groups[0]!.TargetGroupArn;
  else delete updated.TargetGroupArn;
  holder.replace(holder.actions.map((a) => (a === forward ? updated : a)));
  return true;
}
