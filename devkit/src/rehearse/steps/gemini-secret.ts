/**
 * deploy.yml's "Gemini key → Secrets Manager" step, with the deploy role's credentials as there:
 * the secret's value is put when it exists, the secret created when it does not, any other error
 * fails. Its value is the run's fake key, which the task must get and the leak scan looks for.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import type { RehearsalStep } from '../step.ts';

export const geminiSecret: RehearsalStep = {
  name: 'gemini-secret',
  title: "Put the Gemini key into Secrets Manager as deploy.yml's step does (deploy role)",
  async run(ctx, run) {
    const { stack, fakeKey } = ctx;
    const secrets = ctx.started.deployClients!.secrets;
    const name = stack.config.task.secrets.GEMINI_API_KEY;
    if (!name) throw new Error('the stack gives the task no GEMINI_API_KEY secret');
    const exists = await secrets.send(new DescribeSecretCommand({ SecretId: name })).then(
      () => true,
      (error: Error) => {
        if (error.name === 'ResourceNotFoundException') return false;
        throw new Error(`cannot read secret ${name}: ${error.name}: ${error.message}`);
      },
    );
    if (exists) await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: fakeKey }));
    else
      await secrets.send(
        new CreateSecretCommand({
          Name: name,
          Description: `Gemini API key for IsCoolGPT (${stack.stage})`,
          SecretString: fakeKey,
        }),
      );
    run.note(
      `${exists ? 'updated' : 'created'} ${name} as the deploy role: a fake Gemini key (${fakeKey.length} characters, new this run) is its value`,
    );
  },
};
