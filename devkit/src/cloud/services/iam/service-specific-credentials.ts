/**
 * Service-specific credentials: a user name and password for CodeCommit's Git over HTTPS or Amazon
 * Keyspaces, an alias and secret (a Bedrock API key, which may expire) for Bedrock. Two per
 * service per user; the password or secret is shown by Create and Reset only.
 *
 * Chosen where the reference is silent: the password or secret is not kept at all (no local
 * service signs in with it); CredentialAgeDays for a service other than Bedrock is InvalidInput;
 * a Bedrock alias is `BedrockAPIKey-<4 characters>-at-<account>`.
 */
import { randomBytes } from 'node:crypto';
import type {
  CreateServiceSpecificCredentialRequest,
  CreateServiceSpecificCredentialResponse,
  DeleteServiceSpecificCredentialRequest,
  ListServiceSpecificCredentialsRequest,
  ListServiceSpecificCredentialsResponse,
  ResetServiceSpecificCredentialRequest,
  ResetServiceSpecificCredentialResponse,
  ServiceSpecificCredential,
  ServiceSpecificCredentialMetadata,
  UpdateServiceSpecificCredentialRequest,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import type { IamState, ServiceSpecificCredentialRecord, UserRecord } from './state.ts';
import { findUser, invalidInput, noSuchEntity, settableStatus, uniqueId, users } from './state.ts';
import { namedOrCallingUser } from './users.ts';

const SUPPORTED_SERVICES = ['codecommit.amazonaws.com', 'cassandra.amazonaws.com', 'bedrock.amazonaws.com'];
const BEDROCK = 'bedrock.amazonaws.com';
const CREDENTIALS_PER_SERVICE = 2;
const DAY_MS = 86_400_000;

function checkService(serviceName: string): void {
  if (!SUPPORTED_SERVICES.includes(serviceName)) {
    throw new ServiceError(
      `Service ${serviceName} is not supported for service-specific credentials (supported: ${SUPPORTED_SERVICES.join(', ')}).`,
      { code: 'NotSupportedService', status: 404 },
    );
  }
}

function credentialOf(user: UserRecord, id: string): ServiceSpecificCredentialRecord {
  const credential = (user.serviceSpecificCredentials ?? []).find((c) => c.id === id);
  if (!credential) throw noSuchEntity(`No such credential ${id} exists for user ${user.name}.`);
  return credential;
}

/** A credential past its expiry reads as Expired. */
function metadata(user: UserRecord, c: ServiceSpecificCredentialRecord): ServiceSpecificCredentialMetadata {
  return {
    UserName: user.name,
    Status: c.expiresMs !== undefined && c.expiresMs <= Date.now() ? 'Expired' : c.status,
    ...(c.serviceUserName !== undefined ? { ServiceUserName: c.serviceUserName } : {}),
    ...(c.serviceCredentialAlias !== undefined ? { ServiceCredentialAlias: c.serviceCredentialAlias } : {}),
    CreateDate: toDate(c.createdMs)!,
    ...(c.expiresMs !== undefined ? { ExpirationDate: toDate(c.expiresMs)! } : {}),
    ServiceSpecificCredentialId: c.id,
    ServiceName: c.serviceName,
  };
}

/** The credential with a new secret: a password for a user name, or a Bedrock API key's secret. */
function withSecret(user: UserRecord, c: ServiceSpecificCredentialRecord): ServiceSpecificCredential {
  const secret = randomBytes(32).toString('base64');
  return {
    ...metadata(user, c),
    ...(c.serviceName === BEDROCK ? { ServiceCredentialSecret: secret } : { ServicePassword: secret }),
  };
}

export const createServiceSpecificCredential: Handler<
  Checked<CreateServiceSpecificCredentialRequest, 'ServiceName' | 'UserName'>,
  CreateServiceSpecificCredentialResponse,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  checkService(input.ServiceName);
  if (input.CredentialAgeDays !== undefined && input.ServiceName !== BEDROCK) {
    throw invalidInput('CredentialAgeDays is valid only for Bedrock API keys (bedrock.amazonaws.com).');
  }
  const credentials = (user.serviceSpecificCredentials ??= []);
  if (credentials.filter((c) => c.serviceName === input.ServiceName).length >= CREDENTIALS_PER_SERVICE) {
    throw new ServiceError(
      `Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: ${CREDENTIALS_PER_SERVICE}`,
      { code: 'LimitExceeded', status: 409 },
    );
  }
  const now = Date.now();
  const record: ServiceSpecificCredentialRecord = {
    id: uniqueId('ACCA', 16),
    serviceName: input.ServiceName,
    ...(input.ServiceName === BEDROCK
      ? { serviceCredentialAlias: `BedrockAPIKey-${uniqueId('', 4).toLowerCase()}-at-${ctx.accountId}` }
      : { serviceUserName: `${user.name}-at-${ctx.accountId}` }),
    status: 'Active',
    createdMs: now,
    ...(input.CredentialAgeDays !== undefined ? { expiresMs: now + input.CredentialAgeDays * DAY_MS } : {}),
  };
  credentials.push(record);
  return { ServiceSpecificCredential: withSecret(user, record) };
};

/** The calling user's (or the one named), of one service or all; AllUsers: every user's. */
export const listServiceSpecificCredentials: Handler<
  ListServiceSpecificCredentialsRequest,
  ListServiceSpecificCredentialsResponse,
  IamState
> = (input, ctx) => {
  if (input.ServiceName !== undefined) checkService(input.ServiceName);
  const holders = input.AllUsers
    ? Object.values(users(ctx.state)).sort((a, b) => a.name.localeCompare(b.name))
    : [namedOrCallingUser(ctx.state, ctx.caller, input.UserName)];
  const listed = holders.flatMap((u) =>
    (u.serviceSpecificCredentials ?? [])
      .filter((c) => input.ServiceName === undefined || c.serviceName === input.ServiceName)
      .map((c) => metadata(u, c)),
  );
  const { page, nextToken } = paginate(listed, input.MaxItems, input.Marker);
  return {
    ServiceSpecificCredentials: page,
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const resetServiceSpecificCredential: Handler<
  Checked<ResetServiceSpecificCredentialRequest, 'ServiceSpecificCredentialId'>,
  ResetServiceSpecificCredentialResponse,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  return {
    ServiceSpecificCredential: withSecret(user, credentialOf(user, input.ServiceSpecificCredentialId)),
  };
};

export const updateServiceSpecificCredential: Handler<
  Checked<UpdateServiceSpecificCredentialRequest, 'ServiceSpecificCredentialId' | 'Status'>,
  void,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  const credential = credentialOf(user, input.ServiceSpecificCredentialId);
  credential.status = settableStatus(input.Status);
};

export const deleteServiceSpecificCredential: Handler<
  Checked<DeleteServiceSpecificCredentialRequest, 'ServiceSpecificCredentialId'>,
  void,
  IamState
> = (input, ctx) => {
  const user = namedOrCallingUser(ctx.state, ctx.caller, input.UserName);
  credentialOf(user, input.ServiceSpecificCredentialId);
  user.serviceSpecificCredentials = user.serviceSpecificCredentials!.filter(
    (c) => c.id !== input.ServiceSpecificCredentialId,
  );
};
