/**
 * Repository creation templates (Create/Describe/Update/DeleteRepositoryCreationTemplate): the
 * settings ECR gives repositories it creates on the caller's behalf, by prefix (`ROOT` for any
 * repository no other template covers). Of those scenarios the local cloud has one, create on push:
 * a push to a repository that does not exist creates it from the CREATE_ON_PUSH template that
 * covers its name (nothing is replicated or pulled through offline). Each setting is checked as
 * CreateRepository, PutLifecyclePolicy, SetRepositoryPolicy and TagResource check it, so a template
 * never holds what a repository could not. Tag mutability is MUTABLE or IMMUTABLE, as for repositories here (the *_WITH_EXCLUSION
 * modes and their exclusion filters are not supported by the local cloud).
 */
import type {
  CreateRepositoryCreationTemplateRequest,
  CreateRepositoryCreationTemplateResponse,
  DeleteRepositoryCreationTemplateRequest,
  DeleteRepositoryCreationTemplateResponse,
  DescribeRepositoryCreationTemplatesRequest,
  DescribeRepositoryCreationTemplatesResponse,
  RCTAppliedFor,
  RepositoryCreationTemplate,
  UpdateRepositoryCreationTemplateRequest,
  UpdateRepositoryCreationTemplateResponse,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate, toDate } from '../common.ts';
import {
  InvalidParameterException,
  TemplateAlreadyExistsException,
  TemplateNotFoundException,
} from './errors.ts';
import { parseLifecyclePolicy } from './lifecycle.ts';
import { checkPolicy } from './policies.ts';
import { checkEncryption, checkMutability, isRepositoryName, newRepository } from './repositories.ts';
import type { CreationTemplateRecord, EcrState, RepositoryRecord } from './state.ts';
import { newRepositoryTags } from './tags.ts';

type TemplateSettings = Omit<UpdateRepositoryCreationTemplateRequest, 'prefix'>;

function templates(state: EcrState): Record<string, CreationTemplateRecord> {
  return (state.creationTemplates ??= nameMap());
}

function notFound(prefix: string, accountId: string): TemplateNotFoundException {
  return new TemplateNotFoundException(
    `The repository creation template with prefix '${prefix}' does not exist in the registry with id '${accountId}'`,
  );
}

function findTemplate(state: EcrState, prefix: string, accountId: string): CreationTemplateRecord {
  const all = templates(state);
  if (!Object.hasOwn(all, prefix)) throw notFound(prefix, accountId);
  return all[prefix]!;
}

function invalid(member: string, reason: string): InvalidParameterException {
  return new InvalidParameterException(
    `Invalid parameter at '${member}' failed to satisfy constraint: '${reason}'`,
  );
}

/** The settings a request gives, checked, onto `template` (a new one, or the one Update changes). */
function applySettings(template: CreationTemplateRecord, given: TemplateSettings): void {
  if (given.appliedFor !== undefined) {
    if (given.appliedFor.length === 0) {
      throw invalid('appliedFor', 'at least one of REPLICATION, PULL_THROUGH_CACHE, CREATE_ON_PUSH');
    }
    template.appliedFor = [...new Set(given.appliedFor)];
  }
  if (given.description !== undefined) template.description = given.description;
  const encryption = checkEncryption(given.encryptionConfiguration, 'encryptionConfiguration');
  if (encryption !== undefined) template.encryptionConfiguration = encryption;
  if (given.resourceTags !== undefined) template.resourceTags = newRepositoryTags(given.resourceTags);
  if (given.imageTagMutability !== undefined) {
    template.imageTagMutability = checkMutability(given.imageTagMutability);
  }
  if (given.imageTagMutabilityExclusionFilters !== undefined) {
    throw invalid(
      'imageTagMutabilityExclusionFilters',
      'exclusion filters apply to IMMUTABLE_WITH_EXCLUSION and MUTABLE_WITH_EXCLUSION only, which the local cloud does not support',
    );
  }
  // An empty policy text is none (the model allows length 0).
  if (given.repositoryPolicy !== undefined) {
    if (given.repositoryPolicy === '') delete template.repositoryPolicy;
    else template.repositoryPolicy = checkPolicy(given.repositoryPolicy, 'repository');
  }
  if (given.lifecyclePolicy !== undefined) {
    if (given.lifecyclePolicy === '') delete template.lifecyclePolicy;
    else {
      parseLifecyclePolicy(given.lifecyclePolicy);
      template.lifecyclePolicy = given.lifecyclePolicy;
    }
  }
  if (given.customRoleArn !== undefined) template.customRoleArn = given.customRoleArn;
}

function templateShape(template: CreationTemplateRecord): RepositoryCreationTemplate {
  return {
    prefix: template.prefix,
    description: template.description,
    encryptionConfiguration: template.encryptionConfiguration,
    resourceTags: template.resourceTags.map((t) => ({ ...t })),
    imageTagMutability: template.imageTagMutability,
    repositoryPolicy: template.repositoryPolicy,
    lifecyclePolicy: template.lifecyclePolicy,
    appliedFor: template.appliedFor,
    customRoleArn: template.customRoleArn,
    createdAt: toDate(template.createdMs),
    updatedAt: toDate(template.updatedMs),
  };
}

