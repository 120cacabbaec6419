/**
 * Registry credentials: GetAuthorizationToken hands out `AWS:<password>` valid for 12 hours, as
 * ECR does. The password names its region (the registry endpoint is shared by all regions, where
 * AWS has one per region) and is signed with that region's secret, so it survives restarts and a
 * made-up or expired one is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { GetAuthorizationTokenRequest, GetAuthorizationTokenResponse } from '@aws-sdk/client-ecr';
import type { Handler } from '../../service-definition.ts';
import type { EcrState } from './state.ts';

export const REGISTRY_USER = 'AWS';
const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

interface PasswordClaims {
  region: string;
  expiresMs: number;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

function issuePassword(secret: string, claims: PasswordClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

/** The region a password claims, before its signature is checked (to find the secret that checks it). */
export function claimedRegion(password: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(password.split('.')[0]!, 'base64url').toString('utf8')) as unknown;
    const region = (claims as Partial<PasswordClaims> | null)?.region;
    return typeof region === 'string' ? region : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `password` was issued with `secret` and has not expired. */
export function verifyPassword(secret: string, password: string, nowMs: number): boolean {
  const [payload, signature] = password.split('.');
  if (!payload || !signature) return false;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PasswordClaims;
  return claims.expiresMs > nowMs;
}

/** A registry password for `region`, as GetAuthorizationToken issues it (the ECS runtime pulls with it). */
export function registryPassword(state: EcrState, region: string, expiresMs: number): string {
  return issuePassword(state.tokenSecret, { region, expiresMs });
}

export const getAuthorizationToken: Handler<
  GetAuthorizationTokenRequest,
  GetAuthorizationTokenResponse,
  EcrState
> = (_input, ctx) => {
  const expiresMs = Date.now() + TOKEN_LIFETIME_MS;
  const password = registryPassword(ctx.state, ctx.region, expiresMs);
  // A Get does not save state by itself, but the secret behind this token must outlive a restart.
  ctx.store.markDirty('ecr');
  return {
    authorizationData: [
      {
        authorizationToken: Buffer.from(`${REGISTRY_USER}:${password}`).toString('base64'),
        expiresAt: new Date(expiresMs),
        proxyEndpoint: `http://${ctx.host}`,
      },
    ],
  };
};
