/** Secrets Manager's errors, named and worded as Secrets Manager names and words them. */
import { ServiceError } from '../../protocol/errors.ts';

export class ResourceNotFoundException extends ServiceError {}
export class ResourceExistsException extends ServiceError {}
export class InvalidParameterException extends ServiceError {}
export class InvalidRequestException extends ServiceError {}
export class InvalidNextTokenException extends ServiceError {}
export class MalformedPolicyDocumentException extends ServiceError {}
export class LimitExceededException extends ServiceError {}

export function secretNotFound(): ResourceNotFoundException {
  return new ResourceNotFoundException("Secrets Manager can't find the specified secret.");
}

/** What every operation but Describe, Restore and a forced Delete answers for a secret scheduled for deletion. */
export function markedForDeletion(): InvalidRequestException {
  return new InvalidRequestException(
    "You can't perform this operation on the secret because it was marked for deletion.",
  );
}
