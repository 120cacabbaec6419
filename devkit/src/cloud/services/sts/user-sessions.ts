/**
 * Temporary credentials for an IAM user or the account root: GetSessionToken (the session acts as
 * the user) and GetFederationToken (a federated user whose permissions are the caller's policies ∩
 * the session policy passed); GetAccessKeyInfo names a key's account. Both token operations need
 * long-term credentials, as on AWS.
 */
import type {
  GetAccessKeyInfoRequest,
  GetAccessKeyInfoResponse,
  GetFederationTokenRequest,
  GetFederationTokenResponse,
  GetSessionTokenRequest,
  GetSessionTokenResponse,
} from '@aws-sdk/client-sts';
import type { Caller } from '../../access/caller.ts';
import type { UserSessionRecord } from '../../access/identities.ts';
import { parsePolicyDocument } from '../../access/policy-document.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { credentialsOf, temporaryKeys } from './credentials.ts';
import { recordUserSession, type StsState } from './state.ts';

/** A user's session lasts 12 hours unless asked otherwise; the root's at most one hour. */
const USER_DEFAULT_SECONDS = 43_200;
const ROOT_MAX_SECONDS = 3600;

/** The long-term caller a session is issued to: an IAM user (by name) or the root (none). */
function longTermCaller(caller: Caller, operation: string): { userName?: string } {
  const temporary = caller.kind === 'session' || caller.kind === 'federated' || caller.session !== undefined;
  if (temporary) {
    throw new ServiceError(`Cannot call ${operation} with session credentials`, {
      code: 'AccessDenied',
      status: 403,
    });
  }
  return caller.kind === 'user' ? { userName: caller.user.name } : {};
}

function duration(requested: number | undefined, root: boolean): number {
  const seconds = requested ?? (root ? ROOT_MAX_SECONDS : USER_DEFAULT_SECONDS);
  // Account credentials' sessions are capped at an hour, whatever was asked.
  return root ? Math.min(seconds, ROOT_MAX_SECONDS) : seconds;
}

export const getSessionToken: Handler<GetSessionTokenRequest, GetSessionTokenResponse, StsState> = (
  input,
  ctx,
) => {
  const owner = longTermCaller(ctx.caller, 'GetSessionToken');
  const now = Date.now();
  const session: UserSessionRecord = {
    ...temporaryKeys(duration(input.DurationSeconds, owner.userName === undefined), now),
    ...owner,
  };
  recordUserSession(ctx.state, session, now);
  return { Credentials: credentialsOf(session) };
};

export const getFederationToken: Handler<
  Checked<GetFederationTokenRequest, 'Name'>,
  GetFederationTokenResponse,
  StsState
> = (input, ctx) => {
  const owner = longTermCaller(ctx.caller, 'GetFederationToken');
  if (input.Policy !== undefined) parsePolicyDocument(input.Policy, 'permissions');
  const now = Date.now();
  const arns = (input.PolicyArns ?? []).flatMap((p) => (p.arn ? [p.arn] : []));
  const federatedUser = {
    arn: `arn:aws:sts::${ctx.accountId}:federated-user/${input.Name}`,
    id: `${ctx.accountId}:${input.Name}`,
  };
  const session: UserSessionRecord = {
    ...temporaryKeys(duration(input.DurationSeconds, owner.userName === undefined), now),
    ...owner,
    federatedUser,
    ...(input.Policy !== undefined ? { sessionPolicy: input.Policy } : {}),
    ...(arns.length > 0 ? { sessionPolicyArns: arns } : {}),
  };
  recordUserSession(ctx.state, session, now);
  return {
    Credentials: credentialsOf(session),
    FederatedUser: { FederatedUserId: federatedUser.id, Arn: federatedUser.arn },
    // How much of the session policies' allowance they use, in percent (AWS packs them; a rough share here).
    PackedPolicySize: Math.min(
      100,
      Math.ceil((((input.Policy ?? '').length + arns.join('').length) / 2048) * 100),
    ),
  };
};

/** Every key the local cloud sees belongs to its one account. */
export const getAccessKeyInfo: Handler<
  Checked<GetAccessKeyInfoRequest, 'AccessKeyId'>,
  GetAccessKeyInfoResponse,
  StsState
> = (_input, ctx) => ({ Account: ctx.accountId });
