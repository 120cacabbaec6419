import * as sdk from '@aws-sdk/client-sts';
import type { GetCallerIdentityRequest, GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import type { Handler, ServiceDefinition } from '../../service-definition.ts';

/** The local cloud has one identity: the account's root user, whatever credentials are sent. */
const getCallerIdentity: Handler<GetCallerIdentityRequest, GetCallerIdentityResponse> = (_input, ctx) => ({
  UserId: ctx.accountId,
  Account: ctx.accountId,
  Arn: `arn:aws:iam::${ctx.accountId}:root`,
});

export const sts: ServiceDefinition<Record<string, never>> = {
  signingName: 'sts',
  protocol: 'awsQuery',
  constraintError: 'ValidationError',
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  schemas: sdk,
  global: true,
  initialState: () => ({}),
  operations: { GetCallerIdentity: getCallerIdentity },
};
