/**
 * deploy.yml's credential step, offline: a GitHub Actions-shaped ID token from the local cloud (its
 * stand-in for GitHub's issuer, `/_devkit/oidc/token`), exchanged for the deploy role's temporary
 * credentials as aws-actions/configure-aws-credentials exchanges the job's token on GitHub.
 */
import { AssumeRoleWithWebIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { DeployError } from './progress.ts';

/** Temporary credentials, as the action exports them (AWS_ACCESS_KEY_ID, ...). */
export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * What the token is for: a push to `branch` of `repository` (in the GitHub `environment` its job
 * names, if any: deploy.yml's deploy job names its stage's), or a bare `subject`.
 */
export type GithubTokenRequest = (
  { repository: string; branch: string; environment?: string } | { subject: string }
) & { audience?: string; lifetimeSeconds?: number };

/** A signed token from the local cloud at `endpoint`; a refusal or an absent cloud is one line. */
export async function requestGithubToken(endpoint: string, request: GithubTokenRequest): Promise<string> {
  let response: Response;
  try {
    response = await fetch(new URL('/_devkit/oidc/token', endpoint), {
      method: 'POST',
      body: JSON.stringify(request),
    });
  } catch {
    throw new DeployError(
      `the local cloud does not answer at ${endpoint}: start it with \`npm run up\` or \`devkit cloud\``,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as { token?: string; error?: string };
  if (!response.ok || !answer.token)
    throw new DeployError(`the local cloud refused: ${answer.error ?? response.status}`);
  return answer.token;
}

/** The `sub` claim of a token (read, not verified: STS verifies it). */
export function tokenSubject(token: string): string {
  const payload = token.split('.')[1] ?? '';
  try {
    const { sub } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown };
    if (typeof sub === 'string') return sub;
  } catch {
    // Falls through to the one error below.
  }
  throw new DeployError('the token has no sub claim');
}

/**
 * configure-aws-credentials' defaults for an OIDC exchange (its action.yml and src/index.ts): the
 * audience it asks GitHub's token for (the OIDC provider lists it as a client id) and the session's
 * length.
 */
export const STS_AUDIENCE = 'sts.amazonaws.com';
export const ACTION_ROLE_DURATION_SECONDS = 3600;

/**
 * AssumeRoleWithWebIdentity with the parameters the action sends (role, session name, duration,
 * token; no session tags or policies for a web identity), unsigned as the SDK sends it.
 */
export async function assumeRoleAsTheAction(
  sts: STSClient,
  roleArn: string,
  roleSessionName: string,
  webIdentityToken: string,
): Promise<{ credentials: SessionCredentials; expiration: Date }> {
  const { Credentials: issued } = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: roleSessionName,
      DurationSeconds: ACTION_ROLE_DURATION_SECONDS,
      WebIdentityToken: webIdentityToken,
    }),
  );
  if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken || !issued.Expiration)
    throw new DeployError('AssumeRoleWithWebIdentity answered without credentials');
  return {
    credentials: {
      accessKeyId: issued.AccessKeyId,
      secretAccessKey: issued.SecretAccessKey,
      sessionToken: issued.SessionToken,
    },
    expiration: issued.Expiration,
  };
}
