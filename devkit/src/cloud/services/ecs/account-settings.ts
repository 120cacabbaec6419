/**
 * ECS account settings, per region: each principal (a user, a role, or the root user) may set its
 * own; the root user's are the account's defaults; what nobody set is AWS's default. Only
 * containerInsights changes what the local cloud does (clusters created without the setting take
 * the effective one); the others are kept and reported as AWS reports them.
 */
import type {
  DeleteAccountSettingRequest,
  DeleteAccountSettingResponse,
  ListAccountSettingsRequest,
  ListAccountSettingsResponse,
  PutAccountSettingDefaultRequest,
  PutAccountSettingDefaultResponse,
  PutAccountSettingRequest,
  PutAccountSettingResponse,
  Setting,
  SettingName,
} from '@aws-sdk/client-ecs';
import type { Caller } from '../../access/caller.ts';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import { InvalidParameterException } from './errors.ts';
import type { EcsState } from './state.ts';
import { accountSettingsOf } from './state.ts';

interface SettingRule {
  values: readonly string[];
  /** AWS's value for an account where nobody set it (for accounts created today). */
  default: string;
  /** Set by AWS on the account's behalf (GuardDuty's): read-only through ECS's API. */
  awsManaged?: true;
  /** Only the root user's (the account default) may be set: AWS's rule for the task retirement wait. */
  rootOnly?: true;
}

const ON_OFF = ['enabled', 'disabled'] as const;

/**
 * Every setting ECS accepts, in the order ListAccountSettings lists them. dualStackIPv6 is accepted
 * by AWS and documented, though botocore's SettingName enum no longer lists it.
 */
const SETTINGS: Record<string, SettingRule> = {
  serviceLongArnFormat: { values: ON_OFF, default: 'enabled' },
  taskLongArnFormat: { values: ON_OFF, default: 'enabled' },
  containerInstanceLongArnFormat: { values: ON_OFF, default: 'enabled' },
  awsvpcTrunking: { values: ON_OFF, default: 'disabled' },
  containerInsights: { values: ['enabled', 'disabled', 'enhanced'], default: 'disabled' },
  dualStackIPv6: { values: ON_OFF, default: 'disabled' },
  fargateFIPSMode: { values: ON_OFF, default: 'disabled' },
  tagResourceAuthorization: { values: ['on', 'off'], default: 'on' },
  fargateTaskRetirementWaitPeriod: { values: ['0', '7', '14'], default: '7', rootOnly: true },
  fargateEventWindows: { values: ON_OFF, default: 'disabled' },
  guardDutyActivate: { values: ['on', 'off'], default: 'off', awsManaged: true },
  // Non-blocking since June 25, 2025, AWS's default for log delivery.
  defaultLogDriverMode: { values: ['blocking', 'non-blocking'], default: 'non-blocking' },
};

type Ctx = RequestContext<EcsState>;

const rootArn = (accountId: string) => `arn:aws:iam::${accountId}:root`;

/** Whose settings a call without principalArn means: the caller's (an assumed role's are its role's). */
function callerPrincipal(caller: Caller): string {
  return caller.kind === 'session' ? caller.session.roleArn : caller.arn;
}

/** A principal of this account: the root user, a user or a role. Wording chosen here (AWS's is not documented). */
function principalFrom(ctx: Ctx, principalArn: string | undefined): string {
  if (principalArn === undefined) return callerPrincipal(ctx.caller);
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):(root|user\/.+|role\/.+)$/.exec(principalArn);
  if (!match || match[1] !== ctx.accountId) {
    throw new InvalidParameterException(`The principal ARN ${principalArn} is not valid.`);
  }
  return principalArn;
}

function ruleOf(name: string): SettingRule {
  const rule = SETTINGS[name];
  if (!rule) throw new InvalidParameterException(`Invalid setting name '${name}'`);
  return rule;
}

/** The checks a change passes before it is kept; AWS's wording for a value it does not take. */
function checkChange(ctx: Ctx, name: string, value: string, principal: string): void {
  const rule = ruleOf(name);
  if (rule.awsManaged) {
    throw new InvalidParameterException(
      `${name} is managed by Amazon GuardDuty and is read-only in Amazon ECS.`,
    );
  }
  if (rule.rootOnly && principal !== rootArn(ctx.accountId)) {
    throw new InvalidParameterException(`${name} can be set for the root user only.`);
  }
  if (!rule.values.includes(value)) throw new InvalidParameterException("Invalid setting 'value'");
}

