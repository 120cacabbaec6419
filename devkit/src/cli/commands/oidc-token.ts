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
      "a job in this GitHub environment (sub repo:<owner>/<repo>:environment:<name>; with --branch, the branch is the token's ref, as for deploy.yml's deploy job)",
    )
    .option('--audience <aud>', 'the audience', 'sts.amazonaws.com')
    .option('--lifetime <seconds>', 'seconds until it expires', '300')
    .option('--endpoint <url>', 'the local cloud (default: AWS_ENDPOINT_URL, else http://127.0.0.1:4566)')
    .action(
      withErrors(async (options: OidcTokenOptions) => {
        if (options.branch === undefined && options.environment === undefined) {
          throw new CliError('give --branch <branch>, --environment <name>, or both');
        }
        const { requestGithubToken } = await import('../../deploy/github-oidc.ts');
        const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566';
        const common = { audience: options.audience, lifetimeSeconds: Number(options.lifetime) };
        const token = await requestGithubToken(
          endpoint,
          options.branch !== undefined
            ? {
                ...common,
                repository: options.repository,
                branch: options.branch,
                ...(options.environment !== undefined ? { environment: options.environment } : {}),
              }
            : { ...common, subject: `repo:${options.repository}:environment:${options.environment}` },
        );
        console.log(token);
      }),
    );
}
