/**
 * Users' SSH public keys (CodeCommit's): RSA keys of at least 2048 bits in ssh-rsa or PEM form, as
 * the reference allows, five per user, each with its MD5 fingerprint and Active or Inactive.
 *
 * Chosen where the reference is silent: the fingerprint is OpenSSH's MD5 one (`ssh-keygen -E md5`:
 * the MD5 of the key's SSH wire encoding, colon-separated hex, 47 characters although the model
 * says 48); a key in another SSH form (ssh-ed25519, ecdsa) is UnrecognizedPublicKeyEncoding, a
 * malformed or short RSA key InvalidPublicKey, a PEM block other than a public key's (a private key,
 * a certificate) UnrecognizedPublicKeyEncoding too. A key is answered as uploaded in the encoding it
 * was uploaded in (Terraform's aws_iam_user_ssh_key compares them), otherwise converted: SSH as
 * `ssh-rsa <base64>` without a comment, PEM as an SPKI `BEGIN PUBLIC KEY` block.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type {
  DeleteSSHPublicKeyRequest,
  GetSSHPublicKeyRequest,
  GetSSHPublicKeyResponse,
  ListSSHPublicKeysRequest,
  ListSSHPublicKeysResponse,
  SSHPublicKey,
  UpdateSSHPublicKeyRequest,
  UploadSSHPublicKeyRequest,
  UploadSSHPublicKeyResponse,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import type { IamState, SshPublicKeyRecord, UserRecord } from './state.ts';
import { findUser, noSuchEntity, settableStatus, uniqueId } from './state.ts';
import { namedOrCallingUser } from './users.ts';

const KEYS_PER_USER = 5;
const MIN_RSA_BITS = 2048;

function unrecognized(): ServiceError {
  return new ServiceError(
    'The public key encoding format is unsupported or unrecognized: it must be ssh-rsa or PEM.',
    { code: 'UnrecognizedPublicKeyEncoding' },
  );
}

function invalidKey(why: string): ServiceError {
  return new ServiceError(`The public key is not valid: ${why}.`, { code: 'InvalidPublicKey' });
}

/** The SSH wire format's length-prefixed strings, in order (RFC 4253, section 6.6). */
function sshStrings(blob: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) throw invalidKey('the key data is truncated');
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) throw invalidKey('the key data is truncated');
    parts.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return parts;
}

function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

/** A big-endian number without its leading zero bytes (an mpint's sign byte among them). */
function unsignedOf(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  return value.subarray(start);
}

