/**
 * Secrets as ECS injects them into a task's environment: `valueFrom` names a secret (by name, full
 * ARN or partial ARN), optionally followed by `:json-key:version-stage:version-id`. Failures read
 * as Fargate reports them in the task's stoppedReason.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceError } from '../../protocol/errors.ts';
import type { SecretRecord, SecretsState } from './state.ts';
import { liveSecret } from './state.ts';
import { selectVersion } from './versions.ts';

const PREFIX =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed:';
const ASM_PREFIX = `${PREFIX} unable to retrieve secret from asm: service call has been retried 1 time(s):`;

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key[:version-stage[:version-id]]]` */
const SECRET_REFERENCE =
  /^(arn:aws[\w-]*:secretsmanager:[^:]*:[^:]*:secret:[^:]+)(?::([^:]*)(?::([^:]*)(?::([^:]*))?)?)?$/;

interface SecretReference {
  secretId: string;
  jsonKey?: string | undefined;
  versionStage?: string | undefined;
  versionId?: string | undefined;
}

function parseReference(valueFrom: string): SecretReference {
  if (!valueFrom.startsWith('arn:')) return { secretId: valueFrom };
  if (/^arn:aws[\w-]*:ssm:/.test(valueFrom)) {
    // The local cloud has no Parameter Store: every parameter is one ECS cannot find.
    throw new Error(
      `${PREFIX} unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: ${valueFrom.replace(/^.*:parameter\/?/, '')}`,
    );
  }
  const match = SECRET_REFERENCE.exec(valueFrom);
  if (!match) {
    throw new Error(
      `${ASM_PREFIX} failed to fetch secret ${valueFrom} from secrets manager: InvalidParameterException: Invalid ARN`,
    );
  }
  const [, secretId, jsonKey, versionStage, versionId] = match;
  return {
    secretId: secretId!,
    jsonKey: jsonKey || undefined,
    versionStage: versionStage || undefined,
    versionId: versionId || undefined,
  };
}

/** A JSON key's value as the agent (Go's `%v`) prints it. */
function printed(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '<nil>';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function jsonKeyOf(secretString: string, key: string): string {
  let document: unknown;
  try {
    document = JSON.parse(secretString);
  } catch {
    const first = secretString.trim()[0];
    throw new Error(
      `${ASM_PREFIX} ${first === undefined ? 'unexpected end of JSON input' : `invalid character '${first}' looking for beginning of value`}`,
    );
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    const kind = Array.isArray(document) ? 'array' : typeof document === 'object' ? 'null' : typeof document;
    throw new Error(
      `${ASM_PREFIX} json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`,
    );
  }
  if (!Object.hasOwn(document, key)) {
    throw new Error(`${ASM_PREFIX} retrieved secret from Secrets Manager did not contain json key ${key}`);
  }
  return printed((document as Record<string, unknown>)[key]);
}

/** The secret a task asks for, as its execution role's GetSecretValue is evaluated on it. */
export interface SecretRequest {
  /** The name or ARN the task definition gives. */
  secretId: string;
  /** The secret's full ARN, when it exists. */
  arn?: string;
  resourcePolicy?: string;
}

/**
 * The value ECS would put in the container's environment for `valueFrom`, or the error it would
 * stop the task with. `authorize` (IAM enforced) may refuse the read, with AWS's error, before
 * anything about the secret is revealed.
 */
export function resolveSecretValue(
  state: SecretsState,
  valueFrom: string,
  authorize?: (request: SecretRequest) => void,
): string {
  const reference = parseReference(valueFrom);
  let secretString: string;
  try {
    let secret: SecretRecord | undefined;
    let missing: unknown;
    try {
      secret = liveSecret(state, reference.secretId);
    } catch (error) {
      missing = error;
    }
    authorize?.({
      secretId: reference.secretId,
      ...(secret ? { arn: secret.arn } : {}),
      ...(secret?.resourcePolicy !== undefined ? { resourcePolicy: secret.resourcePolicy } : {}),
    });
    if (!secret) throw missing;
    const version = selectVersion(secret, reference.versionId, reference.versionStage);
    // ECS reads SecretString only; a binary secret injects an empty value.
    secretString = version.secretString ?? '';
  } catch (error) {
    const { code, message } = error as ServiceError;
    throw new Error(
      `${ASM_PREFIX} failed to fetch secret ${reference.secretId} from secrets manager: ${code}: ${message} status code: 400, request id: ${randomUUID()}`,
      { cause: error },
    );
  }
  return reference.jsonKey === undefined ? secretString : jsonKeyOf(secretString, reference.jsonKey);
}
