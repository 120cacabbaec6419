/**
 * The service deployments API (what operators and the console read of a service's history):
 * ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions and
 * StopServiceDeployment (ROLLBACK) and ContinueServiceDeployment (a PAUSE lifecycle hook's answer),
 * over the records service-deployments.ts keeps.
 *
 * Chosen where the reference is silent: ListServiceDeployments lists newest first, 20 by default,
 * maxResults 1–100 (else InvalidParameterException); a described ARN that is unknown is a failure
 * with reason MISSING, as DescribeServices reports; stopType ABORT is refused (the reference names
 * ROLLBACK as the only valid value) and an absent stopType means ROLLBACK; ContinueServiceDeployment
 * for a hookId that is not awaiting action is an InvalidParameterException.
 */
import type {
  ContinueServiceDeploymentRequest,
  ContinueServiceDeploymentResponse,
  DescribeServiceDeploymentsRequest,
  DescribeServiceDeploymentsResponse,
  DescribeServiceRevisionsRequest,
  DescribeServiceRevisionsResponse,
  Failure,
  ListServiceDeploymentsRequest,
  ListServiceDeploymentsResponse,
  StopServiceDeploymentRequest,
  StopServiceDeploymentResponse,
} from '@aws-sdk/client-ecs';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { InvalidParameterException } from './errors.ts';
import { requestHookRollback } from './lifecycle-hooks.ts';
import { requireCluster, requireService } from './references.ts';
import {
  ConflictException,
  isFinished,
  rollbackTarget,
  serviceDeploymentNotFound,
} from './service-deployments.ts';
import type { EcsState } from './state.ts';
import { serviceDeploymentsOf, serviceRevisionsOf } from './state.ts';
import { serviceDeploymentToAws, serviceRevisionToAws } from './views.ts';

/** The most ARNs one Describe call takes, as the reference says. */
const MAX_DESCRIBED = 20;

function checkDescribed(arns: readonly string[], what: string): void {
  if (arns.length === 0 || arns.length > MAX_DESCRIBED) {
    throw new InvalidParameterException(`${what} must contain between 1 and ${MAX_DESCRIBED} ARNs.`);
  }
}

export const listServiceDeployments: Handler<
  Checked<ListServiceDeploymentsRequest, 'service'>,
  ListServiceDeploymentsResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const service = requireService(ctx.state, cluster, input.service);
  if (input.maxResults !== undefined && (input.maxResults < 1 || input.maxResults > 100)) {
    throw new InvalidParameterException('maxResults must be between 1 and 100.');
  }
  const after = input.createdAt?.after?.getTime();
  const before = input.createdAt?.before?.getTime();
  const records = Object.values(serviceDeploymentsOf(ctx.state))
    .filter(
      (d) =>
        d.serviceArn === service.serviceArn &&
        d.createdAt! >= service.createdAt! &&
        (!input.status?.length || input.status.includes(d.status)) &&
        (after === undefined || d.createdAt! >= after) &&
        (before === undefined || d.createdAt! <= before),
    )
    .sort((a, b) => b.createdAt! - a.createdAt!);
  const { page, nextToken } = paginate(records, input.maxResults, input.nextToken, 20);
  return {
    serviceDeployments: page.map((d) => {
      const full = serviceDeploymentToAws(ctx.state, d);
      return {
        serviceDeploymentArn: full.serviceDeploymentArn,
        serviceArn: full.serviceArn,
        clusterArn: full.clusterArn,
        createdAt: full.createdAt,
        startedAt: full.startedAt,
        finishedAt: full.finishedAt,
        targetServiceRevisionArn: d.targetRevisionArn,
        status: full.status,
        statusReason: full.statusReason,
      };
    }),
    ...(nextToken ? { nextToken } : {}),
  };
};

export const describeServiceDeployments: Handler<
  Checked<DescribeServiceDeploymentsRequest, 'serviceDeploymentArns'>,
  DescribeServiceDeploymentsResponse,
  EcsState
