/**
 * DryRun, for every EC2 operation in one place: the call runs against a throwaway copy of the
 * region's state, so it is validated exactly as a real call (and fails as one would), then answers
 * DryRunOperation with nothing changed. Permission checks happen before any handler (the gateway's),
 * so a caller who may not make the call gets UnauthorizedOperation instead, as on AWS.
 */
import { ServiceError } from '../../protocol/errors.ts';
import type { Handler } from '../../service-definition.ts';
import type { Ec2State } from './state.ts';

/** A deep copy that keeps the state's prototype-free records prototype-free. */
function copyOf<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.setPrototypeOf(v, null);
    return v;
  }) as T;
}

export function withDryRun(handler: Handler<never, unknown, Ec2State>): Handler<never, unknown, Ec2State> {
  return async (input, ctx) => {
    if ((input as { DryRun?: boolean }).DryRun !== true) return handler(input, ctx);
    await handler(input, { ...ctx, state: copyOf(ctx.state) });
    // EC2 answers a dry run with HTTP 412.
    throw new ServiceError('Request would have succeeded, but DryRun flag is set.', {
      code: 'DryRunOperation',
      status: 412,
    });
  };
}
