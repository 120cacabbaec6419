/** IAM groups: their users (a user's policies include its groups'), create, read, rename, delete. */
import type {
  AddUserToGroupRequest,
  CreateGroupRequest,
  CreateGroupResponse,
  DeleteGroupRequest,
  GetGroupRequest,
  GetGroupResponse,
  Group,
  ListGroupsForUserRequest,
  ListGroupsForUserResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  RemoveUserFromGroupRequest,
  UpdateGroupRequest,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate, toDate } from '../common.ts';
import type { GroupRecord, IamState } from './state.ts';
import {
  checkPath,
  deleteConflict,
  entityAlreadyExists,
  findGroup,
  findUser,
  groups,
  noSuchEntity,
  uniqueId,
  users,
} from './state.ts';
import { userShape } from './users.ts';

const GROUPS_PER_USER = 10;

export function groupShape(group: GroupRecord): Group {
  return {
    Path: group.path,
    GroupName: group.name,
    GroupId: group.id,
    Arn: group.arn,
    CreateDate: toDate(group.createdMs)!,
  };
}

const groupArn = (accountId: string, path: string, name: string) =>
  `arn:aws:iam::${accountId}:group${path}${name}`;

function page<T>(items: T[], input: { MaxItems?: number | undefined; Marker?: string | undefined }) {
  const { page, nextToken } = paginate(items, input.MaxItems, input.Marker);
  return { page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
}

/** The group's users, by name. */
export function membersOf(state: IamState, group: GroupRecord) {
  const key = group.name.toLowerCase();
  return Object.values(users(state))
    .filter((u) => u.groupKeys.includes(key))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const createGroup: Handler<Checked<CreateGroupRequest, 'GroupName'>, CreateGroupResponse, IamState> = (
  input,
  ctx,
) => {
  const path = input.Path ?? '/';
  checkPath(path);
  const key = input.GroupName.toLowerCase();
  if (groups(ctx.state)[key]) throw entityAlreadyExists(`Group with name ${input.GroupName} already exists.`);
  const group: GroupRecord = {
    name: input.GroupName,
    id: uniqueId('AGPA'),
    path,
    arn: groupArn(ctx.accountId, path, input.GroupName),
    createdMs: Date.now(),
    attachedPolicyArns: [],
    inlinePolicies: nameMap(),
  };
  groups(ctx.state)[key] = group;
  return { Group: groupShape(group) };
};

export const getGroup: Handler<Checked<GetGroupRequest, 'GroupName'>, GetGroupResponse, IamState> = (
  input,
  ctx,
) => {
  const group = findGroup(ctx.state, input.GroupName);
  const { page: members, ...rest } = page(membersOf(ctx.state, group), input);
  return { Group: groupShape(group), Users: members.map((u) => userShape(u, false)), ...rest };
};

export const listGroups: Handler<ListGroupsRequest, ListGroupsResponse, IamState> = (input, ctx) => {
  const prefix = input.PathPrefix ?? '/';
  const listed = Object.values(groups(ctx.state))
    .filter((g) => g.path.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page: found, ...rest } = page(listed, input);
  return { Groups: found.map(groupShape), ...rest };
};

export const updateGroup: Handler<Checked<UpdateGroupRequest, 'GroupName'>, void, IamState> = (
  input,
  ctx,
) => {
  const group = findGroup(ctx.state, input.GroupName);
  const path = input.NewPath ?? group.path;
  checkPath(path);
  const name = input.NewGroupName ?? group.name;
  const oldKey = group.name.toLowerCase();
  const newKey = name.toLowerCase();
  if (newKey !== oldKey && groups(ctx.state)[newKey]) {
    throw entityAlreadyExists(`Group with name ${name} already exists.`);
  }
  if (newKey !== oldKey) {
    for (const user of membersOf(ctx.state, group)) {
      user.groupKeys = user.groupKeys.map((k) => (k === oldKey ? newKey : k));
    }
    delete groups(ctx.state)[oldKey];
    groups(ctx.state)[newKey] = group;
  }
  group.name = name;
  group.path = path;
  group.arn = groupArn(ctx.accountId, path, name);
};

export const deleteGroup: Handler<Checked<DeleteGroupRequest, 'GroupName'>, void, IamState> = (
  input,
  ctx,
) => {
  const group = findGroup(ctx.state, input.GroupName);
  if (membersOf(ctx.state, group).length) {
    throw deleteConflict('Cannot delete entity, must remove users from group first.');
  }
  if (group.attachedPolicyArns.length)
    throw deleteConflict('Cannot delete entity, must detach all policies first.');
  if (Object.keys(group.inlinePolicies).length) {
    throw deleteConflict('Cannot delete entity, must delete policies first.');
  }
  delete groups(ctx.state)[group.name.toLowerCase()];
};

export const addUserToGroup: Handler<
  Checked<AddUserToGroupRequest, 'GroupName' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => {
  const group = findGroup(ctx.state, input.GroupName);
  const user = findUser(ctx.state, input.UserName);
  const key = group.name.toLowerCase();
  // Adding a member twice is not an error in IAM.
  if (user.groupKeys.includes(key)) return;
  if (user.groupKeys.length >= GROUPS_PER_USER) {
    throw new ServiceError(`Cannot exceed quota for GroupsPerUser: ${GROUPS_PER_USER}`, {
      code: 'LimitExceeded',
      status: 409,
    });
  }
  user.groupKeys.push(key);
};

export const removeUserFromGroup: Handler<
  Checked<RemoveUserFromGroupRequest, 'GroupName' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => {
  const group = findGroup(ctx.state, input.GroupName);
  const user = findUser(ctx.state, input.UserName);
  const key = group.name.toLowerCase();
  if (!user.groupKeys.includes(key)) {
    throw noSuchEntity(`The user with name ${input.UserName} cannot be found in group ${group.name}.`);
  }
  user.groupKeys = user.groupKeys.filter((k) => k !== key);
};

export const listGroupsForUser: Handler<
  Checked<ListGroupsForUserRequest, 'UserName'>,
  ListGroupsForUserResponse,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  const all = groups(ctx.state);
  const found = user.groupKeys
    .flatMap((k) => (all[k] ? [all[k]] : []))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page: listed, ...rest } = page(found, input);
  return { Groups: listed.map(groupShape), ...rest };
};
