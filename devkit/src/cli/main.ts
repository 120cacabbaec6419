import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export interface CommandModule {
  register(program: Command): void;
}

// Each command lives in its own module under ./commands (named for it) and registers itself on the
// program. Only the module of the command named on the line is loaded: each pulls in its own part
// (the cloud, the AWS SDK clients, charts), and loading all of them was most of a command's start.
// Help, --version and unknown names load every module, so commander lists and suggests them all.
const commandModules: Record<string, () => Promise<CommandModule>> = {
  cloud: () => import('./commands/cloud.ts'),
  'gemini-mock': () => import('./commands/gemini-mock.ts'),
  record: () => import('./commands/record.ts'),
  deploy: () => import('./commands/deploy.ts'),
  status: () => import('./commands/status.ts'),
  logs: () => import('./commands/logs.ts'),
  wait: () => import('./commands/wait.ts'),
  verify: () => import('./commands/verify.ts'),
  rollback: () => import('./commands/rollback.ts'),
  remove: () => import('./commands/remove.ts'),
  doctor: () => import('./commands/doctor.ts'),
  bootstrap: () => import('./commands/bootstrap.ts'),
  'oidc-token': () => import('./commands/oidc-token.ts'),
  iam: () => import('./commands/iam.ts'),
  rehearse: () => import('./commands/rehearse.ts'),
  rightsize: () => import('./commands/rightsize.ts'),
  up: () => import('./commands/up.ts'),
  down: () => import('./commands/down.ts'),
  'base-images': () => import('./commands/base-images.ts'),
};

const program = new Command('devkit')
  .description('Rehearse the IsCoolGPT ECS Fargate pipeline offline, then run it against AWS')
  .version(version)
  .showHelpAfterError();

const named = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const loaders =
  named !== undefined && Object.hasOwn(commandModules, named)
    ? [commandModules[named]!]
    : Object.values(commandModules);
for (const load of loaders) (await load()).register(program);

await program.parseAsync(process.argv);
