import type { Command } from 'commander';
import { CliError, withErrors } from '../fail.ts';

export function register(program: Command): void {
  program
    .command('base-images')
    .description(
      'make sure the Docker engine has base images for the service image (node:24-slim, else local stand-ins) and print them as build args',
    )
    .addHelpText(
      'after',
      '\nThe devkit does this itself before each build; the output serves other builders, e.g.\n  env $(npx devkit base-images) docker compose up --build',
    )
    .action(
      withErrors(async () => {
        const { default: Docker } = await import('dockerode');
        const { dockerProblem } = await import('../../host/preflight.ts');
        const { baseImages } = await import('../../deploy/base-images.ts');
        const docker = new Docker();
        const problem = await dockerProblem(docker);
        if (problem) throw new CliError(problem);
        const images = await baseImages(docker, (line) => console.error(`base images: ${line}`));
        console.log(`BUILD_IMAGE=${images.build}`);
        console.log(`RUNTIME_IMAGE=${images.runtime}`);
      }),
    );
}
