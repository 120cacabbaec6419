import type { Command } from 'commander';
import { CliError, withErrors } from '../fail.ts';

interface IamOptions {
  endpoint?: string;
  stateDir: string;
}

/** The local cloud the command reads: --endpoint, AWS_ENDPOINT_URL, the running `up` session, 4566. */
async function endpointOf(options: IamOptions): Promise<string> {
  const { chooseCloud } = await import('../cloud-choice.ts');
  const choice = await chooseCloud({
    target: 'local',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    stateDir: options.stateDir,
  });
  return choice.endpoint!;
}

export function register(program: Command): void {
  const iam = program
    .command('iam')
    .description(
      "the local cloud's IAM decisions: why a call was denied, the least-privilege policy a role needed",
    );
  const common = (command: Command) =>
    command
      .option(
        '--endpoint <url>',
        'the local cloud (default: AWS_ENDPOINT_URL, else the running `devkit up` session, else http://127.0.0.1:4566)',
      )
      .option('--state-dir <dir>', 'the state folder of `devkit up` (its session record)', '.devkit');
  common(
    iam
      .command('why')
      .argument(
        '[request-id | encoded message]',
        "the denied call's request id (x-amzn-RequestId), or EC2's encoded authorization failure message; default: the latest denial",
      )
      .description('which policy statement decided a call, with the request context it was evaluated with'),
  ).action(
    withErrors(async (requestId: string | undefined, options: IamOptions) => {
      const decisions = await import('../../deploy/iam-decisions.ts');
      const { iamDecision, explainDecision } = decisions;
      const endpoint = await endpointOf(options);
      const encoded = requestId === undefined ? undefined : decisions.encodedMessageIn(requestId);
      if (encoded !== undefined) {
        const decoded = await decisions
          .decodeAuthorizationMessage(endpoint, encoded)
          .catch((error: Error) => {
            throw new CliError(`the cloud at ${endpoint} cannot decode that message: ${error.message}`);
          });
        for (const line of decisions.explainDecodedMessage(decoded)) console.log(line);
        return;
      }
      const decision = await iamDecision(endpoint, requestId);
      if (!decision) {
        throw new CliError(
          requestId
            ? `the cloud at ${endpoint} keeps no decision for request ${requestId} (only role sessions' calls, the latest 1000)`
            : `the cloud at ${endpoint} has denied no role session's call`,
        );
      }
      for (const line of explainDecision(decision)) console.log(line);
    }),
  );
  common(
    iam
      .command('policy')
      .argument('<role>', 'the role whose sessions made the calls (its name)')
      .description(
        "the minimal IAM policy for what the role's sessions did: each action with the resources it was used on",
      ),
  ).action(
    withErrors(async (role: string, options: IamOptions) => {
      const { leastPrivilegePolicy } = await import('../../deploy/iam-decisions.ts');
      const endpoint = await endpointOf(options);
      const policy = await leastPrivilegePolicy(endpoint, role);
      if (!policy)
        throw new CliError(`no session of role ${role} has called the cloud at ${endpoint} since it started`);
      console.log(JSON.stringify(policy, null, 2));
    }),
  );
}
