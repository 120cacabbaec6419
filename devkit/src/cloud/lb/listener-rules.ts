/**
 * How an ALB listener picks what to do with a request: its rules in priority order (every
 * condition must match; a condition matches when any of its values does), else its default
 * actions; then the terminal action — forward (by weight among target groups), fixed-response or
 * redirect — as AWS evaluates them.
 */
import type { Action, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { IncomingMessage } from 'node:http';
import { wildcardMatcher, type WildcardMatcher } from '../services/wildcard.ts';

export type Outcome =
  | { kind: 'forward'; targetGroupArn: string }
  | { kind: 'respond'; status: number; headers: Record<string, string>; body: string };

interface CompiledCondition {
  field: string;
  matchers: WildcardMatcher[];
  methods: string[];
}

export interface CompiledRules {
  rules: Array<{ conditions: CompiledCondition[]; actions: Action[] }>;
  defaultActions: Action[];
}

function conditionValues(condition: RuleCondition): string[] {
  return (
    condition.PathPatternConfig?.Values ??
    condition.HostHeaderConfig?.Values ??
    condition.HttpRequestMethodConfig?.Values ??
    condition.Values ??
    []
  );
}

/** Compiles once per change of the listener's rules, not per request. */
export function compileRules(
  rules: ReadonlyArray<{ conditions: RuleCondition[]; actions: Action[] }>,
  defaultActions: Action[],
): CompiledRules {
  return {
    rules: rules.map((rule) => ({
      actions: rule.actions,
      conditions: rule.conditions.map((c) => {
        const values = conditionValues(c);
        const hosts = c.Field === 'host-header';
        return {
          field: c.Field ?? '',
          methods: values,
          // Host names compare case-insensitively; paths exactly.
          matchers: values.map((v) => wildcardMatcher(hosts ? v.toLowerCase() : v, { questionMark: true })),
        };
      }),
    })),
    defaultActions,
  };
}

function matches(condition: CompiledCondition, req: IncomingMessage, path: string, host: string): boolean {
  switch (condition.field) {
    case 'path-pattern':
      return condition.matchers.some((m) => m(path));
    case 'host-header':
      return condition.matchers.some((m) => m(host));
    case 'http-request-method':
      return condition.methods.includes(req.method ?? '');
    default:
      return false;
  }
}

/** `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}` in a redirect, from the request. */
function redirectLocation(action: Action, host: string, port: string, path: string, query: string): string {
  const config = action.RedirectConfig!;
  const fill = (template: string | undefined, fallback: string) =>
    (template ?? fallback)
      .replaceAll('#{protocol}', 'http')
      .replaceAll('#{host}', host)
      .replaceAll('#{port}', port)
      .replaceAll('#{path}', path.replace(/^\//, ''))
      .replaceAll('#{query}', query);
  const protocol = fill(config.Protocol, '#{protocol}').toLowerCase();
  const q = fill(config.Query, '#{query}');
  return `${protocol}://${fill(config.Host, '#{host}')}:${fill(config.Port, '#{port}')}${fill(config.Path, '/#{path}')}${q ? `?${q}` : ''}`;
}

function terminal(
  actions: Action[],
  req: IncomingMessage,
  hostHeader: string,
  path: string,
  query: string,
): Outcome {
  const action = actions.at(-1)!;
  if (action.Type === 'forward') {
    const groups = action.ForwardConfig?.TargetGroups?.length
      ? action.ForwardConfig.TargetGroups
      : [{ TargetGroupArn: action.TargetGroupArn, Weight: 1 }];
    const total = groups.reduce((sum, g) => sum + (g.Weight ?? 1), 0);
    let pick = Math.random() * total;
    const chosen = groups.find((g) => (pick -= g.Weight ?? 1) < 0) ?? groups[0]!;
    return { kind: 'forward', targetGroupArn: chosen.TargetGroupArn ?? '' };
  }
  if (action.Type === 'fixed-response') {
    const config = action.FixedResponseConfig!;
    return {
      kind: 'respond',
      status: Number(config.StatusCode),
      headers: { 'content-type': config.ContentType ?? 'text/plain' },
      body: config.MessageBody ?? '',
    };
  }
  const [host = '', port = '80'] = hostHeader.split(':');
  const status = action.RedirectConfig?.StatusCode === 'HTTP_301' ? 301 : 302;
  return {
    kind: 'respond',
    status,
    headers: { location: redirectLocation(action, host, port, path, query) },
    body: '',
  };
}

/** What the listener does with this request. */
export function evaluate(compiled: CompiledRules, req: IncomingMessage): Outcome {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  const path = at === -1 ? url : url.slice(0, at);
  const query = at === -1 ? '' : url.slice(at + 1);
  const hostHeader = req.headers.host ?? '';
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
  for (const rule of compiled.rules) {
    if (rule.conditions.every((c) => matches(c, req, path, host))) {
      return terminal(rule.actions, req, hostHeader, path, query);
    }
  }
  return terminal(compiled.defaultActions, req, hostHeader, path, query);
}
