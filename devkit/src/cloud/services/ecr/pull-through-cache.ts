/**
 * Pull through cache rules as stored state: Create/Describe/Update/Delete/Validate with ECR's
 * checks. The upstream registry and its URL must be one AWS supports and agree with each other; the
 * registries AWS documents as needing credentials need a Secrets Manager secret (`ecr-pullthroughcache/`
 * names it) that exists in this region; only an ECR upstream takes a role or an upstream prefix.
 * Nothing is pulled: the local cloud is offline, so a rule never fills a repository and Validate
 * reports it invalid, saying why.
 */
import type {
  CreatePullThroughCacheRuleRequest,
  CreatePullThroughCacheRuleResponse,
  DeletePullThroughCacheRuleRequest,
  DeletePullThroughCacheRuleResponse,
  DescribePullThroughCacheRulesRequest,
  DescribePullThroughCacheRulesResponse,
  PullThroughCacheRule,
  UpdatePullThroughCacheRuleRequest,
  UpdatePullThroughCacheRuleResponse,
  UpstreamRegistry,
  ValidatePullThroughCacheRuleRequest,
  ValidatePullThroughCacheRuleResponse,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { nameMap, paginate, toDate } from '../common.ts';
import {
  InvalidParameterException,
  PullThroughCacheRuleAlreadyExistsException,
  PullThroughCacheRuleNotFoundException,
  SecretNotFoundException,
  UnsupportedUpstreamRegistryException,
} from './errors.ts';
import type { EcrState, PullThroughCacheRuleRecord } from './state.ts';

/** Each upstream AWS supports: its registry URL (the API reference's syntax) and its credentials. */
const UPSTREAMS: Record<UpstreamRegistry, { url: RegExp; credential: 'required' | 'optional' | 'none' }> = {
  ecr: { url: /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$/, credential: 'none' },
  'ecr-public': { url: /^public\.ecr\.aws$/, credential: 'none' },
  'docker-hub': { url: /^registry-1\.docker\.io$/, credential: 'required' },
  'github-container-registry': { url: /^ghcr\.io$/, credential: 'required' },
  'gitlab-container-registry': { url: /^registry\.gitlab\.com$/, credential: 'required' },
  'azure-container-registry': { url: /^[a-z0-9]+\.azurecr\.io$/, credential: 'required' },
  k8s: { url: /^registry\.k8s\.io$/, credential: 'none' },
  quay: { url: /^quay\.io$/, credential: 'optional' },
  chainguard: { url: /^cgr\.dev$/, credential: 'optional' },
};

function rules(state: EcrState): Record<string, PullThroughCacheRuleRecord> {
  return (state.pullThroughCacheRules ??= nameMap());
}

function notFound(prefix: string, accountId: string): PullThroughCacheRuleNotFoundException {
  return new PullThroughCacheRuleNotFoundException(
    `The pull through cache rule with prefix '${prefix}' does not exist in the registry with id '${accountId}'`,
  );
}

function findRule(state: EcrState, prefix: string, accountId: string): PullThroughCacheRuleRecord {
  const all = rules(state);
  if (!Object.hasOwn(all, prefix)) throw notFound(prefix, accountId);
  return all[prefix]!;
}

/** The upstream a URL names (the registry given, or the one the URL is): ECR's error otherwise. */
function upstreamOf(url: string, named: UpstreamRegistry | undefined): UpstreamRegistry {
  const host = url.replace(/^https:\/\//, '').replace(/\/$/, '');
  const matching = (Object.keys(UPSTREAMS) as UpstreamRegistry[]).filter((u) => UPSTREAMS[u].url.test(host));
  const upstream = named ?? matching[0];
  if (upstream === undefined || !Object.hasOwn(UPSTREAMS, upstream) || !matching.includes(upstream)) {
    throw new UnsupportedUpstreamRegistryException(
      named === undefined
        ? `The upstream registry URL '${url}' is not a supported upstream registry.`
        : `The upstream registry URL '${url}' is not a valid URL for upstream registry '${named}'.`,
    );
  }
  return upstream;
}

/**
 * Whether the secret exists in this region, by its ARN with or without Secrets Manager's random
 * suffix (its state read as its records are kept: services never import each other).
 */
function secretExists(ctx: RequestContext<EcrState>, credentialArn: string): boolean {
  const secrets = ctx.store
    .regions<{ secrets: Record<string, { arn: string; deletedMs?: number }> }>('secretsmanager')
    .find(([region]) => region === ctx.region)?.[1]?.secrets;
  return Object.values(secrets ?? {}).some(
    (s) =>
      s.deletedMs === undefined &&
      (s.arn === credentialArn || s.arn.slice(0, -'-AbCdEf'.length) === credentialArn),
  );
}

function checkSecret(ctx: RequestContext<EcrState>, credentialArn: string): void {
  if (!secretExists(ctx, credentialArn)) {
    throw new SecretNotFoundException(
      `The secret with ARN '${credentialArn}' was not found. Create it in Secrets Manager in ${ctx.region} (its name must begin with 'ecr-pullthroughcache/').`,
    );
  }
}

function checkCredentials(
  ctx: RequestContext<EcrState>,
  upstream: UpstreamRegistry,
  given: { credentialArn?: string | undefined; customRoleArn?: string | undefined },
): void {
  const { credential } = UPSTREAMS[upstream];
  if (credential === 'required' && given.credentialArn === undefined) {
    throw new InvalidParameterException(
      `Invalid parameter at 'credentialArn' failed to satisfy constraint: 'upstream registry ${upstream} requires authentication: give the ARN of a Secrets Manager secret'`,
    );
  }
  if (credential === 'none' && given.credentialArn !== undefined) {
    throw new InvalidParameterException(
      `Invalid parameter at 'credentialArn' failed to satisfy constraint: 'upstream registry ${upstream} does not take credentials'`,
    );
  }
  if (upstream !== 'ecr' && given.customRoleArn !== undefined) {
    throw new InvalidParameterException(
      `Invalid parameter at 'customRoleArn' failed to satisfy constraint: 'only an ecr upstream registry takes a custom role'`,
    );
  }
  if (given.credentialArn !== undefined) checkSecret(ctx, given.credentialArn);
}

/** Every response is this shape; the protocol layer keeps the members each operation's output has. */
function ruleShape(rule: PullThroughCacheRuleRecord, accountId: string): PullThroughCacheRule {
  return {
    ecrRepositoryPrefix: rule.ecrRepositoryPrefix,
    upstreamRegistryUrl: rule.upstreamRegistryUrl,
    createdAt: toDate(rule.createdMs),
    registryId: accountId,
    upstreamRegistry: rule.upstreamRegistry,
    credentialArn: rule.credentialArn,
    customRoleArn: rule.customRoleArn,
    upstreamRepositoryPrefix: rule.upstreamRepositoryPrefix,
    updatedAt: toDate(rule.updatedMs),
  };
}

export const createPullThroughCacheRule: Handler<
  Checked<CreatePullThroughCacheRuleRequest, 'ecrRepositoryPrefix' | 'upstreamRegistryUrl'>,
  CreatePullThroughCacheRuleResponse,
  EcrState
> = (input, ctx) => {
  const prefix = input.ecrRepositoryPrefix;
  const upstream = upstreamOf(input.upstreamRegistryUrl, input.upstreamRegistry);
  if (upstream !== 'ecr' && input.upstreamRepositoryPrefix !== undefined) {
    throw new InvalidParameterException(
      `Invalid parameter at 'upstreamRepositoryPrefix' failed to satisfy constraint: 'only an ecr upstream registry takes an upstream repository prefix'`,
    );
  }
  checkCredentials(ctx, upstream, input);
  if (Object.hasOwn(rules(ctx.state), prefix)) {
    throw new PullThroughCacheRuleAlreadyExistsException(
      `A pull through cache rule with prefix '${prefix}' already exists in the registry with id '${ctx.accountId}'`,
    );
  }
  const nowMs = Date.now();
  const rule: PullThroughCacheRuleRecord = {
    ecrRepositoryPrefix: prefix,
    upstreamRegistry: upstream,
    upstreamRegistryUrl: input.upstreamRegistryUrl,
    // AWS's default for an ECR upstream: the whole upstream registry.
    ...(upstream === 'ecr' ? { upstreamRepositoryPrefix: input.upstreamRepositoryPrefix ?? 'ROOT' } : {}),
    ...(input.credentialArn !== undefined ? { credentialArn: input.credentialArn } : {}),
    ...(input.customRoleArn !== undefined ? { customRoleArn: input.customRoleArn } : {}),
    createdMs: nowMs,
    updatedMs: nowMs,
  };
  rules(ctx.state)[prefix] = rule;
  return ruleShape(rule, ctx.accountId);
};

export const describePullThroughCacheRules: Handler<
  DescribePullThroughCacheRulesRequest,
  DescribePullThroughCacheRulesResponse,
  EcrState
> = (input, ctx) => {
  const selected = input.ecrRepositoryPrefixes
    ? input.ecrRepositoryPrefixes.map((prefix) => findRule(ctx.state, prefix, ctx.accountId))
    : Object.values(rules(ctx.state));
  const { page, nextToken } = paginate(selected, input.maxResults, input.nextToken);
  return { pullThroughCacheRules: page.map((rule) => ruleShape(rule, ctx.accountId)), nextToken };
};

export const updatePullThroughCacheRule: Handler<
  Checked<UpdatePullThroughCacheRuleRequest, 'ecrRepositoryPrefix'>,
  UpdatePullThroughCacheRuleResponse,
  EcrState
> = (input, ctx) => {
  const rule = findRule(ctx.state, input.ecrRepositoryPrefix, ctx.accountId);
  checkCredentials(ctx, rule.upstreamRegistry, input);
  if (input.credentialArn !== undefined) rule.credentialArn = input.credentialArn;
  if (input.customRoleArn !== undefined) rule.customRoleArn = input.customRoleArn;
  rule.updatedMs = Date.now();
  return ruleShape(rule, ctx.accountId);
};

export const deletePullThroughCacheRule: Handler<
  Checked<DeletePullThroughCacheRuleRequest, 'ecrRepositoryPrefix'>,
  DeletePullThroughCacheRuleResponse,
  EcrState
> = (input, ctx) => {
  const rule = findRule(ctx.state, input.ecrRepositoryPrefix, ctx.accountId);
  delete rules(ctx.state)[rule.ecrRepositoryPrefix];
  return ruleShape(rule, ctx.accountId);
};

/** ECR reaches the upstream and signs in with the secret; offline, the local cloud cannot. */
export const validatePullThroughCacheRule: Handler<
  Checked<ValidatePullThroughCacheRuleRequest, 'ecrRepositoryPrefix'>,
  ValidatePullThroughCacheRuleResponse,
  EcrState
> = (input, ctx) => {
  const rule = findRule(ctx.state, input.ecrRepositoryPrefix, ctx.accountId);
  const secret =
    rule.credentialArn === undefined
      ? ''
      : secretExists(ctx, rule.credentialArn)
        ? ' Its secret exists in Secrets Manager.'
        : ` Its secret ${rule.credentialArn} no longer exists in Secrets Manager.`;
  return {
    ...ruleShape(rule, ctx.accountId),
    isValid: false,
    failure: `The local cloud runs offline and cannot reach the upstream registry ${rule.upstreamRegistryUrl}, so the rule could not be validated against it.${secret}`,
  };
};
