/** ECR's errors, named as ECR names them (messages follow ECR's wording). */
import { ServiceError } from '../../protocol/errors.ts';

export class RepositoryNotFoundException extends ServiceError {}
export class RepositoryAlreadyExistsException extends ServiceError {}
export class RepositoryNotEmptyException extends ServiceError {}
export class ImageNotFoundException extends ServiceError {}
export class LifecyclePolicyNotFoundException extends ServiceError {}
export class ScanNotFoundException extends ServiceError {}
export class InvalidParameterException extends ServiceError {}
