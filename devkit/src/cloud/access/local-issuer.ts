/**
 * The local cloud's OpenID Connect issuer. Offline, GitHub's token service cannot be reached, so
 * the cloud stands in for it: it signs GitHub-shaped ID tokens with its own RSA key (kept in its
 * state, so tokens and keys survive a restart) and STS verifies tokens from the issuers it stands
 * in for against that key, as AWS verifies GitHub's against GitHub's JWKS. It also serves the key
 * set (`/_devkit/oidc/jwks`) and mints tokens (`POST /_devkit/oidc/token`) for `devkit oidc-token`
 * and the rehearsal. Anyone who reaches the cloud can mint tokens: it is a local rehearsal tool.
 */
import { createPrivateKey, generateKeyPairSync, randomUUID, sign, type JsonWebKey } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../request-body.ts';
import type { StateStore } from '../state/store.ts';

/** GitHub Actions' issuer: what deploy.yml's role trusts on AWS, stood in for locally. */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The devkit's own issuer, for workloads of one's own (never reached over the network). */
export const LOCAL_ISSUER = 'https://oidc.devkit.localhost';
/** Issuers whose tokens the local cloud signs and verifies with its own key. */
export const HOSTED_ISSUERS: ReadonlySet<string> = new Set([GITHUB_ISSUER, LOCAL_ISSUER]);
/** The audience AWS's credential action asks GitHub for. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

interface IssuerState {
  kid: string;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

const SLICE = 'oidc-issuer';

function issuerState(store: StateStore): IssuerState {
  return store.slice<IssuerState>(SLICE, 'global', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomUUID();
    return {
      kid,
      privateJwk: privateKey.export({ format: 'jwk' }),
      publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
    };
  });
}

/** The public keys of the hosted issuers (one key), as a JWKS lists them. */
export function hostedIssuerKeys(store: StateStore): JsonWebKey[] {
  return [issuerState(store).publicJwk];
}

export interface TokenRequest {
  issuer?: string;
  subject: string;
  audience?: string | string[];
  lifetimeSeconds?: number;
  /** Further claims (GitHub's `repository`, `ref`, `actor`, ...). */
  claims?: Record<string, string>;
}

/** A signed RS256 ID token from one of the hosted issuers. */
export function mintToken(store: StateStore, request: TokenRequest, nowMs = Date.now()): string {
  const issuer = request.issuer ?? GITHUB_ISSUER;
  if (!HOSTED_ISSUERS.has(issuer)) throw new Error(`the local cloud does not issue tokens for ${issuer}`);
  const { kid, privateJwk } = issuerState(store);
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid };
  const claims = {
    ...request.claims,
    jti: randomUUID(),
    iss: issuer,
    sub: request.subject,
    aud: request.audience ?? STS_AUDIENCE,
    iat,
    nbf: iat,
    exp: iat + (request.lifetimeSeconds ?? 300),
  };
  const input = `${base64url(header)}.${base64url(claims)}`;
  const signature = sign(
    'RSA-SHA256',
    Buffer.from(input),
    createPrivateKey({ key: privateJwk, format: 'jwk' }),
  );
  return `${input}.${signature.toString('base64url')}`;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * GitHub's `sub` for a workflow run on a branch: `repo:<owner>/<repo>:ref:refs/heads/<branch>`, or
 * `repo:<owner>/<repo>:environment:<name>` when the job names an environment (as deploy.yml's does).
 */
export function githubSubject(repository: string, branch: string, environment?: string): string {
  return environment === undefined
    ? `repo:${repository}:ref:refs/heads/${branch}`
    : `repo:${repository}:environment:${environment}`;
}

/** The claims GitHub puts beside `sub` for a push to a branch (those trust policies commonly test). */
export function githubClaims(
  repository: string,
  branch: string,
  environment?: string,
): Record<string, string> {
  return {
    repository,
    repository_owner: repository.split('/')[0]!,
    ref: `refs/heads/${branch}`,
    ref_type: 'branch',
    event_name: 'push',
    ...(environment === undefined ? {} : { environment }),
  };
}

const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

/**
 * `GET /_devkit/oidc/jwks` (the key set) and `POST /_devkit/oidc/token` with
 * `{"repository": "owner/repo", "branch": "main"}` (optionally `"environment": "prod"`, a job in
 * that GitHub environment) or `{"subject": ...}` (and optionally
 * `issuer`, `audience`, `lifetimeSeconds`): `{"token": "<jwt>"}`. Returns false for other paths.
 */
export function localIssuerRoute(store: StateStore) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/_devkit/oidc/jwks') {
      reply(res, 200, { keys: hostedIssuerKeys(store) });
      return true;
    }
    if (req.method !== 'POST' || path !== '/_devkit/oidc/token') return false;
    const body = await readJson(req);
    const request = body === undefined ? undefined : tokenRequest(body);
    if (typeof request === 'string' || request === undefined) {
      reply(res, 400, { error: request ?? 'the body must be a JSON object of at most 16 KiB' });
      return true;
    }
    reply(res, 200, { token: mintToken(store, request) });
    // The key may have just been made: it is kept like any state.
    await store.commit(SLICE, 'global');
    return true;
  };
}

/** A token request from JSON, or why it is not one. */
function tokenRequest(body: Record<string, unknown>): TokenRequest | string {
  const text = (key: string) =>
    typeof body[key] === 'string' && body[key] !== '' ? (body[key] as string) : undefined;
  const issuer = text('issuer') ?? GITHUB_ISSUER;
  if (!HOSTED_ISSUERS.has(issuer)) return `issuer must be one of ${[...HOSTED_ISSUERS].join(', ')}`;
  const lifetime = body.lifetimeSeconds;
  if (
    lifetime !== undefined &&
    !(Number.isInteger(lifetime) && (lifetime as number) >= -86_400 && (lifetime as number) <= 86_400)
  ) {
    return 'lifetimeSeconds must be an integer within a day';
  }
  const audience = text('audience') ?? STS_AUDIENCE;
  const repository = text('repository');
  const branch = text('branch');
  const environment = text('environment');
  if (repository !== undefined && branch !== undefined) {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) return 'repository must be owner/name';
    return {
      issuer,
      audience,
      subject: githubSubject(repository, branch, environment),
      claims: githubClaims(repository, branch, environment),
      ...(lifetime === undefined ? {} : { lifetimeSeconds: lifetime as number }),
    };
  }
  const subject = text('subject');
  if (subject === undefined) return 'give repository and branch, or subject';
  return {
    issuer,
    audience,
    subject,
    ...(lifetime === undefined ? {} : { lifetimeSeconds: lifetime as number }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const read = await readBody(req, MAX_TOKEN_REQUEST_BYTES);
  if (read.kind !== 'complete') return undefined;
  try {
    const parsed: unknown = JSON.parse(read.body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
