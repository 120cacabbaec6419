/**
 * Registry credentials: GetAuthorizationToken hands out `AWS:<password>` valid for 12 hours, as
 * ECR does. The password names its region (the registry endpoint is shared by all regions, where
 * AWS has one per region) and is signed with that region's secret, so it survives restarts and a
 * made-up or expired one is refused. It also names who asked for it (an STS session's or an IAM
 * user's key, or the user), since AWS authorizes each registry request as that principal.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { GetAuthorizationTokenRequest, GetAuthorizationTokenResponse } from '@aws-sdk/client-ecr';
import type { Caller } from '../../access/caller.ts';
import type { Handler } from '../../service-definition.ts';
import type { EcrState } from './state.ts';

export const REGISTRY_USER = 'AWS';
const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** Who called GetAuthorizationToken, when not the root: the temporary key it used, or the IAM user. */
export type TokenPrincipal = { accessKeyId: string } | { userName: string };

interface PasswordClaims {
  region: string;
  expiresMs: number;
  principal?: TokenPrincipal;
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

/**
 * The claims of a `password` issued with `secret` and not expired (`principal` unset for the root's
 * and the cloud's own), or undefined.
 */
export function verifyPassword(
  secret: string,
  password: string,
  nowMs: number,
): { principal?: TokenPrincipal } | undefined {
  const [payload, signature] = password.split('.');
  if (!payload || !signature) return undefined;
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PasswordClaims;
  return claims.expiresMs > nowMs ? claims : undefined;
}

/**
 * A registry password for `region`, as GetAuthorizationToken issues it; without a principal (the
 * ECS runtime's pulls, whose execution role is checked by the runtime; download URLs) the registry
 * does not evaluate its requests.
 */
export function registryPassword(
  state: EcrState,
  region: string,
  expiresMs: number,
  principal?: TokenPrincipal,
): string {
  return issuePassword(state.tokenSecret, { region, expiresMs, ...(principal ? { principal } : {}) });
}

function tokenPrincipal(caller: Caller): TokenPrincipal | undefined {
  if (caller.kind === 'session' || caller.kind === 'federated')
    return { accessKeyId: caller.session.accessKeyId };
  if (caller.kind === 'user') {
    return caller.session ? { accessKeyId: caller.session.accessKeyId } : { userName: caller.user.name };
  }
  return undefined;
}

export const getAuthorizationToken: Handler<
  GetAuthorizationTokenRequest,
  GetAuthorizationTokenResponse,
  EcrState
> = (_input, ctx) => {
  const expiresMs = Date.now() + TOKEN_LIFETIME_MS;
  const password = registryPassword(ctx.state, ctx.region, expiresMs, tokenPrincipal(ctx.caller));
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
