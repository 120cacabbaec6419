import * as sdk from '@aws-sdk/client-secrets-manager';
import { secretsManagerAuthorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import {
  createSecret,
  deleteSecret,
  describeSecret,
  listSecrets,
  restoreSecret,
  updateSecret,
} from './secrets.ts';
import { getRandomPassword } from './random-password.ts';
import {
  deleteResourcePolicy,
  getResourcePolicy,
  putResourcePolicy,
  validateResourcePolicy,
} from './resource-policy.ts';
import {
  removeRegionsFromReplication,
  replicateSecretToRegions,
  stopReplicationToReplica,
} from './replication.ts';
import { listSecretVersionIds, updateSecretVersionStage } from './staging.ts';
import { cancelRotateSecret, rotateSecret } from './rotation.ts';
import { initialSecretsState, type SecretsState } from './state.ts';
import { tagResource, untagResource } from './tags.ts';
import { batchGetSecretValue, getSecretValue, putSecretValue } from './values.ts';

export { resolveSecretValue, type SecretRequest } from './resolve.ts';
export { initialSecretsState, type SecretsState } from './state.ts';

/**
 * Secrets Manager: secrets with versions and staging labels, deletion with a recovery window, tags,
 * random passwords, batch reads; resource policies (validated), rotation configuration as stored
 * state; replicas in their regions, promoted by StopReplicationToReplica.
 */
export const secretsmanager: ServiceDefinition<SecretsState> = {
  signingName: 'secretsmanager',
  protocol: 'awsJson1_1',
  constraintError: 'ValidationException',
  targetPrefix: 'secretsmanager',
  schemas: sdk,
  initialState: initialSecretsState,
  authorization: secretsManagerAuthorization,
  operations: {
    CreateSecret: createSecret,
    DescribeSecret: describeSecret,
    UpdateSecret: updateSecret,
    DeleteSecret: deleteSecret,
    RestoreSecret: restoreSecret,
    ListSecrets: listSecrets,
    GetSecretValue: getSecretValue,
    PutSecretValue: putSecretValue,
    TagResource: tagResource,
    UntagResource: untagResource,
    GetRandomPassword: getRandomPassword,
    PutResourcePolicy: putResourcePolicy,
    GetResourcePolicy: getResourcePolicy,
    DeleteResourcePolicy: deleteResourcePolicy,
    RotateSecret: rotateSecret,
    CancelRotateSecret: cancelRotateSecret,
    ListSecretVersionIds: listSecretVersionIds,
    UpdateSecretVersionStage: updateSecretVersionStage,
    BatchGetSecretValue: batchGetSecretValue,
    ValidateResourcePolicy: validateResourcePolicy,
    ReplicateSecretToRegions: replicateSecretToRegions,
    RemoveRegionsFromReplication: removeRegionsFromReplication,
    StopReplicationToReplica: stopReplicationToReplica,
  },
};
