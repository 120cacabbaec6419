/**
 * Log anomaly detectors (Create, Get, List, Update, DeleteLogAnomalyDetector) and ListAnomalies,
 * as stored state: a detector watches the one existing log group its `logGroupArnList` names
 * (AWS takes only one), optionally through a filter pattern (checked with the filter-pattern
 * parser), and is paused and restarted with UpdateLogAnomalyDetector's `enabled`.
 *
 * Where the reference is silent or offline can't: AWS's detectors learn a baseline with machine
 * learning before they report; the local cloud learns none, so a running detector stays TRAINING
 * (PAUSED while disabled) and ListAnomalies answers the anomalies stored, which are none. A
 * detector's ARN is `arn:aws:logs:<region>:<account>:anomaly-detector:<uuid>`; an ARN that names no
 * detector is ResourceNotFoundException. Tags (on create, and TagResource, UntagResource,
 * ListTagsForResource on the detector's ARN) are kept as a log group's are.
 */
import { randomUUID } from 'node:crypto';
import type {
  AnomalyDetector,
  CreateLogAnomalyDetectorRequest,
  CreateLogAnomalyDetectorResponse,
  DeleteLogAnomalyDetectorRequest,
  GetLogAnomalyDetectorRequest,
  GetLogAnomalyDetectorResponse,
  ListAnomaliesRequest,
  ListAnomaliesResponse,
  ListLogAnomalyDetectorsRequest,
  ListLogAnomalyDetectorsResponse,
  UpdateLogAnomalyDetectorRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { arn, nameMap, paginate } from '../common.ts';
import { InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import { parseFilterPattern } from './filter-pattern.ts';
import type { AnomalyDetectorRecord, LogsState } from './state.ts';
import { findGroupByArn } from './state.ts';

export function detectorOf(state: LogsState, detectorArn: string): AnomalyDetectorRecord {
  const detectors = state.anomalyDetectors ?? {};
  const detector = Object.hasOwn(detectors, detectorArn) ? detectors[detectorArn] : undefined;
  if (!detector) throw new ResourceNotFoundException(`Anomaly detector ${detectorArn} does not exist.`);
  return detector;
}

function checkedPattern(pattern: string | undefined): void {
  if (pattern !== undefined && pattern !== '') parseFilterPattern(pattern);
}

function shape(d: AnomalyDetectorRecord): AnomalyDetector {
  const { enabled, tags: _tags, ...rest } = d;
  return { ...rest, anomalyDetectorStatus: enabled ? 'TRAINING' : 'PAUSED' };
}

export const createLogAnomalyDetector: Handler<
  Checked<CreateLogAnomalyDetectorRequest, 'logGroupArnList'>,
  CreateLogAnomalyDetectorResponse,
  LogsState
> = (input, ctx) => {
  if (input.logGroupArnList.length !== 1) {
    throw new InvalidParameterException('logGroupArnList must name exactly one log group ARN.');
  }
  const group = findGroupByArn(ctx.state, input.logGroupArnList[0]!);
  checkedPattern(input.filterPattern);
  const anomalyDetectorArn = arn('logs', ctx.region, ctx.accountId, `anomaly-detector:${randomUUID()}`);
  const now = Date.now();
  (ctx.state.anomalyDetectors ??= nameMap())[anomalyDetectorArn] = {
    anomalyDetectorArn,
    ...(input.detectorName === undefined ? {} : { detectorName: input.detectorName }),
    logGroupArnList: [group.arn],
    ...(input.evaluationFrequency === undefined ? {} : { evaluationFrequency: input.evaluationFrequency }),
    ...(input.filterPattern === undefined ? {} : { filterPattern: input.filterPattern }),
    ...(input.kmsKeyId === undefined ? {} : { kmsKeyId: input.kmsKeyId }),
    ...(input.anomalyVisibilityTime === undefined
      ? {}
      : { anomalyVisibilityTime: input.anomalyVisibilityTime }),
    creationTimeStamp: now,
    lastModifiedTimeStamp: now,
    enabled: true,
    tags: input.tags ?? {},
  };
  return { anomalyDetectorArn };
};

export const getLogAnomalyDetector: Handler<
  Checked<GetLogAnomalyDetectorRequest, 'anomalyDetectorArn'>,
  GetLogAnomalyDetectorResponse,
  LogsState
> = (input, ctx) => {
  const { anomalyDetectorArn: _, ...detector } = shape(detectorOf(ctx.state, input.anomalyDetectorArn));
  return detector;
};

export const listLogAnomalyDetectors: Handler<
  ListLogAnomalyDetectorsRequest,
  ListLogAnomalyDetectorsResponse,
  LogsState
> = (input, ctx) => {
  const watched = input.filterLogGroupArn?.replace(/:\*$/, '');
  const detectors = Object.values(ctx.state.anomalyDetectors ?? {})
    .filter((d) => watched === undefined || d.logGroupArnList.includes(watched))
    .sort((a, b) => a.creationTimeStamp - b.creationTimeStamp);
  const { page, nextToken } = paginate(detectors, input.limit, input.nextToken, 50);
  return { anomalyDetectors: page.map(shape), ...(nextToken ? { nextToken } : {}) };
};

export const updateLogAnomalyDetector: Handler<
  Checked<UpdateLogAnomalyDetectorRequest, 'anomalyDetectorArn' | 'enabled'>,
  void,
  LogsState
> = (input, ctx) => {
  const detector = detectorOf(ctx.state, input.anomalyDetectorArn);
  checkedPattern(input.filterPattern);
  detector.enabled = input.enabled;
  if (input.evaluationFrequency !== undefined) detector.evaluationFrequency = input.evaluationFrequency;
  if (input.filterPattern !== undefined) detector.filterPattern = input.filterPattern;
  if (input.anomalyVisibilityTime !== undefined) detector.anomalyVisibilityTime = input.anomalyVisibilityTime;
  detector.lastModifiedTimeStamp = Date.now();
};

export const deleteLogAnomalyDetector: Handler<
  Checked<DeleteLogAnomalyDetectorRequest, 'anomalyDetectorArn'>,
  void,
  LogsState
> = (input, ctx) => {
  detectorOf(ctx.state, input.anomalyDetectorArn);
  delete ctx.state.anomalyDetectors![input.anomalyDetectorArn];
};

/** The anomalies stored for a detector (or all): none, since no detector here finishes training. */
export const listAnomalies: Handler<ListAnomaliesRequest, ListAnomaliesResponse, LogsState> = (
  input,
  ctx,
) => {
  if (input.anomalyDetectorArn !== undefined) detectorOf(ctx.state, input.anomalyDetectorArn);
  const { page, nextToken } = paginate([], input.limit, input.nextToken, 50);
  return { anomalies: page, ...(nextToken ? { nextToken } : {}) };
};
