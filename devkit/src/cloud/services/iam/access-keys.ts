/**
 * IAM users' access keys: `AKIA...` ids with a 40-character secret shown only by CreateAccessKey,
 * two per user, Active or Inactive (an inactive key signs nothing: the gateway refuses it), and
 * when each was last used. Without a UserName, the caller's own keys.
 */
import { randomBytes } from 'node:crypto';
import type {
  AccessKeyMetadata,
  CreateAccessKeyRequest,
  CreateAccessKeyResponse,
  DeleteAccessKeyRequest,
  GetAccessKeyLastUsedRequest,
  GetAccessKeyLastUsedResponse,
  ListAccessKeysRequest,
  ListAccessKeysResponse,
  UpdateAccessKeyRequest,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate, toDate } from '../common.ts';
import type { AccessKeyRecord, IamState, UserRecord } from './state.ts';
import { accessKeyOwners, noSuchEntity, users } from './state.ts';
import { namedOrCallingUser } from './users.ts';

const ACCESS_KEYS_PER_USER = 2;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function metadata(user: UserRecord, key: AccessKeyRecord): AccessKeyMetadata {
  return {
    UserName: user.name,
    AccessKeyId: key.accessKeyId,
    Status: key.status,
    CreateDate: toDate(key.createdMs)!,
  };
}

function keyOf(user: UserRecord, accessKeyId: string): AccessKeyRecord {
  const key = user.accessKeys.find((k) => k.accessKeyId === accessKeyId);
  if (!key) throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
  return key;
}

export const createAccessKey: Handler<CreateAccessKeyRequest, CreateAccessKeyResponse, IamState> = (
  input,
  ctx,
) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  if (user.accessKeys.length >= ACCESS_KEYS_PER_USER) {
    throw new ServiceError(`Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`, {
      code: 'LimitExceeded',
      status: 409,
    });
  }
  const key: AccessKeyRecord = {
    accessKeyId: `AKIA${[...randomBytes(16)].map((b) => KEY_ALPHABET[b % 32]).join('')}`,
    // 30 random bytes are 40 base64 characters, the length of AWS's secrets.
    secretAccessKey: randomBytes(30).toString('base64'),
    status: 'Active',
    createdMs: Date.now(),
  };
  user.accessKeys.push(key);
  accessKeyOwners(ctx.state)[key.accessKeyId] = user.name.toLowerCase();
  return {
    AccessKey: {
      UserName: user.name,
      AccessKeyId: key.accessKeyId,
      Status: key.status,
      SecretAccessKey: key.secretAccessKey,
      CreateDate: toDate(key.createdMs)!,
    },
  };
};

export const listAccessKeys: Handler<ListAccessKeysRequest, ListAccessKeysResponse, IamState> = (
  input,
  ctx,
) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const { page, nextToken } = paginate(user.accessKeys, input.MaxItems, input.Marker);
  return {
    AccessKeyMetadata: page.map((k) => metadata(user, k)),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const updateAccessKey: Handler<
  Checked<UpdateAccessKeyRequest, 'AccessKeyId' | 'Status'>,
  void,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  keyOf(user, input.AccessKeyId).status = input.Status;
};

export const deleteAccessKey: Handler<Checked<DeleteAccessKeyRequest, 'AccessKeyId'>, void, IamState> = (
  input,
  ctx,
) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  keyOf(user, input.AccessKeyId);
  user.accessKeys = user.accessKeys.filter((k) => k.accessKeyId !== input.AccessKeyId);
  delete accessKeyOwners(ctx.state)[input.AccessKeyId];
  (ctx.state.retiredAccessKeys ??= nameMap())[input.AccessKeyId] = Date.now();
};

/** A key never used answers `N/A` for its service and region, as IAM does. */
export const getAccessKeyLastUsed: Handler<
  Checked<GetAccessKeyLastUsedRequest, 'AccessKeyId'>,
  GetAccessKeyLastUsedResponse,
  IamState
> = (input, ctx) => {
  const owners = accessKeyOwners(ctx.state);
  const owner = Object.hasOwn(owners, input.AccessKeyId) ? owners[input.AccessKeyId] : undefined;
  const user = owner === undefined ? undefined : users(ctx.state)[owner];
  if (!user) throw noSuchEntity(`The Access Key with id ${input.AccessKeyId} cannot be found.`);
  const { lastUsed } = keyOf(user, input.AccessKeyId);
  return {
    UserName: user.name,
    AccessKeyLastUsed: lastUsed
      ? { LastUsedDate: new Date(lastUsed.timeMs), ServiceName: lastUsed.service, Region: lastUsed.region }
      : { ServiceName: 'N/A', Region: 'N/A' },
  };
};
