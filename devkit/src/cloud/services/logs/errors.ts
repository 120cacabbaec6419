/** CloudWatch Logs' errors, named as CloudWatch Logs names them. */
import { ServiceError } from '../../protocol/errors.ts';

export class ResourceNotFoundException extends ServiceError {}
export class ResourceAlreadyExistsException extends ServiceError {}
export class InvalidParameterException extends ServiceError {}
export class TooManyTagsException extends ServiceError {}
export class LimitExceededException extends ServiceError {}

/** AWS's wording when a value breaks a modelled constraint (CloudWatch Logs reports it as a bad parameter). */
export function constraintViolation(
  value: unknown,
  member: string,
  constraint: string,
): InvalidParameterException {
  return new InvalidParameterException(
    `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Checks an integer member against its modelled range (the protocol layer checks only types). */
export function checkRange(value: number | undefined, member: string, min: number, max: number): void {
  if (value === undefined) return;
  if (value < min)
    throw constraintViolation(value, member, `Member must have value greater than or equal to ${min}`);
  if (value > max)
    throw constraintViolation(value, member, `Member must have value less than or equal to ${max}`);
}
export class InvalidOperationException extends ServiceError {}