> = (input, ctx) => {
  checkDescribed(input.serviceDeploymentArns, 'serviceDeploymentArns');
  const records = serviceDeploymentsOf(ctx.state);
  const failures: Failure[] = [];
  const serviceDeployments = input.serviceDeploymentArns.flatMap((arn) => {
    const record = Object.hasOwn(records, arn) ? records[arn] : undefined;
    if (!record) failures.push({ arn, reason: 'MISSING' });
    return record ? [serviceDeploymentToAws(ctx.state, record)] : [];
  });
  return { serviceDeployments, failures };
};

export const describeServiceRevisions: Handler<
  Checked<DescribeServiceRevisionsRequest, 'serviceRevisionArns'>,
  DescribeServiceRevisionsResponse,
  EcsState
> = (input, ctx) => {
  checkDescribed(input.serviceRevisionArns, 'serviceRevisionArns');
  const records = serviceRevisionsOf(ctx.state);
  const failures: Failure[] = [];
  const serviceRevisions = input.serviceRevisionArns.flatMap((arn) => {
    const record = Object.hasOwn(records, arn) ? records[arn] : undefined;
    if (!record) failures.push({ arn, reason: 'MISSING' });
    return record ? [serviceRevisionToAws(record)] : [];
  });
  return { serviceRevisions, failures };
};

/**
 * ROLLBACK: the service deployment is ROLLBACK_REQUESTED; the scheduler's next step returns the
 * service to the revision that last completed, as the circuit breaker's rollback does, whether or
 * not the service was configured to roll back. A rollback already asked for or under way carries
 * on (the call succeeds and changes nothing).
 */
export const stopServiceDeployment: Handler<
  Checked<StopServiceDeploymentRequest, 'serviceDeploymentArn'>,
  StopServiceDeploymentResponse,
  EcsState
> = (input, ctx) => {
  const records = serviceDeploymentsOf(ctx.state);
  const arn = input.serviceDeploymentArn;
  const record = Object.hasOwn(records, arn) ? records[arn] : undefined;
  if (!record) throw serviceDeploymentNotFound();
  if (input.stopType === 'ABORT') {
    throw new InvalidParameterException('The stopType ABORT is not supported. The valid value is ROLLBACK.');
  }
  if (record.status === 'ROLLBACK_REQUESTED' || record.status === 'ROLLBACK_IN_PROGRESS') {
    return { serviceDeploymentArn: arn };
  }
  if (isFinished(record)) {
    throw new ConflictException(
      `The service deployment ${arn} is ${record.status} and can no longer be stopped.`,
    );
  }
  const service = ctx.state.services[record.serviceArn];
  const driving = service?.deployments.find((d) => d.serviceDeploymentArn === arn);
  const target = service && driving ? rollbackTarget(service, driving) : undefined;
  if (!service || !driving || !target) {
    throw new ConflictException(
      `The service deployment ${arn} has no earlier service revision that completed to roll back to.`,
    );
  }
  record.status = 'ROLLBACK_REQUESTED';
  record.updatedAt = Date.now();
  return { serviceDeploymentArn: arn };
};

/**
 * A PAUSE lifecycle hook's answer: CONTINUE (the default) marks it SUCCEEDED and the scheduler's
 * next step moves the deployment on; ROLLBACK marks it FAILED and the deployment rolls back, as
 * StopServiceDeployment's rollback does.
 */
export const continueServiceDeployment: Handler<
  Checked<ContinueServiceDeploymentRequest, 'serviceDeploymentArn' | 'hookId'>,
  ContinueServiceDeploymentResponse,
  EcsState
> = (input, ctx) => {
  const records = serviceDeploymentsOf(ctx.state);
  const arn = input.serviceDeploymentArn;
  const record = Object.hasOwn(records, arn) ? records[arn] : undefined;
  if (!record) throw serviceDeploymentNotFound();
  const hook = record.lifecycleHookDetails?.find((d) => d.hookId === input.hookId);
  if (!hook || hook.status !== 'AWAITING_ACTION' || record.status !== 'IN_PROGRESS') {
    throw new InvalidParameterException(
      `The lifecycle hook ${input.hookId} of service deployment ${arn} is not awaiting action.`,
    );
  }
  const now = Date.now();
  record.updatedAt = now;
  if ((input.action ?? 'CONTINUE') === 'CONTINUE') {
    hook.status = 'SUCCEEDED';
  } else {
    hook.status = 'FAILED';
    requestHookRollback(record, now);
  }
  return { serviceDeploymentArn: arn };
};