export const createRepositoryCreationTemplate: Handler<
  Checked<CreateRepositoryCreationTemplateRequest, 'prefix' | 'appliedFor'>,
  CreateRepositoryCreationTemplateResponse,
  EcrState
> = (input, ctx) => {
  const nowMs = Date.now();
  const template: CreationTemplateRecord = {
    prefix: input.prefix,
    encryptionConfiguration: { encryptionType: 'AES256' },
    resourceTags: [],
    imageTagMutability: 'MUTABLE',
    appliedFor: [],
    createdMs: nowMs,
    updatedMs: nowMs,
  };
  const { prefix: _prefix, ...settings } = input;
  applySettings(template, settings);
  if (Object.hasOwn(templates(ctx.state), input.prefix)) {
    throw new TemplateAlreadyExistsException(
      `The repository creation template with prefix '${input.prefix}' already exists in the registry with id '${ctx.accountId}'`,
    );
  }
  templates(ctx.state)[input.prefix] = template;
  return { registryId: ctx.accountId, repositoryCreationTemplate: templateShape(template) };
};

export const describeRepositoryCreationTemplates: Handler<
  DescribeRepositoryCreationTemplatesRequest,
  DescribeRepositoryCreationTemplatesResponse,
  EcrState
> = (input, ctx) => {
  const all = templates(ctx.state);
  const selected = input.prefixes
    ? [...new Set(input.prefixes)].filter((p) => Object.hasOwn(all, p)).map((p) => all[p]!)
    : Object.values(all);
  const { page, nextToken } = paginate(selected, input.maxResults, input.nextToken);
  return { registryId: ctx.accountId, repositoryCreationTemplates: page.map(templateShape), nextToken };
};

/** Members the request gives replace the template's; the rest are kept. */
export const updateRepositoryCreationTemplate: Handler<
  Checked<UpdateRepositoryCreationTemplateRequest, 'prefix'>,
  UpdateRepositoryCreationTemplateResponse,
  EcrState
> = (input, ctx) => {
  const stored = findTemplate(ctx.state, input.prefix, ctx.accountId);
  // Checked on a copy, so a refused update changes nothing.
  const updated: CreationTemplateRecord = structuredClone(stored);
  const { prefix: _prefix, ...settings } = input;
  applySettings(updated, settings);
  updated.updatedMs = Date.now();
  templates(ctx.state)[input.prefix] = updated;
  return { registryId: ctx.accountId, repositoryCreationTemplate: templateShape(updated) };
};

export const deleteRepositoryCreationTemplate: Handler<
  Checked<DeleteRepositoryCreationTemplateRequest, 'prefix'>,
  DeleteRepositoryCreationTemplateResponse,
  EcrState
> = (input, ctx) => {
  const template = findTemplate(ctx.state, input.prefix, ctx.accountId);
  delete templates(ctx.state)[input.prefix];
  return { registryId: ctx.accountId, repositoryCreationTemplate: templateShape(template) };
};

/**
 * The template for a repository ECR creates in `scenario`: of the templates applied for it, the one
 * with the longest prefix the name lies under (`prod/team` covers `prod/team/api`), else ROOT's.
 */
function templateFor(
  state: EcrState,
  name: string,
  scenario: RCTAppliedFor,
): CreationTemplateRecord | undefined {
  const candidates = Object.values(state.creationTemplates ?? {}).filter((t) =>
    t.appliedFor.includes(scenario),
  );
  const covering = candidates
    .filter((t) => t.prefix !== 'ROOT' && name.startsWith(`${t.prefix.replace(/\/$/, '')}/`))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  return covering[0] ?? candidates.find((t) => t.prefix === 'ROOT');
}

/**
 * Creates repository `name` for a push, with its settings, if a CREATE_ON_PUSH template covers it;
 * `authorize` (which throws to refuse) runs once a template is found, before anything is created.
 */
export function createOnPush(
  state: EcrState,
  at: { region: string; accountId: string },
  name: string,
  authorize: () => void,
): RepositoryRecord | undefined {
  if (Object.hasOwn(state.repositories, name) || !isRepositoryName(name)) return undefined;
  const template = templateFor(state, name, 'CREATE_ON_PUSH');
  if (!template) return undefined;
  authorize();
  const repository = newRepository(state, at, name, {
    tagMutability: template.imageTagMutability,
    scanOnPush: false,
    tags: template.resourceTags.map((t) => ({ ...t })),
    encryption: template.encryptionConfiguration,
  });
  if (template.repositoryPolicy !== undefined) repository.policyText = template.repositoryPolicy;
  if (template.lifecyclePolicy !== undefined) repository.lifecyclePolicy = { text: template.lifecyclePolicy };
  return repository;
}
