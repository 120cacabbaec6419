/**
 * Who makes a call, from its credentials. Credentials the local STS issued are checked as AWS
 * checks them (the session token must match, the session must not have expired) and name their
 * role session; any other credentials act as the account's root, the local cloud's default
 * (the conventional `test`/`test`, or none at all).
 */
import { ServiceError } from '../protocol/errors.ts';
import type { StateStore } from '../state/store.ts';
import { sessionByAccessKey, type SessionRecord } from './identities.ts';

export type Caller =
  | { kind: 'root'; arn: string; accountId: string }
  | { kind: 'session'; arn: string; accountId: string; session: SessionRecord };

/** The credentials a request was signed with (the access key id from SigV4, the session token header). */
export interface RequestCredentials {
  accessKeyId?: string;
  sessionToken?: string;
}

/**
 * The caller, or the error AWS answers for a session key with a wrong or expired token (JSON
 * services and query services name it differently).
 */
export function resolveCaller(
  store: StateStore,
  accountId: string,
  credentials: RequestCredentials,
  nowMs: number,
  protocol: 'json' | 'query',
): Caller {
  const session =
    credentials.accessKeyId === undefined ? undefined : sessionByAccessKey(store, credentials.accessKeyId);
  if (!session) return { kind: 'root', arn: `arn:aws:iam::${accountId}:root`, accountId };
  if (credentials.sessionToken !== session.sessionToken) {
    throw new ServiceError('The security token included in the request is invalid.', {
      code: protocol === 'json' ? 'UnrecognizedClientException' : 'InvalidClientTokenId',
      status: 403,
    });
  }
  if (nowMs >= session.expiresMs) {
    throw new ServiceError('The security token included in the request is expired', {
      code: protocol === 'json' ? 'ExpiredTokenException' : 'ExpiredToken',
      status: 403,
    });
  }
  return { kind: 'session', arn: session.assumedRoleArn, accountId, session };
}
