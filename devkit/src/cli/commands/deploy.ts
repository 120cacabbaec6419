import type { Command } from 'commander';
import { CliError, withErrors } from '../fail.ts';
import type { StackTargetOptions } from '../stack-options.ts';
import { addStackOptions } from '../stack-options.ts';

interface DeployCommandOptions extends StackTargetOptions {
  dryRun?: boolean;
  imageTag?: string;
  verbose?: boolean;
}

export function register(program: Command): void {
  addStackOptions(
    program
      .command('deploy')
      .description(
        'provision the stage, build and push the image, register the task definition, roll out and verify',
      ),
  )
    .option('--dry-run', 'print the provisioning plan (create / update / unchanged) and change nothing')
    .option('--image-tag <tag>', 'tag for the image (default: the git commit, -dirty when files changed)')
    .option('--verbose', "print the image build's own output, line by line")
    .action(
      withErrors(async (options: DeployCommandOptions) => {
        const { default: Docker } = await import('dockerode');
        const { dockerProblem } = await import('../../host/preflight.ts');
        const { openStack } = await import('../stack-target.ts');
        const { deploy } = await import('../../deploy/deploy.ts');
        const { destroyClients } = await import('../../deploy/clients.ts');
        const { terminalProgress } = await import('../progress-printer.ts');
        const { explainInterrupt } = await import('../interrupt.ts');
        const docker = new Docker();
        if (!options.dryRun) {
          const problem = await dockerProblem(docker);
          if (problem) throw new CliError(problem);
        }
        const { stack, clients } = await openStack(options);
        console.log(`deploying ${stack.config.name} stage ${stack.stage}`);
        const progress = explainInterrupt(terminalProgress({ verbose: options.verbose ?? false }), options);
        try {
          const result = await deploy(clients, stack, progress, {
            docker,
            dryRun: options.dryRun ?? false,
            ...(options.imageTag ? { imageTag: options.imageTag } : {}),
          }).finally(() => progress.close());
          if (options.dryRun) console.log('dry run: nothing changed');
          else
            console.log(
              `deployed ${result.image ?? ''}${result.provisioned ? ` at ${result.provisioned.url}` : ''}`,
            );
        } finally {
          destroyClients(clients);
        }
      }),
    );
}
