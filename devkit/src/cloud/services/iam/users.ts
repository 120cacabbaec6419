/**
 * IAM users: create, read, list, rename, delete (once every credential, group and policy is gone,
 * as IAM refuses otherwise), permissions boundary, tags.
 */
import type {
  CreateUserRequest,
  CreateUserResponse,
  DeleteUserPermissionsBoundaryRequest,
  DeleteUserRequest,
  GetUserRequest,
  GetUserResponse,
  ListUsersRequest,
  ListUsersResponse,
  ListUserTagsRequest,
  ListUserTagsResponse,
  PutUserPermissionsBoundaryRequest,
  TagUserRequest,
  UntagUserRequest,
  UpdateUserRequest,
  User,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Caller } from '../../access/caller.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate, toDate } from '../common.ts';
import type { IamState, UserRecord } from './state.ts';
import {
  accessKeyOwners,
  boundaryArn,
  checkPath,
  deleteConflict,
  entityAlreadyExists,
  findUser,
  mergeTags,
  uniqueId,
  userMfaDevices,
  users,
} from './state.ts';

export function userShape(user: UserRecord, withDetails: boolean): User {
  return {
    Path: user.path,
    UserName: user.name,
    UserId: user.id,
    Arn: user.arn,
    CreateDate: toDate(user.createdMs)!,
    // ListUsers leaves the boundary and tags out; GetUser and CreateUser include them.
    ...(withDetails && user.permissionsBoundary !== undefined
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
            PermissionsBoundaryArn: user.permissionsBoundary,
          },
        }
      : {}),
    ...(withDetails && user.tags.length ? { Tags: user.tags } : {}),
  };
}

const userArn = (accountId: string, path: string, name: string) =>
  `arn:aws:iam::${accountId}:user${path}${name}`;

/**
 * The user an operation that may leave UserName out acts on: the one named, else the caller's own
 * (an IAM user's credentials); other callers must name one, as IAM answers.
 */
export function namedOrCallingUser(
  state: IamState,
  caller: Caller,
  userName: string | undefined,
): UserRecord {
  if (userName !== undefined) return findUser(state, userName);
  if (caller.kind === 'user') return findUser(state, caller.user.name);
  throw new ServiceError('Must specify userName when calling with non-User credentials', {
    code: 'ValidationError',
  });
}

export const createUser: Handler<Checked<CreateUserRequest, 'UserName'>, CreateUserResponse, IamState> = (
  input,
  ctx,
) => {
  const path = input.Path ?? '/';
  checkPath(path);
  const key = input.UserName.toLowerCase();
  if (users(ctx.state)[key]) throw entityAlreadyExists(`User with name ${input.UserName} already exists.`);
  const user: UserRecord = {
    name: input.UserName,
    id: uniqueId('AIDA'),
    path,
    arn: userArn(ctx.accountId, path, input.UserName),
    createdMs: Date.now(),
    tags: mergeTags([], input.Tags ?? [], 'TagsPerUser'),
    attachedPolicyArns: [],
    inlinePolicies: nameMap(),
    accessKeys: [],
    groupKeys: [],
    ...(input.PermissionsBoundary === undefined
      ? {}
      : { permissionsBoundary: boundaryArn(ctx.state, input.PermissionsBoundary) }),
  };
  users(ctx.state)[key] = user;
  return { User: userShape(user, true) };
};

/** Without a UserName: the caller, as IAM answers it (the account root too). */
export const getUser: Handler<GetUserRequest, GetUserResponse, IamState> = (input, ctx) => {
  if (input.UserName === undefined && ctx.caller.kind === 'root') {
    // The root has no user name; IAM answers its id and ARN (and the account's creation date, which
    // the local account does not have).
    return { User: { UserId: ctx.accountId, Arn: ctx.caller.arn } as User };
  }
  return { User: userShape(namedOrCallingUser(ctx.state, ctx.caller, input.UserName), true) };
};

