// The forked AWS CLI (aws-cli.ts) must behave as /usr/bin/aws started on its own: same exit codes,
// same output, stdin and the environment reaching the command.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, awsCliOutcome } from './aws-cli.ts';
import { awsCliAvailable, awsCliEnv, startTestCloud, type TestCloud } from './harness.ts';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(async () => {
  await t.dispose();
});

/** /usr/bin/aws as a process of its own. */
function processOutcome(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(AWS_CLI, args, { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}

describe.skipIf(!awsCliAvailable)('the AWS CLI through the forker', () => {
  const at = (...args: string[]) => ['--endpoint-url', t.cloud.url, '--output', 'json', ...args];
  it.each([
    ['a call that succeeds', ['sts', 'get-caller-identity']],
    ['an AWS error (exit 254)', ['iam', 'get-role', '--role-name', 'nobody']],
    ['a usage error (exit 252)', ['iam', 'get-role']],
    ['an unknown command', ['iam', 'no-such-command']],
    ['--version', ['--version']],
  ])('%s: the same exit code, stdout and stderr as /usr/bin/aws', async (_, command) => {
    const args = at(...command);
    const [forked, alone] = await Promise.all([
      awsCliOutcome(args, { env: awsCliEnv() }),
      processOutcome(args, awsCliEnv()),
    ]);
    expect(forked).toEqual(alone);
  });

  it('gives the command its stdin and its own environment', async () => {
    const args = at('secretsmanager', 'create-secret', '--secret-string', 'file:///dev/stdin', '--name');
    const created = await awsCliOutcome([...args, 'from-stdin'], { env: awsCliEnv(), input: 's3cret' });
    expect(created.code).toBe(0);
    const value = await awsCliOutcome(at('secretsmanager', 'get-secret-value', '--secret-id', 'from-stdin'), {
      env: awsCliEnv(),
    });
    expect(JSON.parse(value.stdout)).toMatchObject({ SecretString: 's3cret' });
    // No region in its environment: the CLI says so, as it does when started alone.
    const env = { ...awsCliEnv(), AWS_DEFAULT_REGION: '' };
    const [forked, alone] = await Promise.all([
      awsCliOutcome(at('sts', 'get-caller-identity'), { env }),
      processOutcome(at('sts', 'get-caller-identity'), env),
    ]);
    expect(forked).toEqual(alone);
  });
});
