/**
 * One HTTP health check of one target, as an ALB makes it: GET the path, a code the matcher
 * accepts within the timeout passes; otherwise the reason code and wording AWS reports.
 */
import { request } from 'node:http';
import type { HealthCheckRecord, TargetHealthRecord } from '../services/elbv2/state.ts';

/** `200`, `200,202`, `200-299`. */
export function matcherAccepts(matcher: string, status: number): boolean {
  return matcher.split(',').some((part) => {
    const [from, to] = part.split('-').map(Number);
    return to === undefined ? status === from : status >= from! && status <= to;
  });
}

export type CheckResult = { passed: true } | { passed: false; failure: TargetHealthRecord };

const failed = (reason: TargetHealthRecord['reason'], description: string): CheckResult => ({
  passed: false,
  failure: { state: 'unhealthy', reason, description },
});

export function checkTarget(
  address: { host: string; port: number },
  check: HealthCheckRecord,
  timeoutMs: number,
): Promise<CheckResult> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: address.host,
        port: address.port,
        path: check.path,
        method: 'GET',
        headers: { 'user-agent': 'ELB-HealthChecker/2.0', connection: 'close' },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(
          matcherAccepts(check.matcher, status)
            ? { passed: true }
            : failed('Target.ResponseCodeMismatch', `Health checks failed with these codes: [${status}]`),
        );
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve(failed('Target.Timeout', 'Request timed out'));
    });
    req.on('error', () => resolve(failed('Target.FailedHealthChecks', 'Health checks failed')));
    req.end();
  });
}
