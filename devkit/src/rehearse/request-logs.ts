/**
 * Whether requests' log lines reached CloudWatch Logs: the service logs every request with its
 * `requestId` (the x-request-id it was sent with). One FilterLogEvents read of the group (all
 * pages), repeated while awslogs may still be shipping the last lines.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsClients } from '../deploy/clients.ts';
import { allLogEvents } from './leak-scan.ts';

/** The ids of `requestIds` with no log line in the group. */
export async function missingRequestLogs(
  clients: AwsClients,
  logGroupName: string,
  requestIds: string[],
  options: { timeoutMs: number; pollMs: number } = { timeoutMs: 20_000, pollMs: 500 },
): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const events = await allLogEvents(clients, logGroupName);
    const logged = new Set(events.flatMap((event) => requestIdOf(event.message ?? '')));
    const missing = requestIds.filter((id) => !logged.has(id));
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await sleep(options.pollMs);
  }
}

function requestIdOf(message: string): string[] {
  try {
    const line = JSON.parse(message) as { requestId?: unknown };
    return typeof line.requestId === 'string' ? [line.requestId] : [];
  } catch {
    return [];
  }
}
