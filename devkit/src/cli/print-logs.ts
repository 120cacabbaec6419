/** Log events as terminal lines (`time stream message`), shared by `logs` and `up`. */
import type { AwsClients } from '../deploy/clients.ts';
import type { LogOptions } from '../deploy/logs.ts';
import { readLogs } from '../deploy/logs.ts';
import type { Stack } from '../stack/load.ts';

/** Prints until the events end (or, following, until the signal aborts: that is not an error). */
export async function printLogs(clients: AwsClients, stack: Stack, options: LogOptions): Promise<void> {
  try {
    for await (const event of readLogs(clients, stack, options)) {
      const when = new Date(event.timestamp ?? 0).toISOString();
      console.log(`${when} ${event.logStreamName ?? ''} ${(event.message ?? '').trimEnd()}`);
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
}
