/**
 * The service's log events on the terminal, shared by `logs` and `up`: readable by default (each
 * JSON line through pino-pretty: time, level, message, request, status, duration), raw with --json
 * (the lines as the service wrote them, for jq). The health probe's access lines (a GET /health
 * every few seconds per task) are left out unless asked for: they bury the requests that matter.
 */
import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { prettyFactory } from 'pino-pretty';
import type { AwsClients } from '../deploy/clients.ts';
import type { LogOptions } from '../deploy/logs.ts';
import { readLogs } from '../deploy/logs.ts';
import type { Stack } from '../stack/load.ts';

export interface PrintOptions {
  /** The lines as written, one per event. */
  json: boolean;
  /** Keep the health probe's access lines. */
  healthChecks: boolean;
}

/** The path the image's HEALTHCHECK (service/src/healthcheck.sh) and the load balancer probe. */
const HEALTH_PROBE_PATH = '/health';

/** An access line the service wrote for a health probe (its request-context.ts shape). */
export function isHealthProbe(message: string): boolean {
  if (!message.includes(HEALTH_PROBE_PATH)) return false;
  try {
    const line = JSON.parse(message) as { event?: unknown; method?: unknown; path?: unknown };
    return line.event === 'access' && line.method === 'GET' && line.path === HEALTH_PROBE_PATH;
  } catch {
    return false;
  }
}

/** A JSON line as one readable line (errors keep their stack below it); other text as it is. */
export function readableLine(colorize: boolean): (message: string) => string {
  const pretty = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'pid,hostname,service,event,method,path,status,durationMs,requestId',
    messageFormat:
      '{msg}{if method} {method} {path} {status} {durationMs} ms{end}{if requestId} [{requestId}]{end}',
  });
  return (message) => pretty(message).trimEnd();
}

/** Prints until the events end (or, following, until the signal aborts: that is not an error). */
export async function printLogs(
  clients: AwsClients,
  stack: Stack,
  options: LogOptions & PrintOptions,
): Promise<void> {
  const readable = readableLine(process.stdout.isTTY === true && !process.env.NO_COLOR);
  // Filtered where they are read, so `--tail N` counts the lines shown.
  const keep =
    options.healthChecks || options.json
      ? undefined
      : (event: FilteredLogEvent) => !isHealthProbe((event.message ?? '').trimEnd());
  try {
    for await (const event of readLogs(clients, stack, { ...options, ...(keep ? { keep } : {}) })) {
      const message = (event.message ?? '').trimEnd();
      console.log(options.json ? message : readable(message));
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
}
