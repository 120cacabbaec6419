/** Instance profiles: a container for one role, which EC2 instances (and IaC that makes them) name. */
import type {
  AddRoleToInstanceProfileRequest,
  CreateInstanceProfileRequest,
  CreateInstanceProfileResponse,
  DeleteInstanceProfileRequest,
  GetInstanceProfileRequest,
  GetInstanceProfileResponse,
  InstanceProfile,
  ListInstanceProfilesForRoleRequest,
  ListInstanceProfilesForRoleResponse,
  ListInstanceProfilesRequest,
  ListInstanceProfilesResponse,
  ListInstanceProfileTagsRequest,
  ListInstanceProfileTagsResponse,
  RemoveRoleFromInstanceProfileRequest,
  TagInstanceProfileRequest,
  UntagInstanceProfileRequest,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import { roleShape } from './roles.ts';
import type { IamState, InstanceProfileRecord } from './state.ts';
import {
  checkPath,
  deleteConflict,
  entityAlreadyExists,
  findRole,
  instanceProfiles,
  mergeTags,
  noSuchEntity,
  uniqueId,
} from './state.ts';

function findProfile(state: IamState, name: string): InstanceProfileRecord {
  const profile = instanceProfiles(state)[name.toLowerCase()];
  if (!profile) throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
  return profile;
}

/** The instance profiles holding a role (by its lower-cased name). */
export function profilesOfRole(state: IamState, roleKey: string): InstanceProfileRecord[] {
  return Object.values(instanceProfiles(state)).filter((p) => p.roleKeys.includes(roleKey));
}

export function profileShape(
  state: IamState,
  profile: InstanceProfileRecord,
  withTags: boolean,
): InstanceProfile {
  return {
    Path: profile.path,
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.id,
    Arn: profile.arn,
    CreateDate: toDate(profile.createdMs)!,
    Roles: profile.roleKeys.flatMap((key) => {
      const role = state.roles[key];
      return role ? [roleShape(role, false)] : [];
    }),
    ...(withTags && profile.tags.length ? { Tags: profile.tags } : {}),
  };
}

export const createInstanceProfile: Handler<
  Checked<CreateInstanceProfileRequest, 'InstanceProfileName'>,
  CreateInstanceProfileResponse,
  IamState
> = (input, ctx) => {
  const path = input.Path ?? '/';
  checkPath(path);
  const key = input.InstanceProfileName.toLowerCase();
  const profiles = instanceProfiles(ctx.state);
  if (profiles[key]) {
    throw entityAlreadyExists(`Instance Profile ${input.InstanceProfileName} already exists.`);
  }
  const profile: InstanceProfileRecord = {
    name: input.InstanceProfileName,
    id: uniqueId('AIPA'),
    path,
    arn: `arn:aws:iam::${ctx.accountId}:instance-profile${path}${input.InstanceProfileName}`,
    createdMs: Date.now(),
    roleKeys: [],
    tags: mergeTags([], input.Tags ?? [], 'TagsPerInstanceProfile'),
  };
  profiles[key] = profile;
  return { InstanceProfile: profileShape(ctx.state, profile, true) };
};

export const getInstanceProfile: Handler<
  Checked<GetInstanceProfileRequest, 'InstanceProfileName'>,
  GetInstanceProfileResponse,
  IamState
> = (input, ctx) => ({
  InstanceProfile: profileShape(ctx.state, findProfile(ctx.state, input.InstanceProfileName), true),
});

export const listInstanceProfiles: Handler<
  ListInstanceProfilesRequest,
  ListInstanceProfilesResponse,
  IamState
> = (input, ctx) => {
  const prefix = input.PathPrefix ?? '/';
  const profiles = Object.values(instanceProfiles(ctx.state))
    .filter((p) => p.path.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, nextToken } = paginate(profiles, input.MaxItems, input.Marker);
  return {
    InstanceProfiles: page.map((p) => profileShape(ctx.state, p, false)),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const deleteInstanceProfile: Handler<
  Checked<DeleteInstanceProfileRequest, 'InstanceProfileName'>,
  void,
  IamState
> = (input, ctx) => {
  const profile = findProfile(ctx.state, input.InstanceProfileName);
  if (profile.roleKeys.length) {
    throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
  }
  delete instanceProfiles(ctx.state)[profile.name.toLowerCase()];
};

export const addRoleToInstanceProfile: Handler<
  Checked<AddRoleToInstanceProfileRequest, 'InstanceProfileName' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const profile = findProfile(ctx.state, input.InstanceProfileName);
  const role = findRole(ctx.state, input.RoleName);
  // One role per profile, the same one included.
  if (profile.roleKeys.length) {
    throw new ServiceError('Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', {
      code: 'LimitExceeded',
      status: 409,
    });
  }
  profile.roleKeys.push(role.name.toLowerCase());
};

export const removeRoleFromInstanceProfile: Handler<
  Checked<RemoveRoleFromInstanceProfileRequest, 'InstanceProfileName' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const profile = findProfile(ctx.state, input.InstanceProfileName);
  const key = input.RoleName.toLowerCase();
  if (!profile.roleKeys.includes(key)) {
    throw noSuchEntity(`The role with name ${input.RoleName} cannot be found.`);
  }
  profile.roleKeys = profile.roleKeys.filter((k) => k !== key);
};

export const listInstanceProfilesForRole: Handler<
  Checked<ListInstanceProfilesForRoleRequest, 'RoleName'>,
  ListInstanceProfilesForRoleResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  const profiles = profilesOfRole(ctx.state, role.name.toLowerCase()).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const { page, nextToken } = paginate(profiles, input.MaxItems, input.Marker);
  return {
    InstanceProfiles: page.map((p) => profileShape(ctx.state, p, false)),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const tagInstanceProfile: Handler<
  Checked<TagInstanceProfileRequest, 'InstanceProfileName' | 'Tags'>,
  void,
  IamState
> = (input, ctx) => {
  const profile = findProfile(ctx.state, input.InstanceProfileName);
  profile.tags = mergeTags(profile.tags, input.Tags, 'TagsPerInstanceProfile');
};

export const untagInstanceProfile: Handler<
  Checked<UntagInstanceProfileRequest, 'InstanceProfileName' | 'TagKeys'>,
  void,
  IamState
> = (input, ctx) => {
  const profile = findProfile(ctx.state, input.InstanceProfileName);
  profile.tags = profile.tags.filter((t) => !input.TagKeys.includes(t.Key!));
};

export const listInstanceProfileTags: Handler<
  Checked<ListInstanceProfileTagsRequest, 'InstanceProfileName'>,
  ListInstanceProfileTagsResponse,
  IamState
> = (input, ctx) => {
  const profile = findProfile(ctx.state, input.InstanceProfileName);
  const { page, nextToken } = paginate(profile.tags, input.MaxItems, input.Marker);
  return { Tags: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
};
