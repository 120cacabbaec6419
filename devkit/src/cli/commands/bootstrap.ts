import type { Command } from 'commander';
import { CliError, withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

interface BootstrapOptions extends StackTargetOptions {
  repository?: string;
}

export function register(program: Command): void {
  addStackOptions(
    program
      .command('bootstrap')
      .description(
        "once per stage and account: GitHub's OIDC provider and the stage's deploy role (trusting this repository's deploys of the stage, allowed exactly what `devkit deploy` calls); idempotent",
      ),
  )
    .option(
      '--repository <owner/repo>',
      'the GitHub repository whose workflows may deploy (default: $GITHUB_REPOSITORY)',
    )
    .action(
      withErrors(async (options: BootstrapOptions) => {
        const repository = options.repository ?? process.env.GITHUB_REPOSITORY;
        if (!repository || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
          throw new CliError('give the GitHub repository as --repository <owner>/<repo>');
        }
        const { openStack } = await import('../stack-target.ts');
        const { bootstrap } = await import('../../deploy/bootstrap.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        const { stack, clients } = await openStack(options);
        try {
          const { plan, steps } = await bootstrap(clients, stack, repository);
          for (const step of steps) console.log(`${step.action.padEnd(9)} ${step.what}`);
          console.log(`deploy role: ${plan.roleArn}`);
          console.log(
            `set it as the GitHub environment ${stack.stage}'s variable AWS_DEPLOY_ROLE_ARN (deploy.yml assumes it)`,
          );
        } finally {
          destroyClients(clients);
        }
      }),
    );
}
