import * as sdk from '@aws-sdk/client-sts';
import { stsAuthorization } from './permissions.ts';
import type {
  DecodeAuthorizationMessageRequest,
  DecodeAuthorizationMessageResponse,
  GetCallerIdentityRequest,
  GetCallerIdentityResponse,
} from '@aws-sdk/client-sts';
import { decodeAuthorizationMessage as openMessage } from '../../access/authorization-message.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { Handler, ServiceDefinition } from '../../service-definition.ts';
import { assumeRole, assumeRoleWithWebIdentity } from './assume-role.ts';
import { initialStsState, type StsState } from './state.ts';
import { getAccessKeyInfo, getFederationToken, getSessionToken } from './user-sessions.ts';

/** The caller: a role session, an IAM user, a federated user, or the account's root for other credentials. */
const getCallerIdentity: Handler<GetCallerIdentityRequest, GetCallerIdentityResponse, StsState> = (
  _input,
  ctx,
) => {
  const { caller } = ctx;
  const userId =
    caller.kind === 'session'
      ? caller.session.assumedRoleId
      : caller.kind === 'user'
        ? caller.user.id
        : caller.kind === 'federated'
          ? caller.session.federatedUser!.id
          : ctx.accountId;
  return { UserId: userId, Account: ctx.accountId, Arn: caller.arn };
};

/** EC2's encoded authorization failure message, decoded; anything this cloud did not encode is invalid. */
const decodeAuthorizationMessage: Handler<
  DecodeAuthorizationMessageRequest,
  DecodeAuthorizationMessageResponse,
  StsState
> = (input, ctx) => {
  const decoded = openMessage(ctx.store, String(input.EncodedMessage ?? ''));
  if (decoded === undefined) {
    throw new ServiceError('The message is not a valid encoded authorization message.', {
      code: 'InvalidAuthorizationMessageException',
      status: 400,
    });
  }
  return { DecodedMessage: decoded };
};

/**
 * STS: who am I, temporary credentials for roles (AssumeRole, AssumeRoleWithWebIdentity), for users
 * and the root (GetSessionToken, GetFederationToken), a key's account, EC2's encoded denials. Global.
 */
export const sts: ServiceDefinition<StsState> = {
  signingName: 'sts',
  protocol: 'awsQuery',
  constraintError: 'ValidationError',
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  schemas: sdk,
  global: true,
  initialState: initialStsState,
  authorization: stsAuthorization,
  operations: {
    GetCallerIdentity: getCallerIdentity,
    AssumeRole: assumeRole,
    AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
    DecodeAuthorizationMessage: decodeAuthorizationMessage,
    GetSessionToken: getSessionToken,
    GetFederationToken: getFederationToken,
    GetAccessKeyInfo: getAccessKeyInfo,
  },
};