/** An mpint (RFC 4251): big-endian, with a zero byte before a set high bit. */
function mpint(value: Buffer): Buffer {
  const trimmed = unsignedOf(value);
  return sshString(trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** The RSA key an `ssh-rsa <base64> [comment]` line or a PEM block holds. */
function parsePublicKey(body: string): KeyObject {
  const text = body.trim();
  if (text.startsWith('-----BEGIN')) {
    // createPublicKey also derives one from a private key or a certificate, which are not public keys.
    if (!/^-----BEGIN (RSA )?PUBLIC KEY-----/.test(text)) throw unrecognized();
    let key: KeyObject;
    try {
      key = createPublicKey(text);
    } catch {
      throw unrecognized();
    }
    if (key.asymmetricKeyType !== 'rsa') throw unrecognized();
    return key;
  }
  const [type, data] = text.split(/\s+/);
  if (type !== 'ssh-rsa' || data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) throw unrecognized();
  const [name, e, n, ...rest] = sshStrings(Buffer.from(data, 'base64'));
  if (name?.toString() !== 'ssh-rsa' || !e || !n || rest.length) {
    throw invalidKey('the key data is not an ssh-rsa key');
  }
  try {
    return createPublicKey({
      key: { kty: 'RSA', e: unsignedOf(e).toString('base64url'), n: unsignedOf(n).toString('base64url') },
      format: 'jwk',
    });
  } catch {
    throw invalidKey('the key data is not an RSA key');
  }
}

/** The key's SSH wire encoding (what `ssh-rsa <base64>` carries and the fingerprint digests). */
function sshBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([
    sshString(Buffer.from('ssh-rsa')),
    mpint(Buffer.from(jwk.e!, 'base64url')),
    mpint(Buffer.from(jwk.n!, 'base64url')),
  ]);
}

function keyOf(user: UserRecord, id: string): SshPublicKeyRecord {
  const key = (user.sshPublicKeys ?? []).find((k) => k.id === id);
  if (!key) throw noSuchEntity(`The Public Key with id ${id} cannot be found.`);
  return key;
}

function shape(user: UserRecord, key: SshPublicKeyRecord, body: string): SSHPublicKey {
  return {
    UserName: user.name,
    SSHPublicKeyId: key.id,
    Fingerprint: key.fingerprint,
    SSHPublicKeyBody: body,
    Status: key.status,
    UploadDate: toDate(key.uploadedMs)!,
  };
}

export const uploadSSHPublicKey: Handler<
  Checked<UploadSSHPublicKeyRequest, 'SSHPublicKeyBody' | 'UserName'>,
  UploadSSHPublicKeyResponse,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  const key = parsePublicKey(input.SSHPublicKeyBody);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw invalidKey(`the key has ${bits} bits, fewer than ${MIN_RSA_BITS}`);
  const blob = sshBlob(key);
  const fingerprint = createHash('md5')
    .update(blob)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:');
  const keys = (user.sshPublicKeys ??= []);
  if (keys.some((k) => k.fingerprint === fingerprint)) {
    throw new ServiceError('The SSH public key is already associated with the specified IAM user.', {
      code: 'DuplicateSSHPublicKey',
    });
  }
  if (keys.length >= KEYS_PER_USER) {
    throw new ServiceError(`Cannot exceed quota for PublicKeysPerUser: ${KEYS_PER_USER}`, {
      code: 'LimitExceeded',
      status: 409,
    });
  }
  const pem = input.SSHPublicKeyBody.trim().startsWith('-----BEGIN');
  const record: SshPublicKeyRecord = {
    id: uniqueId('APKA', 16),
    body: `ssh-rsa ${blob.toString('base64')}`,
    ...(pem ? { pem: input.SSHPublicKeyBody.trim() } : {}),
    fingerprint,
    status: 'Active',
    uploadedMs: Date.now(),
  };
  keys.push(record);
  return { SSHPublicKey: shape(user, record, record.pem ?? record.body) };
};

export const getSSHPublicKey: Handler<
  Checked<GetSSHPublicKeyRequest, 'Encoding' | 'SSHPublicKeyId' | 'UserName'>,
  GetSSHPublicKeyResponse,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  const key = keyOf(user, input.SSHPublicKeyId);
  const body =
    input.Encoding === 'PEM'
      ? (key.pem ?? (parsePublicKey(key.body).export({ type: 'spki', format: 'pem' }) as string))
      : key.body;
  return { SSHPublicKey: shape(user, key, body) };
};

/** Without a UserName, the calling user's keys. */
export const listSSHPublicKeys: Handler<ListSSHPublicKeysRequest, ListSSHPublicKeysResponse, IamState> = (
  input,
  ctx,
) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const { page, nextToken } = paginate(user.sshPublicKeys ?? [], input.MaxItems, input.Marker);
  return {
    SSHPublicKeys: page.map((k) => ({
      UserName: user.name,
      SSHPublicKeyId: k.id,
      Status: k.status,
      UploadDate: toDate(k.uploadedMs)!,
    })),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const updateSSHPublicKey: Handler<
  Checked<UpdateSSHPublicKeyRequest, 'SSHPublicKeyId' | 'Status' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => {
  const key = keyOf(findUser(ctx.state, input.UserName), input.SSHPublicKeyId);
  key.status = settableStatus(input.Status);
};

export const deleteSSHPublicKey: Handler<
  Checked<DeleteSSHPublicKeyRequest, 'SSHPublicKeyId' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  keyOf(user, input.SSHPublicKeyId);
  user.sshPublicKeys = user.sshPublicKeys!.filter((k) => k.id !== input.SSHPublicKeyId);
};
