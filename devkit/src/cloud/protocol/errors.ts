/**
 * Errors named as AWS names them. Handlers throw a subclass (or a ServiceError with an explicit
 * code, e.g. EC2's dotted `InvalidVpcID.NotFound`); the protocol layer serializes it once.
 */
export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  /** Query protocols say who is at fault: the caller (Sender) or the service (Receiver). */
  readonly fault: 'Sender' | 'Receiver';
  /** Members the error shape carries besides its message (MalformedQueryException's queryCompileError). */
  readonly members: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    options: { code?: string; status?: number; members?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.code = options.code ?? new.target.name;
    this.members = options.members ?? {};
    this.status = options.status ?? 400;
    this.fault = this.status >= 500 ? 'Receiver' : 'Sender';
    this.name = this.code;
  }
}

/** The request body is not valid for the protocol (bad JSON, a wrong type). */
export class SerializationException extends ServiceError {}

/** A required member is missing or a value breaks a modelled constraint. */
export class ValidationException extends ServiceError {}

/** The operation is not one of this service's (a typo, or another service's). */
export class UnknownOperationException extends ServiceError {}

/**
 * An operation of the service's AWS model that the local cloud does not serve. HTTP's own 501: the
 * gap is the emulator's, not the caller's, and neither the SDK nor the AWS CLI retries a 501 (they
 * retry 500/502/503/504), so the caller sees this one clear answer at once.
 */
export class NotImplemented extends ServiceError {
  constructor(message: string) {
    super(message, { status: 501 });
  }
}

/** Something broke inside the local cloud: reported as AWS reports its own faults. */
export class InternalFailure extends ServiceError {
  constructor(message: string) {
    super(message, { status: 500 });
  }
}

/** AWS's standard wording for a missing required member. */
export function missingMemberMessage(path: string): string {
  return `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`;
}
