/**
 * Users' console passwords (login profiles): set by an administrator (Create/UpdateLoginProfile)
 * or by the user themself (ChangePassword), each checked against the account's password policy,
 * kept only as a scrypt hash. PasswordResetRequired asks the user to choose a new one at their next
 * sign-in: ChangePassword clears it.
 *
 * Chosen where the reference is silent: a wrong OldPassword answers AccessDenied (403); an account
 * without a password policy checks passwords against IAM's documented default policy (8 to 128
 * characters, three of the four kinds: upper case, lower case, digits, symbols).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type {
  ChangePasswordRequest,
  CreateLoginProfileRequest,
  CreateLoginProfileResponse,
  DeleteLoginProfileRequest,
  GetLoginProfileRequest,
  GetLoginProfileResponse,
  LoginProfile,
  PasswordPolicy,
  UpdateLoginProfileRequest,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { toDate } from '../common.ts';
import type { IamState, LoginProfileRecord, UserRecord } from './state.ts';
import { entityAlreadyExists, findUser, noSuchEntity } from './state.ts';
import { namedOrCallingUser } from './users.ts';

/** The symbols IAM's password policy counts (the reference's RequireSymbols list). */
const SYMBOLS = new Set("!@#$%^&*()_+-=[]{}|'");
const SCRYPT_KEY_BYTES = 32;
// Asynchronous: scrypt's work runs off the event loop, which every other service shares.
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT_KEY_BYTES);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [, salt, hash] = stored.split('$');
  const expected = Buffer.from(hash ?? '', 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt ?? '', 'base64'), SCRYPT_KEY_BYTES);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function violation(message: string): ServiceError {
  return new ServiceError(message, { code: 'PasswordPolicyViolation' });
}

/** Why `password` breaks the account's policy (IAM's default one when it has none), if it does. */
async function checkPassword(
  password: string,
  policy: PasswordPolicy | undefined,
  user: UserRecord,
): Promise<void> {
  const kinds = {
    uppercase: /[A-Z]/.test(password),
    lowercase: /[a-z]/.test(password),
    number: /[0-9]/.test(password),
    symbol: [...password].some((c) => SYMBOLS.has(c)),
  };
  if (!policy) {
    if (password.length < 8) throw violation('Password should have a minimum length of 8');
    if (Object.values(kinds).filter(Boolean).length < 3) {
      throw violation(
        'Password should have at least three of: uppercase letters, lowercase letters, numbers, symbols',
      );
    }
    return;
  }
  const broken: string[] = [];
  const min = policy.MinimumPasswordLength ?? 6;
  if (password.length < min) broken.push(`Password should have a minimum length of ${min}`);
  if (policy.RequireUppercaseCharacters && !kinds.uppercase)
    broken.push('Password should have at least one uppercase letter');
  if (policy.RequireLowercaseCharacters && !kinds.lowercase)
    broken.push('Password should have at least one lowercase letter');
  if (policy.RequireNumbers && !kinds.number) broken.push('Password should have at least one number');
  if (policy.RequireSymbols && !kinds.symbol) broken.push('Password should have at least one symbol');
  const profile = user.loginProfile;
  const reuse = policy.PasswordReusePrevention ?? 0;
  if (profile && reuse > 0) {
    const recent = [profile.passwordHash, ...profile.previousHashes].slice(0, reuse);
    if ((await Promise.all(recent.map((h) => passwordMatches(password, h)))).includes(true)) {
      broken.push(`Password should not be one of the ${reuse} previously used passwords`);
    }
  }
  if (broken.length) throw violation(`${broken.join('; ')}.`);
}

/** Sets a new password on the profile, remembering the old hash for reuse prevention. */
async function setPassword(state: IamState, profile: LoginProfileRecord, password: string): Promise<void> {
  const hash = await hashPassword(password);
  const keep = Math.max(0, (state.passwordPolicy?.PasswordReusePrevention ?? 0) - 1);
  profile.previousHashes = [profile.passwordHash, ...profile.previousHashes].slice(0, keep);
  profile.passwordHash = hash;
  profile.passwordChangedMs = Date.now();
}

function loginProfileOf(user: UserRecord): LoginProfileRecord {
  if (!user.loginProfile) throw noSuchEntity(`Login Profile for User ${user.name} cannot be found.`);
  return user.loginProfile;
}

function shape(user: UserRecord, profile: LoginProfileRecord): LoginProfile {
  return {
    UserName: user.name,
    CreateDate: toDate(profile.createdMs)!,
    PasswordResetRequired: profile.passwordResetRequired,
  };
}

/**
 * A password for the user named (the calling user's own without a UserName). The model leaves
 * Password optional for the console's passwordless sign-in to other accounts, which the local
 * cloud does not have: it is required here.
 */
export const createLoginProfile: Handler<
  CreateLoginProfileRequest,
  CreateLoginProfileResponse,
  IamState
> = async (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  if (user.loginProfile) throw entityAlreadyExists(`Login Profile for user ${user.name} already exists.`);
  if (input.Password === undefined) {
    throw new ServiceError('Password is required to create a login profile.', { code: 'ValidationError' });
  }
  await checkPassword(input.Password, ctx.state.passwordPolicy, user);
  const passwordHash = await hashPassword(input.Password);
  // Another call may have made one meanwhile.
  if (user.loginProfile) throw entityAlreadyExists(`Login Profile for user ${user.name} already exists.`);
  const now = Date.now();
  user.loginProfile = {
    createdMs: now,
    passwordHash,
    passwordChangedMs: now,
    passwordResetRequired: input.PasswordResetRequired ?? false,
    previousHashes: [],
  };
  return { LoginProfile: shape(user, user.loginProfile) };
};

export const getLoginProfile: Handler<GetLoginProfileRequest, GetLoginProfileResponse, IamState> = (
  input,
  ctx,
) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  return { LoginProfile: shape(user, loginProfileOf(user)) };
};

export const updateLoginProfile: Handler<
  Checked<UpdateLoginProfileRequest, 'UserName'>,
  void,
  IamState
> = async (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  const profile = loginProfileOf(user);
  if (input.Password !== undefined) {
    await checkPassword(input.Password, ctx.state.passwordPolicy, user);
    await setPassword(ctx.state, profile, input.Password);
  }
  if (input.PasswordResetRequired !== undefined) profile.passwordResetRequired = input.PasswordResetRequired;
};

export const deleteLoginProfile: Handler<DeleteLoginProfileRequest, void, IamState> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  loginProfileOf(user);
  delete user.loginProfile;
};

/** The calling IAM user's own password: the old one must match, the new one meet the policy. */
export const changePassword: Handler<
  Checked<ChangePasswordRequest, 'NewPassword' | 'OldPassword'>,
  void,
  IamState
> = async (input, ctx) => {
  if (ctx.caller.kind !== 'user') {
    throw new ServiceError('Only IAM users can change their own password with ChangePassword.', {
      code: 'InvalidUserType',
    });
  }
  const user = findUser(ctx.state, ctx.caller.user.name);
  const profile = loginProfileOf(user);
  if (!(await passwordMatches(input.OldPassword, profile.passwordHash))) {
    throw new ServiceError('The old password is incorrect.', { code: 'AccessDenied', status: 403 });
  }
  await checkPassword(input.NewPassword, ctx.state.passwordPolicy, user);
  await setPassword(ctx.state, profile, input.NewPassword);
  profile.passwordResetRequired = false;
};
