/**
 * OpenID Connect identity providers: the issuers whose tokens STS accepts for
 * AssumeRoleWithWebIdentity (GitHub Actions' `https://token.actions.githubusercontent.com`).
 */
import type {
  AddClientIDToOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderRequest,
  CreateOpenIDConnectProviderResponse,
  DeleteOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderRequest,
  GetOpenIDConnectProviderResponse,
  ListOpenIDConnectProvidersResponse,
  ListOpenIDConnectProviderTagsRequest,
  ListOpenIDConnectProviderTagsResponse,
  RemoveClientIDFromOpenIDConnectProviderRequest,
  TagOpenIDConnectProviderRequest,
  UntagOpenIDConnectProviderRequest,
  UpdateOpenIDConnectProviderThumbprintRequest,
} from '@aws-sdk/client-iam';
import { oidcProviderArn, type OidcProviderRecord } from '../../access/identities.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import {
  entityAlreadyExists,
  invalidInput,
  mergeTags,
  noSuchEntity,
  oidcProviders,
  type IamState,
} from './state.ts';

/** IAM's quotas: client ids per provider and thumbprints per provider. */
const MAX_CLIENT_IDS = 100;
const MAX_THUMBPRINTS = 5;

function findProvider(state: IamState, arn: string): OidcProviderRecord {
  const providers = oidcProviders(state);
  const provider = Object.hasOwn(providers, arn) ? providers[arn] : undefined;
  if (!provider) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
  return provider;
}

/** An issuer URL as IAM takes it: https, a host, an optional path, no query or fragment. */
function checkIssuerUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== 'https:' || parsed.search || parsed.hash || parsed.username) {
    throw invalidInput('Invalid Open ID Connect Provider URL');
  }
}

function checkThumbprints(thumbprints: string[]): void {
  if (thumbprints.length > MAX_THUMBPRINTS) {
    throw invalidInput(`Thumbprint list must contain fewer than ${MAX_THUMBPRINTS + 1} entries.`);
  }
  const bad = thumbprints.find((t) => !/^[0-9a-fA-F]{40}$/.test(t));
  if (bad !== undefined) throw invalidInput(`Thumbprint ${bad} is not a valid 40-character hex string.`);
}

function checkClientIds(clientIds: string[]): void {
  if (clientIds.length > MAX_CLIENT_IDS) {
    throw new ServiceError(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`, {
      code: 'LimitExceeded',
      status: 409,
    });
  }
}

export const createOpenIDConnectProvider: Handler<
  Checked<CreateOpenIDConnectProviderRequest, 'Url'>,
  CreateOpenIDConnectProviderResponse,
  IamState
> = (input, ctx) => {
  checkIssuerUrl(input.Url);
  const clientIds = [...new Set(input.ClientIDList ?? [])];
  const thumbprints = [...new Set((input.ThumbprintList ?? []).map((t) => t.toLowerCase()))];
  checkClientIds(clientIds);
  checkThumbprints(thumbprints);
  const arn = oidcProviderArn(ctx.accountId, input.Url);
  const providers = oidcProviders(ctx.state);
  if (Object.hasOwn(providers, arn))
    throw entityAlreadyExists(`Provider with url ${input.Url} already exists.`);
  const tags = mergeTags([], input.Tags ?? [], 'TagsPerOpenIdConnectProvider');
  providers[arn] = {
    arn,
    url: arn.slice(arn.indexOf('oidc-provider/') + 'oidc-provider/'.length),
    clientIds,
    thumbprints,
    createdMs: Date.now(),
    tags,
  };
  return { OpenIDConnectProviderArn: arn, ...(tags.length ? { Tags: tags } : {}) };
};

export const getOpenIDConnectProvider: Handler<
  Checked<GetOpenIDConnectProviderRequest, 'OpenIDConnectProviderArn'>,
  GetOpenIDConnectProviderResponse,
  IamState
> = (input, ctx) => {
  const provider = findProvider(ctx.state, input.OpenIDConnectProviderArn);
  return {
    Url: provider.url,
    ClientIDList: provider.clientIds,
    ThumbprintList: provider.thumbprints,
    CreateDate: toDate(provider.createdMs)!,
    Tags: provider.tags,
  };
};

export const listOpenIDConnectProviders: Handler<
  Record<string, never>,
  ListOpenIDConnectProvidersResponse,
  IamState
> = (_input, ctx) => ({
  OpenIDConnectProviderList: Object.keys(oidcProviders(ctx.state))
    .sort()
    .map((Arn) => ({ Arn })),
});

export const deleteOpenIDConnectProvider: Handler<
  Checked<DeleteOpenIDConnectProviderRequest, 'OpenIDConnectProviderArn'>,
  void,
  IamState
> = (input, ctx) => {
  findProvider(ctx.state, input.OpenIDConnectProviderArn);
  delete oidcProviders(ctx.state)[input.OpenIDConnectProviderArn];
};

export const addClientIDToOpenIDConnectProvider: Handler<
  Checked<AddClientIDToOpenIDConnectProviderRequest, 'ClientID' | 'OpenIDConnectProviderArn'>,
  void,
  IamState
> = (input, ctx) => {
  const provider = findProvider(ctx.state, input.OpenIDConnectProviderArn);
  if (provider.clientIds.includes(input.ClientID)) return;
  checkClientIds([...provider.clientIds, input.ClientID]);
  provider.clientIds.push(input.ClientID);
};

export const removeClientIDFromOpenIDConnectProvider: Handler<
  Checked<RemoveClientIDFromOpenIDConnectProviderRequest, 'ClientID' | 'OpenIDConnectProviderArn'>,
  void,
  IamState
> = (input, ctx) => {
  const provider = findProvider(ctx.state, input.OpenIDConnectProviderArn);
  provider.clientIds = provider.clientIds.filter((id) => id !== input.ClientID);
};

export const updateOpenIDConnectProviderThumbprint: Handler<
  Checked<UpdateOpenIDConnectProviderThumbprintRequest, 'OpenIDConnectProviderArn' | 'ThumbprintList'>,
  void,
  IamState
> = (input, ctx) => {
  const provider = findProvider(ctx.state, input.OpenIDConnectProviderArn);
  const thumbprints = [...new Set(input.ThumbprintList.map((t) => t.toLowerCase()))];
  checkThumbprints(thumbprints);
  provider.thumbprints = thumbprints;
};

export const tagOpenIDConnectProvider: Handler<
  Checked<TagOpenIDConnectProviderRequest, 'OpenIDConnectProviderArn' | 'Tags'>,
  void,
  IamState
> = (input, ctx) => {
  const provider = findProvider(ctx.state, input.OpenIDConnectProviderArn);
  provider.tags = mergeTags(provider.tags, input.Tags, 'TagsPerOpenIdConnectProvider');
};

export const untagOpenIDConnectProvider: Handler<
  Checked<UntagOpenIDConnectProviderRequest, 'OpenIDConnectProviderArn' | 'TagKeys'>,
  void,
  IamState
> = (input, ctx) => {
  const provider = findProvider(ctx.state, input.OpenIDConnectProviderArn);
  provider.tags = provider.tags.filter((t) => !input.TagKeys.includes(t.Key!));
};

export const listOpenIDConnectProviderTags: Handler<
  Checked<ListOpenIDConnectProviderTagsRequest, 'OpenIDConnectProviderArn'>,
  ListOpenIDConnectProviderTagsResponse,
  IamState
> = (input, ctx) => {
  const provider = findProvider(ctx.state, input.OpenIDConnectProviderArn);
  const { page, nextToken } = paginate(provider.tags, input.MaxItems, input.Marker);
  return { Tags: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
};