function settingOf(name: string, value: string, principalArn: string): Setting {
  return {
    name: name as SettingName,
    value,
    principalArn,
    type: SETTINGS[name]?.awsManaged ? 'aws_managed' : 'user',
  };
}

/** The setting in force for `principal`: its own, else the account default, else AWS's default. */
function effectiveSetting(state: EcsState, accountId: string, principal: string, name: string): Setting {
  const settings = accountSettingsOf(state);
  const own = settings[principal]?.[name];
  if (own !== undefined) return settingOf(name, own, principal);
  const root = rootArn(accountId);
  return settingOf(name, settings[root]?.[name] ?? ruleOf(name).default, root);
}

/** The containerInsights value a new cluster takes when its request does not set one. */
export function containerInsightsDefault(ctx: Ctx): string {
  return effectiveSetting(ctx.state, ctx.accountId, callerPrincipal(ctx.caller), 'containerInsights').value!;
}

function store(ctx: Ctx, principal: string, name: string, value: string): Setting {
  checkChange(ctx, name, value, principal);
  (accountSettingsOf(ctx.state)[principal] ??= nameMap())[name] = value;
  return settingOf(name, value, principal);
}

export const putAccountSetting: Handler<
  Checked<PutAccountSettingRequest, 'name' | 'value'>,
  PutAccountSettingResponse,
  EcsState
> = (input, ctx) => ({
  setting: store(ctx, principalFrom(ctx, input.principalArn), input.name, input.value),
});

export const putAccountSettingDefault: Handler<
  Checked<PutAccountSettingDefaultRequest, 'name' | 'value'>,
  PutAccountSettingDefaultResponse,
  EcsState
> = (input, ctx) => ({ setting: store(ctx, rootArn(ctx.accountId), input.name, input.value) });

/** ListAccountSettings returns at most 10 settings a page unless maxResults says fewer. */
const MAX_SETTINGS_PAGE = 10;

export const listAccountSettings: Handler<
  ListAccountSettingsRequest,
  ListAccountSettingsResponse,
  EcsState
> = (input, ctx) => {
  if (input.value !== undefined && input.name === undefined) {
    throw new InvalidParameterException('A setting name is required to filter account settings by value.');
  }
  if (input.maxResults !== undefined && (input.maxResults < 1 || input.maxResults > MAX_SETTINGS_PAGE)) {
    throw new InvalidParameterException('maxResults must be between 1 and 10.');
  }
  const principal = principalFrom(ctx, input.principalArn);
  if (input.name !== undefined) ruleOf(input.name);
  const names = input.name === undefined ? Object.keys(SETTINGS) : [input.name];
  const own = accountSettingsOf(ctx.state)[principal] ?? {};
  const settings = names
    .flatMap((name) => {
      if (input.effectiveSettings) return [effectiveSetting(ctx.state, ctx.accountId, principal, name)];
      const value = own[name];
      return value === undefined ? [] : [settingOf(name, value, principal)];
    })
    .filter((s) => input.value === undefined || s.value === input.value);
  const { page, nextToken } = paginate(settings, input.maxResults, input.nextToken, MAX_SETTINGS_PAGE);
  return { settings: page, nextToken };
};

/** Removes the principal's own setting (the root user's: the account default); AWS's default applies again. */
export const deleteAccountSetting: Handler<
  Checked<DeleteAccountSettingRequest, 'name'>,
  DeleteAccountSettingResponse,
  EcsState
> = (input, ctx) => {
  const principal = principalFrom(ctx, input.principalArn);
  const rule = ruleOf(input.name);
  if (rule.awsManaged) checkChange(ctx, input.name, rule.default, principal);
  const own = accountSettingsOf(ctx.state)[principal];
  const value = own?.[input.name] ?? effectiveSetting(ctx.state, ctx.accountId, principal, input.name).value!;
  if (own) delete own[input.name];
  return { setting: settingOf(input.name, value, principal) };
};
