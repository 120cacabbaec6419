/**
 * Log transformers (PutTransformer, GetTransformer, DeleteTransformer, TestTransformer), as AWS's
 * "Transform logs during ingestion" describes them: a log group's transformer, or where it has
 * none the account's TRANSFORMER_POLICY whose selection criteria take the group (PutAccountPolicy),
 * runs on each event as it is ingested, and the transformed event is what is stored, read and
 * queried (data protection then masks it). Processors: transformer-processors.ts.
 *
 * Where the reference is silent: a group of another class than STANDARD refuses a transformer
 * with InvalidOperationException (AWS supports transformers on Standard log groups only); Get- and
 * DeleteTransformer on a group without one are ResourceNotFoundException; TestTransformer numbers
 * the events from 1.
 */
import type {
  DeleteTransformerRequest,
  GetTransformerRequest,
  GetTransformerResponse,
  Processor,
  PutTransformerRequest,
  TestTransformerRequest,
  TestTransformerResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import { TestTransformer$ } from '@aws-sdk/client-cloudwatch-logs';
import type { OperationSchema } from '../../protocol/codec.ts';
import { validationMessage, violations } from '../../protocol/constraints.ts';
import { ServiceError } from '../../protocol/errors.ts';
import { decodeJson, shapeOf } from '../../protocol/shapes.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidOperationException, InvalidParameterException, ResourceNotFoundException } from './errors.ts';
import type { LogGroupRecord, LogsState } from './state.ts';
import { groupByIdentifier } from './state.ts';
import { compileTransformer, type Transform } from './transformer-processors.ts';

/** Compiled transformers by their configuration's JSON: ingestion compiles each once. */
const compiled = new Map<string, Transform | undefined>();
const MAX_COMPILED = 256;

function compiledTransformer(processors: readonly Processor[]): Transform | undefined {
  const key = JSON.stringify(processors);
  if (!compiled.has(key)) {
    let transform: Transform | undefined;
    try {
      transform = compileTransformer(processors);
    } catch {
      transform = undefined; // kept before the local cloud checked configurations: it transforms nothing
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, transform);
  }
  return compiled.get(key);
}

/** Whether an account transformer policy's selection criteria take the group (none: every group). */
function selects(criteria: string | undefined, group: string): boolean {
  if (criteria === undefined) return true;
  const list = /^\s*LogGroupNamePrefix\s+IN\s+(\[.*\])\s*$/s.exec(criteria)?.[1];
  try {
    const prefixes = JSON.parse(list ?? '[]') as unknown[];
    return prefixes.some((p) => typeof p === 'string' && group.startsWith(p));
  } catch {
    return false;
  }
}

/** What transforms the group's ingestion: its own transformer, else the account's that selects it. */
export function transformerOf(state: LogsState, group: LogGroupRecord): Transform | undefined {
  if (group.transformer) return compiledTransformer(group.transformer.transformerConfig);
  const policies = Object.values(state.accountPolicies?.TRANSFORMER_POLICY ?? {});
  // Prefix-scoped policies first: they are the more specific (their prefixes never overlap).
  const chosen =
    policies.find((p) => p.selectionCriteria !== undefined && selects(p.selectionCriteria, group.name)) ??
    policies.find((p) => p.selectionCriteria === undefined);
  if (!chosen) return undefined;
  const document = JSON.parse(chosen.policyDocument) as { transformerConfig: Processor[] };
  return compiledTransformer(document.transformerConfig);
}

/**
 * An account TRANSFORMER_POLICY document's `transformerConfig`, checked as PutTransformer checks its
 * own (the model's shapes and constraints, then the processors' rules): the document is JSON the
 * protocol layer never saw.
 */
export function checkedTransformerConfig(config: unknown): void {
  let input: unknown;
  try {
    const schema = TestTransformer$ as unknown as OperationSchema;
    input = decodeJson(shapeOf(schema[4]), { transformerConfig: config, logEventMessages: ['-'] });
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    throw new InvalidParameterException(`Invalid transformerConfig: ${error.message}`);
  }
  const found = violations('logs', 'TestTransformer', input);
  if (found.length > 0) throw new InvalidParameterException(validationMessage(found));
  compileTransformer((input as { transformerConfig: Processor[] }).transformerConfig);
}

export const putTransformer: Handler<
  Checked<PutTransformerRequest, 'logGroupIdentifier' | 'transformerConfig'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  if (group.logGroupClass !== 'STANDARD') {
    throw new InvalidOperationException(
      `Transformers are supported only for log groups in the Standard log class; ${group.name} is ${group.logGroupClass}.`,
    );
  }
  compileTransformer(input.transformerConfig);
  const now = Date.now();
  group.transformer = {
    transformerConfig: input.transformerConfig,
    creationTime: group.transformer?.creationTime ?? now,
    lastModifiedTime: now,
  };
};

export const getTransformer: Handler<
  Checked<GetTransformerRequest, 'logGroupIdentifier'>,
  GetTransformerResponse,
  LogsState
> = (input, ctx) => {
  const { transformer } = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  if (!transformer) throw new ResourceNotFoundException('The specified log group has no transformer.');
  return { logGroupIdentifier: input.logGroupIdentifier, ...transformer };
};

export const deleteTransformer: Handler<
  Checked<DeleteTransformerRequest, 'logGroupIdentifier'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  if (!group.transformer) throw new ResourceNotFoundException('The specified log group has no transformer.');
  delete group.transformer;
};

export const testTransformer: Handler<
  Checked<TestTransformerRequest, 'transformerConfig' | 'logEventMessages'>,
  TestTransformerResponse,
  LogsState
> = (input) => {
  const transform = compileTransformer(input.transformerConfig);
  return {
    transformedLogs: input.logEventMessages.map((eventMessage, i) => ({
      eventNumber: i + 1,
      eventMessage,
      transformedEventMessage: transform(eventMessage),
    })),
  };
};
