import type { Command } from 'commander';
import { CliError, withErrors } from '../fail.ts';

interface OidcTokenOptions {
  repository: string;
  branch?: string;
  environment?: string;
  audience?: string;
  lifetime?: string;
  endpoint?: string;
}

/** Mints a GitHub-shaped ID token from the local cloud's stand-in issuer, for rehearsing deploy.yml's OIDC step. */
export function register(program: Command): void {
  program
    .command('oidc-token')
    .description(
      "a GitHub Actions-shaped OIDC token from the local cloud (which stands in for GitHub's issuer offline), for aws sts assume-role-with-web-identity",
    )
    .requiredOption('--repository <owner/repo>', 'the repository the token is for')
    .option('--branch <branch>', 'a push to this branch (sub repo:<owner>/<repo>:ref:refs/heads/<branch>)')
    .option(
      '--environment <name>',
      'a job in this GitHub environment (sub repo:<owner>/<repo>:environment:<name>)',
    )
    .option('--audience <aud>', 'the audience', 'sts.amazonaws.com')
    .option('--lifetime <seconds>', 'seconds until it expires', '300')
    .option('--endpoint <url>', 'the local cloud (default: AWS_ENDPOINT_URL, else http://127.0.0.1:4566)')
    .action(
      withErrors(async (options: OidcTokenOptions) => {
        if ((options.branch === undefined) === (options.environment === undefined)) {
          throw new CliError('give one of --branch <branch> or --environment <name>');
        }
        const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';
        const body = {
          audience: options.audience,
          lifetimeSeconds: Number(options.lifetime),
          ...(options.branch !== undefined
            ? { repository: options.repository, branch: options.branch }
            : { subject: `repo:${options.repository}:environment:${options.environment}` }),
        };
        let response: Response;
        try {
          response = await fetch(new URL('/_devkit/oidc/token', endpoint), {
            method: 'POST',
            body: JSON.stringify(body),
          });
        } catch {
          throw new CliError(
            `the local cloud does not answer at ${endpoint}: start it with \`npm run up\` or \`devkit cloud\``,
          );
        }
        const answer = (await response.json()) as { token?: string; error?: string };
        if (!response.ok || !answer.token)
          throw new CliError(`the local cloud refused: ${answer.error ?? response.status}`);
        console.log(answer.token);
      }),
    );
}
