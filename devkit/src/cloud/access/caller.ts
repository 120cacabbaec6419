/**
 * Who makes a call, from its credentials. Credentials the local cloud issued are checked as AWS
 * checks them: an IAM user's access key must exist and be Active; temporary credentials (STS's
 * role sessions, users' and the root's GetSessionToken/GetFederationToken sessions) must come with
 * their session token and be unexpired; and the request must be signed with the key's secret
 * (SigV4). They name their role session, user or federated user; any other credentials act as the
 * account's root, the local cloud's default (the conventional `test`/`test`, or none at all).
 */
import { ServiceError } from '../protocol/errors.ts';
import type { StateStore } from '../state/store.ts';
import {
  isRetiredAccessKey,
  sessionByAccessKey,
  userAccessKey,
  userByName,
  userSessionByAccessKey,
  type SessionRecord,
  type UserFacts,
  type UserSessionRecord,
} from './identities.ts';

export type Caller =
  /** The account root: `test`/`test`, any unknown key, or the root's own GetSessionToken session. */
  | { kind: 'root'; arn: string; accountId: string; session?: UserSessionRecord }
  /** A role session (AssumeRole, AssumeRoleWithWebIdentity). */
  | { kind: 'session'; arn: string; accountId: string; session: SessionRecord }
  /** An IAM user: its access key, or a GetSessionToken session acting as it. */
  | { kind: 'user'; arn: string; accountId: string; user: UserFacts; session?: UserSessionRecord }
  /** GetFederationToken's federated user: its user's policies (all, for the root's) ∩ its session policy. */
  | { kind: 'federated'; arn: string; accountId: string; user?: UserFacts; session: UserSessionRecord };

/** The credentials a request was signed with (the access key id from SigV4, the session token header). */
export interface RequestCredentials {
  accessKeyId?: string | undefined;
  sessionToken?: string | undefined;
  /** Whether the request's SigV4 signature was made with this secret. */
  signedWith?: (secretAccessKey: string) => boolean;
}

type Protocol = 'json' | 'query';

/**
 * The caller, or the error AWS answers for a key it does not accept: a wrong or expired session
 * token, an inactive or deleted user key, a signature not made with the key's secret (JSON
 * services and query services name them differently).
 */
export function resolveCaller(
  store: StateStore,
  accountId: string,
  credentials: RequestCredentials,
  nowMs: number,
  protocol: Protocol,
): Caller {
  const root = { kind: 'root' as const, arn: `arn:aws:iam::${accountId}:root`, accountId };
  const keyId = credentials.accessKeyId;
  if (keyId === undefined) return root;
  const session = sessionByAccessKey(store, keyId);
  if (session) {
    checkSession(session, credentials, nowMs, protocol);
    return { kind: 'session', arn: session.assumedRoleArn, accountId, session };
  }
  const userSession = userSessionByAccessKey(store, keyId);
  if (userSession) {
    checkSession(userSession, credentials, nowMs, protocol);
    const user = userSession.userName === undefined ? undefined : userByName(store, userSession.userName);
    if (userSession.userName !== undefined && !user) throw invalidToken(protocol);
    if (userSession.federatedUser) {
      return {
        kind: 'federated',
        arn: userSession.federatedUser.arn,
        accountId,
        ...(user ? { user } : {}),
        session: userSession,
      };
    }
    return user
      ? { kind: 'user', arn: user.arn, accountId, user, session: userSession }
      : { ...root, session: userSession };
  }
  const owned = userAccessKey(store, keyId);
  if (!owned) {
    // A deleted user key is refused; a key the local cloud never issued acts as the root.
    if (isRetiredAccessKey(store, keyId)) throw invalidToken(protocol);
    return root;
  }
  if (owned.key.status !== 'Active') throw invalidToken(protocol);
  checkSignature(owned.key.secretAccessKey, credentials, protocol);
  return { kind: 'user', arn: owned.user.arn, accountId, user: owned.user };
}

function checkSession(
  session: { sessionToken: string; secretAccessKey: string; expiresMs: number },
  credentials: RequestCredentials,
  nowMs: number,
  protocol: Protocol,
): void {
  if (credentials.sessionToken !== session.sessionToken) throw invalidToken(protocol);
  if (nowMs >= session.expiresMs) {
    throw new ServiceError('The security token included in the request is expired', {
      code: protocol === 'json' ? 'ExpiredTokenException' : 'ExpiredToken',
      status: 403,
    });
  }
  checkSignature(session.secretAccessKey, credentials, protocol);
}

function checkSignature(secret: string, credentials: RequestCredentials, protocol: Protocol): void {
  if (credentials.signedWith && !credentials.signedWith(secret)) {
    throw new ServiceError(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      { code: protocol === 'json' ? 'InvalidSignatureException' : 'SignatureDoesNotMatch', status: 403 },
    );
  }
}

export function invalidToken(protocol: Protocol): ServiceError {
  return new ServiceError('The security token included in the request is invalid.', {
    code: protocol === 'json' ? 'UnrecognizedClientException' : 'InvalidClientTokenId',
    status: 403,
  });
}

/**
 * What temporary credentials of users and the root may not reach, as AWS documents: IAM's API
 * refuses GetSessionToken credentials without MFA (the local STS takes no MFA code yet) and federated users'
 * credentials, with the invalid-token answer AWS gives.
 */
export function checkSessionReach(caller: Caller, service: string, protocol: Protocol): void {
  const userSession =
    caller.kind === 'federated' || (caller.kind !== 'session' && caller.session !== undefined);
  if (userSession && service === 'iam') throw invalidToken(protocol);
}

/** Notes a user key's use (GetAccessKeyLastUsed): when, which service, which region. */
export function noteAccessKeyUse(
  user: UserFacts,
  accessKeyId: string,
  service: string,
  region: string,
): void {
  const key = user.accessKeys.find((k) => k.accessKeyId === accessKeyId);
  if (key) key.lastUsed = { timeMs: Date.now(), service, region };
}
