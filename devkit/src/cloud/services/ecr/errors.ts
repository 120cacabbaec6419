/** ECR's errors, named as ECR names them (messages follow ECR's wording). */
import { ServiceError } from '../../protocol/errors.ts';

export class RepositoryNotFoundException extends ServiceError {}
export class RepositoryAlreadyExistsException extends ServiceError {}
export class RepositoryNotEmptyException extends ServiceError {}
export class ImageNotFoundException extends ServiceError {}
export class LifecyclePolicyNotFoundException extends ServiceError {}
export class ScanNotFoundException extends ServiceError {}
export class InvalidParameterException extends ServiceError {}
export class ImageAlreadyExistsException extends ServiceError {}
export class ImageTagAlreadyExistsException extends ServiceError {}
export class ImageDigestDoesNotMatchException extends ServiceError {}
export class LayersNotFoundException extends ServiceError {}
export class ReferencedImagesNotFoundException extends ServiceError {}
export class UploadNotFoundException extends ServiceError {}
export class InvalidLayerPartException extends ServiceError {}
export class InvalidLayerException extends ServiceError {}
export class LayerAlreadyExistsException extends ServiceError {}
export class EmptyUploadException extends ServiceError {}
export class RegistryPolicyNotFoundException extends ServiceError {}
export class RepositoryPolicyNotFoundException extends ServiceError {}
export class InvalidTagParameterException extends ServiceError {}
export class TooManyTagsException extends ServiceError {}
