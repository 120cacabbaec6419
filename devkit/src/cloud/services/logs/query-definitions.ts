/** Saved Logs Insights queries: PutQueryDefinition, DescribeQueryDefinitions, DeleteQueryDefinition. */
import { randomUUID } from 'node:crypto';
import type {
  DeleteQueryDefinitionRequest,
  DeleteQueryDefinitionResponse,
  DescribeQueryDefinitionsRequest,
  DescribeQueryDefinitionsResponse,
  PutQueryDefinitionRequest,
  PutQueryDefinitionResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException } from './errors.ts';
import type { LogsState, QueryDefinitionRecord } from './state.ts';

/** AWS's quota on saved queries per account and Region. */
export const MAX_QUERY_DEFINITIONS = 1000;

function definitionsOf(state: LogsState): Record<string, QueryDefinitionRecord> {
  return (state.queryDefinitions ??= nameMap());
}

function checkLanguage(language: string | undefined): void {
  if (language !== undefined && language !== 'CWLI') {
    throw new InvalidParameterException(
      `Query language ${language} is not supported by the local cloud; use CWLI (Logs Insights QL)`,
    );
  }
}

/**
 * Creates a definition (a new id), or replaces every field of the one `queryDefinitionId` names:
 * what the update leaves out is dropped, as AWS documents (no logGroupNames: none).
 */
export const putQueryDefinition: Handler<
  Checked<PutQueryDefinitionRequest, 'name' | 'queryString'>,
  PutQueryDefinitionResponse,
  LogsState
> = (input, ctx) => {
  checkLanguage(input.queryLanguage);
  const definitions = definitionsOf(ctx.state);
  const retried =
    input.queryDefinitionId === undefined && input.clientToken !== undefined
      ? Object.values(definitions).find((d) => d.clientToken === input.clientToken)
      : undefined;
  const id = input.queryDefinitionId ?? retried?.queryDefinitionId;
  if (id !== undefined && !Object.hasOwn(definitions, id)) {
    throw new ResourceNotFoundException(`Query definition ${id} does not exist.`);
  }
  if (id === undefined && Object.keys(definitions).length >= MAX_QUERY_DEFINITIONS) {
    throw new LimitExceededException(
      `Account maximum of ${MAX_QUERY_DEFINITIONS} query definitions reached.`,
    );
  }
  const queryDefinitionId = id ?? randomUUID();
  const clientToken = definitions[queryDefinitionId]?.clientToken ?? input.clientToken;
  definitions[queryDefinitionId] = {
    queryDefinitionId,
    name: input.name,
    queryString: input.queryString,
    logGroupNames: [...(input.logGroupNames ?? [])],
    lastModified: Date.now(),
    ...(input.parameters && input.parameters.length > 0
      ? { parameters: input.parameters.map((p) => ({ ...p })) }
      : {}),
    ...(clientToken === undefined ? {} : { clientToken }),
  };
  return { queryDefinitionId };
};

/** By name (then id), those whose name starts with queryDefinitionNamePrefix. */
export const describeQueryDefinitions: Handler<
  DescribeQueryDefinitionsRequest,
  DescribeQueryDefinitionsResponse,
  LogsState
> = (input, ctx) => {
  const prefix = input.queryDefinitionNamePrefix ?? '';
  const wanted = input.queryLanguage === undefined || input.queryLanguage === 'CWLI';
  const definitions = Object.values(ctx.state.queryDefinitions ?? {})
    .filter((d) => wanted && d.name.startsWith(prefix))
    .sort((a, b) =>
      a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.queryDefinitionId < b.queryDefinitionId ? -1 : 1,
    );
  const { page, nextToken } = paginate(definitions, input.maxResults, input.nextToken, 1000);
  return {
    queryDefinitions: page.map((d) => ({
      queryLanguage: 'CWLI',
      queryDefinitionId: d.queryDefinitionId,
      name: d.name,
      queryString: d.queryString,
      lastModified: d.lastModified,
      logGroupNames: [...d.logGroupNames],
      ...(d.parameters ? { parameters: d.parameters.map((p) => ({ ...p })) } : {}),
    })),
    nextToken,
  };
};

export const deleteQueryDefinition: Handler<
  Checked<DeleteQueryDefinitionRequest, 'queryDefinitionId'>,
  DeleteQueryDefinitionResponse,
  LogsState
> = (input, ctx) => {
  const definitions = definitionsOf(ctx.state);
  if (!Object.hasOwn(definitions, input.queryDefinitionId)) {
    throw new ResourceNotFoundException(`Query definition ${input.queryDefinitionId} does not exist.`);
  }
  delete definitions[input.queryDefinitionId];
  return { success: true };
};
