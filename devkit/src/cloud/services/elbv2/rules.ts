/** Listener rules: conditions (path, host, method) and actions by priority; the default rule is the listener's. */
import type {
  CreateRuleInput,
  CreateRuleOutput,
  DeleteRuleInput,
  DeleteRuleOutput,
  DescribeRulesInput,
  DescribeRulesOutput,
  ModifyRuleInput,
  ModifyRuleOutput,
  Rule,
  SetRulePrioritiesInput,
  SetRulePrioritiesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Checked, Handler } from '../../service-definition.ts';
import { hexId } from '../common.ts';
import { checkActions, checkConditions } from './actions.ts';
import { elbError } from './errors.ts';
import { page } from './paging.ts';
import type { Elbv2State, ListenerRecord, RuleRecord } from './state.ts';
import { defaultRuleArn, requireListener, requireLoadBalancer, requireRule, rulesOf } from './state.ts';
import { checkTags } from './tags.ts';
import { QUOTAS } from './limits.ts';

/** AWS's default quota of rules per Application Load Balancer (default rules not counted). */
const MAX_RULES = QUOTAS['rules-per-application-load-balancer'];

function ruleView(rule: RuleRecord & { isDefault?: boolean }): Rule {
  return {
    RuleArn: rule.arn,
    Priority: rule.priority === undefined ? 'default' : String(rule.priority),
    Conditions: rule.conditions,
    Actions: rule.actions,
    IsDefault: rule.priority === undefined,
  };
}

function defaultRuleView(listener: ListenerRecord): Rule {
  return ruleView({
    arn: defaultRuleArn(listener),
    listenerArn: listener.arn,
    conditions: [],
    actions: listener.defaultActions,
  });
}

function priorityInUse(priority: number): Error {
  return elbError('PriorityInUse', `Priority '${priority}' is currently in use`);
}

export const createRule: Handler<
  Checked<CreateRuleInput, 'ListenerArn' | 'Conditions' | 'Priority' | 'Actions'>,
  CreateRuleOutput,
  Elbv2State
> = (input, ctx) => {
  const listener = requireListener(ctx.state, input.ListenerArn);
  const lb = requireLoadBalancer(ctx.state, listener.loadBalancerArn);
  const conditions = checkConditions(input.Conditions);
  const actions = checkActions(ctx.state, lb, input.Actions);
  if (rulesOf(ctx.state, listener.arn).some((r) => r.priority === input.Priority))
    throw priorityInUse(input.Priority);
  const onLoadBalancer = Object.values(ctx.state.rules).filter(
    (r) => ctx.state.listeners[r.listenerArn]?.loadBalancerArn === lb.arn,
  );
  if (onLoadBalancer.length >= MAX_RULES) {
    throw elbError('TooManyRules', `You've reached the limit on the number of rules per load balancer`);
  }
  const tags = checkTags([], input.Tags ?? []);
  const rule: RuleRecord = {
    arn: `${listener.arn.replace(':listener/', ':listener-rule/')}/${hexId(8)}`,
    listenerArn: listener.arn,
    priority: input.Priority,
    conditions,
    actions,
  };
  ctx.state.rules[rule.arn] = rule;
  if (tags.length) ctx.state.tags[rule.arn] = tags;
  return { Rules: [ruleView(rule)] };
};

export const describeRules: Handler<DescribeRulesInput, DescribeRulesOutput, Elbv2State> = (input, ctx) => {
  let rules: Rule[];
  if (input.RuleArns?.length) {
    rules = input.RuleArns.map((arn) => ruleView(requireRule(ctx.state, arn)));
  } else if (input.ListenerArn !== undefined) {
    const listener = requireListener(ctx.state, input.ListenerArn);
    rules = [...rulesOf(ctx.state, listener.arn).map(ruleView), defaultRuleView(listener)];
  } else {
    throw elbError('ValidationError', 'You must specify either listener ARN or rule ARNs');
  }
  const { page: items, NextMarker } = page(rules, input);
  return { Rules: items, ...(NextMarker ? { NextMarker } : {}) };
};

export const modifyRule: Handler<Checked<ModifyRuleInput, 'RuleArn'>, ModifyRuleOutput, Elbv2State> = (
  input,
  ctx,
) => {
  const found = requireRule(ctx.state, input.RuleArn);
  const listener = requireListener(ctx.state, found.listenerArn);
  const lb = requireLoadBalancer(ctx.state, listener.loadBalancerArn);
  const actions = input.Actions?.length ? checkActions(ctx.state, lb, input.Actions) : undefined;
  if (found.isDefault) {
    if (input.Conditions?.length) {
      throw elbError('OperationNotPermitted', 'Conditions cannot be added to the default rule');
    }
    if (actions) listener.defaultActions = actions;
    return { Rules: [defaultRuleView(listener)] };
  }
  const rule = ctx.state.rules[found.arn]!;
  const conditions = input.Conditions?.length ? checkConditions(input.Conditions) : undefined;
  if (conditions) rule.conditions = conditions;
  if (actions) rule.actions = actions;
  return { Rules: [ruleView(rule)] };
};

export const deleteRule: Handler<Checked<DeleteRuleInput, 'RuleArn'>, DeleteRuleOutput, Elbv2State> = (
  input,
  ctx,
) => {
  const rule = requireRule(ctx.state, input.RuleArn);
  if (rule.isDefault) throw elbError('OperationNotPermitted', 'Default rule cannot be deleted');
  delete ctx.state.rules[rule.arn];
  delete ctx.state.tags[rule.arn];
  return {};
};

/** New priorities for several rules of one listener at once; none may collide with another's. */
export const setRulePriorities: Handler<
  Checked<SetRulePrioritiesInput, 'RulePriorities'>,
  SetRulePrioritiesOutput,
  Elbv2State
> = (input, ctx) => {
  const changes = input.RulePriorities.map((pair) => {
    const rule = requireRule(ctx.state, pair.RuleArn ?? '');
    if (rule.isDefault) throw elbError('OperationNotPermitted', 'Default rule priority cannot be modified');
    if (pair.Priority === undefined) throw elbError('ValidationError', 'A priority must be specified');
    return { rule: ctx.state.rules[rule.arn]!, priority: pair.Priority };
  });
  const moving = new Set(changes.map((c) => c.rule.arn));
  const taken = new Map<string, Set<number>>();
  for (const { rule, priority } of changes) {
    const used =
      taken.get(rule.listenerArn) ??
      new Set(
        rulesOf(ctx.state, rule.listenerArn)
          .filter((r) => !moving.has(r.arn))
          .map((r) => r.priority!),
      );
    if (used.has(priority)) throw priorityInUse(priority);
    used.add(priority);
    taken.set(rule.listenerArn, used);
  }
  for (const { rule, priority } of changes) rule.priority = priority;
  return { Rules: changes.map(({ rule }) => ruleView(rule)) };
};