export const listUsers: Handler<ListUsersRequest, ListUsersResponse, IamState> = (input, ctx) => {
  const prefix = input.PathPrefix ?? '/';
  const listed = Object.values(users(ctx.state))
    .filter((u) => u.path.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, nextToken } = paginate(listed, input.MaxItems, input.Marker);
  return {
    Users: page.map((u) => userShape(u, false)),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

/** A new name or path: the ARN follows, the access keys and groups stay the user's. */
export const updateUser: Handler<Checked<UpdateUserRequest, 'UserName'>, void, IamState> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  const path = input.NewPath ?? user.path;
  checkPath(path);
  const name = input.NewUserName ?? user.name;
  const oldKey = user.name.toLowerCase();
  const newKey = name.toLowerCase();
  if (newKey !== oldKey && users(ctx.state)[newKey]) {
    throw entityAlreadyExists(`User with name ${name} already exists.`);
  }
  user.name = name;
  user.path = path;
  user.arn = userArn(ctx.accountId, path, name);
  if (newKey !== oldKey) {
    delete users(ctx.state)[oldKey];
    users(ctx.state)[newKey] = user;
    for (const key of user.accessKeys) accessKeyOwners(ctx.state)[key.accessKeyId] = newKey;
  }
};

export const deleteUser: Handler<Checked<DeleteUserRequest, 'UserName'>, void, IamState> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  if (user.accessKeys.length) throw deleteConflict('Cannot delete entity, must delete access keys first.');
  if (user.groupKeys.length)
    throw deleteConflict('Cannot delete entity, must remove user from all groups first.');
  if (user.attachedPolicyArns.length)
    throw deleteConflict('Cannot delete entity, must detach all policies first.');
  if (Object.keys(user.inlinePolicies).length)
    throw deleteConflict('Cannot delete entity, must delete policies first.');
  if (user.loginProfile) throw deleteConflict('Cannot delete entity, must delete login profile first.');
  if (userMfaDevices(ctx.state, user).length)
    throw deleteConflict('Cannot delete entity, must delete MFA device first.');
  if (user.sshPublicKeys?.length)
    throw deleteConflict('Cannot delete entity, must delete SSH public keys first.');
  if (user.signingCertificates?.length)
    throw deleteConflict('Cannot delete entity, must delete signing certificates first.');
  if (user.serviceSpecificCredentials?.length)
    throw deleteConflict('Cannot delete entity, must delete service-specific credentials first.');
  delete users(ctx.state)[user.name.toLowerCase()];
};

export const putUserPermissionsBoundary: Handler<
  Checked<PutUserPermissionsBoundaryRequest, 'PermissionsBoundary' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  user.permissionsBoundary = boundaryArn(ctx.state, input.PermissionsBoundary);
};

export const deleteUserPermissionsBoundary: Handler<
  Checked<DeleteUserPermissionsBoundaryRequest, 'UserName'>,
  void,
  IamState
> = (input, ctx) => {
  delete findUser(ctx.state, input.UserName).permissionsBoundary;
};

export const tagUser: Handler<Checked<TagUserRequest, 'Tags' | 'UserName'>, void, IamState> = (
  input,
  ctx,
) => {
  const user = findUser(ctx.state, input.UserName);
  user.tags = mergeTags(user.tags, input.Tags, 'TagsPerUser');
};

export const untagUser: Handler<Checked<UntagUserRequest, 'TagKeys' | 'UserName'>, void, IamState> = (
  input,
  ctx,
) => {
  const user = findUser(ctx.state, input.UserName);
  user.tags = user.tags.filter((t) => !input.TagKeys.includes(t.Key!));
};

export const listUserTags: Handler<
  Checked<ListUserTagsRequest, 'UserName'>,
  ListUserTagsResponse,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  const { page, nextToken } = paginate(user.tags, input.MaxItems, input.Marker);
  return { Tags: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
};
