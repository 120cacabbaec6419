/**
 * GetAccountSetting / PutAccountSetting: the settings and values ECR's API reference documents,
 * kept per region as ECR keeps them. A setting never put reads as AWS's default for a new account:
 * basic scanning AWS_NATIVE (Clair is retired), registry policy scope V2, blob mounting DISABLED.
 * BLOB_MOUNTING acts: the registry mounts a layer from another repository only when it is ENABLED
 * (else the push uploads it, as ECR answers with an upload session); the other two are recorded,
 * not acted on (the local registry has one scanner, none, and no policy scopes to switch).
 */
import type {
  GetAccountSettingRequest,
  GetAccountSettingResponse,
  PutAccountSettingRequest,
  PutAccountSettingResponse,
} from '@aws-sdk/client-ecr';
import { ValidationException } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap } from '../common.ts';
import type { EcrState } from './state.ts';

const SETTINGS: Record<string, { values: readonly string[]; default: string }> = {
  BASIC_SCAN_TYPE_VERSION: { values: ['AWS_NATIVE', 'CLAIR'], default: 'AWS_NATIVE' },
  REGISTRY_POLICY_SCOPE: { values: ['V1', 'V2'], default: 'V2' },
  BLOB_MOUNTING: { values: ['ENABLED', 'DISABLED'], default: 'DISABLED' },
};

function setting(name: string): { values: readonly string[]; default: string } {
  if (!Object.hasOwn(SETTINGS, name)) {
    throw new ValidationException(
      `Account setting name '${name}' is not valid. Valid names: ${Object.keys(SETTINGS).join(', ')}.`,
    );
  }
  return SETTINGS[name]!;
}

/** The setting's value in this region: as put, else AWS's default. */
export function accountSetting(state: EcrState, name: string): string {
  const stored = state.accountSettings;
  return stored && Object.hasOwn(stored, name) ? stored[name]! : setting(name).default;
}

export const getAccountSetting: Handler<
  Checked<GetAccountSettingRequest, 'name'>,
  GetAccountSettingResponse,
  EcrState
> = (input, ctx) => ({ name: input.name, value: accountSetting(ctx.state, input.name) });

export const putAccountSetting: Handler<
  Checked<PutAccountSettingRequest, 'name' | 'value'>,
  PutAccountSettingResponse,
  EcrState
> = (input, ctx) => {
  const known = setting(input.name);
  if (!known.values.includes(input.value)) {
    throw new ValidationException(
      `Account setting value '${input.value}' is not valid for ${input.name}. Valid values: ${known.values.join(', ')}.`,
    );
  }
  (ctx.state.accountSettings ??= nameMap())[input.name] = input.value;
  return { name: input.name, value: input.value };
};
