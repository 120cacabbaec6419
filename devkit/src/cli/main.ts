import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export interface CommandModule {
  register(program: Command): void;
}

// Each command lives in its own module under ./commands and registers itself on the program;
// modules load lazily so `devkit --help` stays fast.
const commandModules: Array<() => Promise<CommandModule>> = [
  () => import('./commands/cloud.ts'),
  () => import('./commands/gemini-mock.ts'),
  () => import('./commands/record.ts'),
  () => import('./commands/deploy.ts'),
  () => import('./commands/status.ts'),
  () => import('./commands/logs.ts'),
  () => import('./commands/wait.ts'),
  () => import('./commands/verify.ts'),
  () => import('./commands/rollback.ts'),
  () => import('./commands/remove.ts'),
  () => import('./commands/doctor.ts'),
  () => import('./commands/bootstrap.ts'),
  () => import('./commands/oidc-token.ts'),
  () => import('./commands/iam.ts'),
  () => import('./commands/rehearse.ts'),
  () => import('./commands/rightsize.ts'),
  () => import('./commands/up.ts'),
  () => import('./commands/down.ts'),
  () => import('./commands/base-images.ts'),
];

const program = new Command('devkit')
  .description('Rehearse the IsCoolGPT ECS Fargate pipeline offline, then run it against AWS')
  .version(version)
  .showHelpAfterError();

for (const load of commandModules) (await load()).register(program);

await program.parseAsync(process.argv);
