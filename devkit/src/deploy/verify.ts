import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { reachableUrl } from '../net/loopback.ts';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import type { Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';
import { deployedServiceUrl } from './service-url.ts';

export interface VerifyOptions {
  /** How long each check may take to pass (the endpoint may need a moment to route to new tasks). */
  timeoutMs: number;
  pollMs: number;
  question: string;
}

export const DEFAULT_VERIFY_OPTIONS: VerifyOptions = {
  timeoutMs: 60_000,
  // The log line usually lands within a second: look twice a second, not once.
  pollMs: 500,
  question: 'In one sentence: what is a container?',
};

export interface VerifyResult {
  url: string;
  requestId: string;
}

/** Retries `check` until it returns a value or the time is up; the last error explains the failure. */
async function eventually<T>(
  what: string,
  options: VerifyOptions,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new DeployError(
        `verify: ${what} failed within ${options.timeoutMs / 1000} s: ${lastError}`,
        'verify',
      );
    }
    await sleep(options.pollMs);
  }
}

/**
 * Checks the deployed service from outside, through its load balancer: /health answers, one chat
 * request is answered, and that request's log line (found by its x-request-id) reached CloudWatch Logs.
 */
export function verifyDeployment(
  clients: AwsClients,
  stack: Stack,
  progress: Progress,
  options: VerifyOptions = DEFAULT_VERIFY_OPTIONS,
): Promise<VerifyResult> {
  return runStep(
    progress,
    'verify',
    `verify ${stack.config.name} (${stack.stage})`,
    async (report) => {
      const url = await deployedServiceUrl(clients, stack);
      if (!url)
        throw new DeployError(
          `verify: the stage has no load balancer: \`devkit deploy\` provisions it`,
          'verify',
        );
      report.output(`through ${url}`);
      const startTime = Date.now();
      await eventually('GET /health', options, async () => {
        const response = await fetch(reachableUrl(url, '/health'), { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return true;
      });
      report.output('GET /health: 200');
      const requestId = `devkit-verify-${randomUUID()}`;
      const answer = await eventually('POST /v1/chat', options, async () => {
        const response = await fetch(reachableUrl(url, '/v1/chat'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': requestId },
          body: JSON.stringify({ question: options.question }),
          signal: AbortSignal.timeout(30_000),
        });
        const body = (await response.json().catch(() => ({}))) as { answer?: unknown };
        if (!response.ok || typeof body.answer !== 'string') {
          throw new Error(`HTTP ${response.status} ${JSON.stringify(body).slice(0, 200)}`);
        }
        return body.answer;
      });
      report.output(`POST /v1/chat: ${answer.slice(0, 80)}${answer.length > 80 ? '…' : ''}`);
      const logGroupName = stack.config.logs.group;
      const line = await eventually(
        `log line of request ${requestId} in ${logGroupName}`,
        options,
        async () => {
          const { events = [] } = await clients.logs.send(
            new FilterLogEventsCommand({
              logGroupName,
              filterPattern: `"${requestId}"`,
              startTime: startTime - 60_000,
            }),
          );
          return events[0]?.message;
        },
      );
      report.output(`log line found: ${line.trim().slice(0, 120)}`);
      return { url, requestId };
    },
    (result) => `healthy, answered, logged (${result.requestId})`,
  );
}
