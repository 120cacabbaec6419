/**
 * OpenID Connect ID tokens (JWTs) as STS reads them for AssumeRoleWithWebIdentity: three base64url
 * parts, an RS256 signature by a key of the issuer's JWKS (found by `kid`), and the claims STS
 * checks (`iss`, `aud`, `sub`, `exp`, `nbf`). Errors carry STS's codes; where AWS's wording is not
 * documented, the message says plainly what failed.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { ServiceError } from '../protocol/errors.ts';

export interface WebIdentityClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

export interface DecodedToken {
  header: { alg?: unknown; kid?: unknown; typ?: unknown };
  claims: WebIdentityClaims;
  signingInput: string;
  signature: Buffer;
}

/** STS refuses web identity tokens longer than this (its model's WebIdentityToken bound). */
const MAX_TOKEN_LENGTH = 20_000;

export function invalidIdentityToken(message: string): ServiceError {
  return new ServiceError(message, { code: 'InvalidIdentityToken' });
}

function decodePart(part: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new Error('not base64url');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Splits and decodes a token, checking the claims' types (not yet its signature or times). */
export function decodeToken(token: string): DecodedToken {
  const notJwt = () => invalidIdentityToken('The ID Token provided is not a valid JWT.');
  if (token.length > MAX_TOKEN_LENGTH) throw notJwt();
  const parts = token.split('.');
  if (parts.length !== 3) throw notJwt();
  let header: unknown;
  let claims: unknown;
  try {
    header = decodePart(parts[0]!);
    claims = decodePart(parts[1]!);
  } catch {
    throw notJwt();
  }
  if (!isRecord(header) || !isRecord(claims)) throw notJwt();
  const { iss, sub, aud, exp } = claims;
  const audOk = typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
  if (typeof iss !== 'string' || typeof sub !== 'string' || !audOk || typeof exp !== 'number') {
    throw invalidIdentityToken('The ID Token is missing one of the required claims iss, sub, aud, exp.');
  }
  return {
    header,
    claims: claims as WebIdentityClaims,
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: Buffer.from(parts[2]!, 'base64url'),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The token's signature against the issuer's keys: RS256 only (the `alg` GitHub and AWS use). */
export function checkSignature(token: DecodedToken, keys: readonly JsonWebKey[]): void {
  if (token.header.alg !== 'RS256') {
    throw invalidIdentityToken(
      `The ID Token's signing algorithm ${String(token.header.alg)} is not supported.`,
    );
  }
  const key = keys.find((k) => k.kid === token.header.kid && k.kty === 'RSA');
  if (!key) {
    throw invalidIdentityToken(
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    );
  }
  let valid: boolean;
  try {
    valid = verify(
      'RSA-SHA256',
      Buffer.from(token.signingInput),
      createPublicKey({ key, format: 'jwk' }),
      token.signature,
    );
  } catch {
    // A key or signature that does not even parse verifies nothing.
    valid = false;
  }
  if (!valid) throw invalidIdentityToken('The ID Token signature could not be verified.');
}

/** `exp` (and `nbf`) against `nowMs`, as STS words an expired token. */
export function checkTimes(claims: WebIdentityClaims, nowMs: number): void {
  const now = Math.floor(nowMs / 1000);
  if (now >= claims.exp) {
    throw new ServiceError(
      `Token expired: current date/time ${now} must be before the expiration date/time ${claims.exp}`,
      { code: 'ExpiredTokenException' },
    );
  }
  if (typeof claims.nbf === 'number' && now < claims.nbf) {
    throw invalidIdentityToken(`The ID Token is not valid before ${claims.nbf} (now ${now}).`);
  }
}

/** The token's audiences, as a list. */
export function audiences(claims: WebIdentityClaims): string[] {
  return Array.isArray(claims.aud) ? claims.aud : [claims.aud];
}
