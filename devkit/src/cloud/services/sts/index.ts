import * as sdk from '@aws-sdk/client-sts';
import { stsAuthorization } from './permissions.ts';
import type { GetCallerIdentityRequest, GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import type { Handler, ServiceDefinition } from '../../service-definition.ts';
import { assumeRole, assumeRoleWithWebIdentity } from './assume-role.ts';
import { initialStsState, type StsState } from './state.ts';

/** The caller: a role session STS issued, or the account's root for any other credentials. */
const getCallerIdentity: Handler<GetCallerIdentityRequest, GetCallerIdentityResponse, StsState> = (
  _input,
  ctx,
) =>
  ctx.caller.kind === 'session'
    ? { UserId: ctx.caller.session.assumedRoleId, Account: ctx.accountId, Arn: ctx.caller.arn }
    : { UserId: ctx.accountId, Account: ctx.accountId, Arn: ctx.caller.arn };

/** STS: who am I, and temporary credentials for roles (AssumeRole, AssumeRoleWithWebIdentity). Global. */
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
  },
};
