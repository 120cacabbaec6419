/**
 * Subscription destinations (PutDestination, PutDestinationPolicy, DescribeDestinations,
 * DeleteDestination), as stored state: the local cloud delivers no events to them. PutDestination
 * creates or updates (an update keeps the access policy); the access policy is checked with IAM's
 * resource-policy grammar. Where the reference is silent: a bad ARN or access policy is
 * InvalidParameterException; PutDestinationPolicy on an unknown destination is
 * ResourceNotFoundException, as DeleteDestination's is.
 */
import type {
  DeleteDestinationRequest,
  DescribeDestinationsRequest,
  DescribeDestinationsResponse,
  Destination,
  PutDestinationPolicyRequest,
  PutDestinationRequest,
  PutDestinationResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import { parsePolicyDocument } from '../../access/policy-document.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { arn, nameMap, paginate } from '../common.ts';
import { checkRange, InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import type { DestinationRecord, LogsState } from './state.ts';

const ARN = /^arn:aws[\w-]*:[\w-]+:[\w-]*:\d{12}:.+$/;

function destinations(state: LogsState): Record<string, DestinationRecord> {
  return (state.destinations ??= nameMap());
}

function findDestination(state: LogsState, name: string): DestinationRecord {
  const destination = Object.hasOwn(destinations(state), name) ? destinations(state)[name] : undefined;
  if (!destination) throw new ResourceNotFoundException('The specified destination does not exist.');
  return destination;
}

function destinationShape(d: DestinationRecord): Destination {
  return {
    destinationName: d.destinationName,
    targetArn: d.targetArn,
    roleArn: d.roleArn,
    ...(d.accessPolicy === undefined ? {} : { accessPolicy: d.accessPolicy }),
    arn: d.arn,
    creationTime: d.creationTime,
  };
}

/** A policy document checked with IAM's grammar, its error worded as Logs words a bad parameter. */
export function checkedPolicy(text: string): string {
  try {
    parsePolicyDocument(text, 'resource');
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    throw new InvalidParameterException(`Invalid policy document: ${error.message}`);
  }
  return text;
}

export const putDestination: Handler<
  Checked<PutDestinationRequest, 'destinationName' | 'targetArn' | 'roleArn'>,
  PutDestinationResponse,
  LogsState
> = (input, ctx) => {
  for (const [member, value] of [
    ['targetArn', input.targetArn],
    ['roleArn', input.roleArn],
  ] as const) {
    if (!ARN.test(value)) throw new InvalidParameterException(`Invalid ${member}: ${value} is not an ARN.`);
  }
  const all = destinations(ctx.state);
  const existing = Object.hasOwn(all, input.destinationName) ? all[input.destinationName] : undefined;
  const destination: DestinationRecord = {
    destinationName: input.destinationName,
    targetArn: input.targetArn,
    roleArn: input.roleArn,
    ...(existing?.accessPolicy === undefined ? {} : { accessPolicy: existing.accessPolicy }),
    arn: arn('logs', ctx.region, ctx.accountId, `destination:${input.destinationName}`),
    creationTime: existing?.creationTime ?? Date.now(),
    tags: existing?.tags ?? nameMap(Object.entries(input.tags ?? {})),
  };
  all[destination.destinationName] = destination;
  return { destination: destinationShape(destination) };
};

export const putDestinationPolicy: Handler<
  Checked<PutDestinationPolicyRequest, 'destinationName' | 'accessPolicy'>,
  void,
  LogsState
> = (input, ctx) => {
  const destination = findDestination(ctx.state, input.destinationName);
  destination.accessPolicy = checkedPolicy(input.accessPolicy);
};

export const describeDestinations: Handler<
  DescribeDestinationsRequest,
  DescribeDestinationsResponse,
  LogsState
> = (input, ctx) => {
  checkRange(input.limit, 'limit', 1, 50);
  const prefix = input.DestinationNamePrefix ?? '';
  const matching = Object.values(destinations(ctx.state))
    .filter((d) => d.destinationName.startsWith(prefix))
    .sort((a, b) =>
      a.destinationName < b.destinationName ? -1 : a.destinationName > b.destinationName ? 1 : 0,
    );
  const { page, nextToken } = paginate(matching, input.limit, input.nextToken, 50);
  return { destinations: page.map(destinationShape), ...(nextToken ? { nextToken } : {}) };
};

export const deleteDestination: Handler<
  Checked<DeleteDestinationRequest, 'destinationName'>,
  void,
  LogsState
> = (input, ctx) => {
  findDestination(ctx.state, input.destinationName);
  delete destinations(ctx.state)[input.destinationName];
};
