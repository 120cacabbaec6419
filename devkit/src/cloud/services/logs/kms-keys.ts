/**
 * AssociateKmsKey / DisassociateKmsKey: the KMS key that encrypts a log group's new events, or the
 * account's Logs Insights query results. The local cloud stores the key's ARN (DescribeLogGroups
 * shows it) and encrypts nothing; there is no KMS to ask whether the key exists.
 */
import type { AssociateKmsKeyRequest, DisassociateKmsKeyRequest } from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterException } from './errors.ts';
import type { LogGroupRecord, LogsState } from './state.ts';
import { findGroup, findGroupByArn } from './state.ts';

const KEY_ARN = /^arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/+=,.@-]+$/;
const QUERY_RESULTS = /^arn:aws[\w-]*:logs:[^:]*:[^:]*:query-result:\*$/;

type Target = { group: LogGroupRecord } | { queryResults: true };

/** Exactly one of logGroupName and resourceIdentifier (a log group ARN or the query-result resource). */
function targetOf(
  state: LogsState,
  input: { logGroupName?: string | undefined; resourceIdentifier?: string | undefined },
): Target {
  if ((input.logGroupName === undefined) === (input.resourceIdentifier === undefined)) {
    throw new InvalidParameterException('Specify exactly one of logGroupName and resourceIdentifier.');
  }
  if (input.logGroupName !== undefined) return { group: findGroup(state, input.logGroupName) };
  const id = input.resourceIdentifier!;
  if (QUERY_RESULTS.test(id)) return { queryResults: true };
  if (!id.startsWith('arn:')) throw new InvalidParameterException(`Invalid resourceIdentifier: ${id}`);
  return { group: findGroupByArn(state, id) };
}

export const associateKmsKey: Handler<Checked<AssociateKmsKeyRequest, 'kmsKeyId'>, void, LogsState> = (
  input,
  ctx,
) => {
  if (!KEY_ARN.test(input.kmsKeyId)) {
    throw new InvalidParameterException(`Specified KMS key ARN is invalid: ${input.kmsKeyId}`);
  }
  const target = targetOf(ctx.state, input);
  if ('group' in target) target.group.kmsKeyId = input.kmsKeyId;
  else ctx.state.queryResultsKmsKeyId = input.kmsKeyId;
};

export const disassociateKmsKey: Handler<DisassociateKmsKeyRequest, void, LogsState> = (input, ctx) => {
  const target = targetOf(ctx.state, input);
  // Without a key it is a no-op (AWS's reference is silent): IaC may disassociate twice.
  if ('group' in target) delete target.group.kmsKeyId;
  else delete ctx.state.queryResultsKmsKeyId;
};
