/**
 * `up`'s log stream, which outlives the stage: when another command removes the stage (`devkit
 * remove`), its log group goes, and `up` says so and waits, the cloud still running, until a deploy
 * brings the stage back; then its logs follow again.
 */
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsClients } from '../../deploy/clients.ts';
import type { LogOptions } from '../../deploy/logs.ts';
import type { Stack } from '../../stack/load.ts';
import type { PrintOptions } from '../print-logs.ts';
import { printLogs } from '../print-logs.ts';

const groupGone = (error: unknown) => (error as Error).name === 'ResourceNotFoundException';

async function groupExists(clients: AwsClients, name: string, signal: AbortSignal): Promise<boolean> {
  const { logGroups = [] } = await clients.logs.send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: name }),
    { abortSignal: signal },
  );
  return logGroups.some((group) => group.logGroupName === name);
}

/** Follows the stage's logs until the signal aborts, across removals and redeploys of the stage. */
export async function followStageLogs(
  clients: AwsClients,
  stack: Stack,
  options: LogOptions & PrintOptions & { signal: AbortSignal },
  say: (line: string) => void,
): Promise<void> {
  let sinceMs = options.sinceMs;
  while (!options.signal.aborted) {
    try {
      await printLogs(clients, stack, { ...options, sinceMs, follow: true });
      return;
    } catch (error) {
      if (!groupGone(error)) throw error;
    }
    say(
      `the ${stack.stage} stage was removed by another command; the cloud keeps running; \`devkit deploy\` to deploy again`,
    );
    const removedAt = Date.now();
    try {
      while (!(await groupExists(clients, stack.config.logs.group, options.signal)))
        await sleep(options.pollMs ?? 2_000, undefined, { signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) return;
      throw error;
    }
    say(`the ${stack.stage} stage is back; its logs follow`);
    sinceMs = Date.now() - removedAt;
  }
}
