/** ECS's error types, named as AWS names them (`__type` on the wire, the SDK's error `name`). */
import { ServiceError } from '../../protocol/errors.ts';

/** The request is wrong in a way ECS checks itself (task definitions, references). */
export class ClientException extends ServiceError {}
export class InvalidParameterException extends ServiceError {}
export class ClusterNotFoundException extends ServiceError {}
export class ClusterContainsServicesException extends ServiceError {}
export class ClusterContainsTasksException extends ServiceError {}
export class ServiceNotFoundException extends ServiceError {}
export class ServiceNotActiveException extends ServiceError {}
export class ResourceNotFoundException extends ServiceError {}
export class ResourceInUseException extends ServiceError {}
export class NamespaceNotFoundException extends ServiceError {}

export const clusterNotFound = (): ClusterNotFoundException =>
  new ClusterNotFoundException('Cluster not found.');
export const serviceNotFound = (): ServiceNotFoundException =>
  new ServiceNotFoundException('Service not found.');
export class TargetNotConnectedException extends ServiceError {}
export class TaskSetNotFoundException extends ServiceError {}
