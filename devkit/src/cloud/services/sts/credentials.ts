/** Temporary credentials as STS issues them: an `ASIA...` key id, a secret, a session token. */
import { randomBytes } from 'node:crypto';
import type { AssumedRoleUser, Credentials } from '@aws-sdk/client-sts';
import type { RoleFacts, SessionRecord } from '../../access/identities.ts';

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function keyId(): string {
  return `ASIA${[...randomBytes(16)].map((b) => KEY_ALPHABET[b % 32]).join('')}`;
}

/** A fresh key id, secret and session token, valid for `durationSeconds` from `nowMs`. */
export function temporaryKeys(
  durationSeconds: number,
  nowMs: number,
): Pick<SessionRecord, 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'expiresMs'> {
  return {
    accessKeyId: keyId(),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(192).toString('base64')}`,
    expiresMs: nowMs + durationSeconds * 1000,
  };
}

export function newSession(
  role: RoleFacts,
  accountId: string,
  sessionName: string,
  durationSeconds: number,
  nowMs: number,
  webIdentity?: SessionRecord['webIdentity'],
): SessionRecord {
  return {
    ...temporaryKeys(durationSeconds, nowMs),
    roleArn: role.arn,
    roleName: role.name,
    assumedRoleId: `${role.id}:${sessionName}`,
    assumedRoleArn: `arn:aws:sts::${accountId}:assumed-role/${role.name}/${sessionName}`,
    ...(webIdentity ? { webIdentity } : {}),
  };
}

export function credentialsOf(
  session: Pick<SessionRecord, 'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'expiresMs'>,
): Credentials {
  return {
    AccessKeyId: session.accessKeyId,
    SecretAccessKey: session.secretAccessKey,
    SessionToken: session.sessionToken,
    Expiration: new Date(session.expiresMs),
  };
}

export function assumedRoleUser(session: SessionRecord): AssumedRoleUser {
  return { AssumedRoleId: session.assumedRoleId, Arn: session.assumedRoleArn };
}
