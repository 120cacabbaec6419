/** CloudWatch's errors, named by their query codes (the JSON protocol maps them to its shapes). */
import { ServiceError } from '../../protocol/errors.ts';

export class InvalidParameterValue extends ServiceError {}
export class InvalidParameterCombination extends ServiceError {}
export class MissingParameter extends ServiceError {}
export class InvalidNextToken extends ServiceError {}
export class ResourceNotFound extends ServiceError {
  constructor(message: string) {
    super(message, { status: 404 });
  }
}
