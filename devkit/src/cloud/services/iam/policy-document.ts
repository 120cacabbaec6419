/**
 * Policy documents: the checks IAM makes before storing one (MalformedPolicyDocument, with IAM's
 * wording), and the URL encoding IAM applies when it returns one.
 */
import { ServiceError } from '../../protocol/errors.ts';

/** A trust policy names who may assume the role; a permissions policy names what it may do. */
export type PolicyKind = 'trust' | 'permissions';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
  Sid?: string;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[];
}

function malformed(message: string): ServiceError {
  return new ServiceError(message, { code: 'MalformedPolicyDocument' });
}

/** Parses and checks a document, returning its statements as a list. */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('This policy contains invalid Json');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw malformed('Syntax errors in policy.');
  }
  const { Version, Statement } = parsed as { Version?: unknown; Statement?: unknown };
  if (Version !== undefined && Version !== '2012-10-17' && Version !== '2008-10-17') {
    throw malformed('The policy failed legacy parsing');
  }
  if (Statement === undefined) throw malformed('Syntax errors in policy.');
  const statements = Array.isArray(Statement) ? Statement : [Statement];
  for (const statement of statements as unknown[]) checkStatement(statement, kind);
  return {
    ...(Version === undefined ? {} : { Version }),
    Statement: statements as PolicyStatement[],
  };
}

function checkStatement(statement: unknown, kind: PolicyKind): void {
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) {
    throw malformed('Syntax errors in policy.');
  }
  const s = statement as Record<string, unknown>;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('Syntax errors in policy.');
  if (s.Action === undefined && s.NotAction === undefined) {
    throw malformed('Policy statement must contain actions.');
  }
  if (kind === 'trust') {
    if (s.Principal === undefined && s.NotPrincipal === undefined) {
      throw malformed('Missing required field Principal');
    }
    if (s.Resource !== undefined || s.NotResource !== undefined) {
      throw malformed('Has prohibited field Resource');
    }
  } else {
    if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
      throw malformed('Policy document should not specify a principal.');
    }
    if (s.Resource === undefined && s.NotResource === undefined) {
      throw malformed('Policy statement must contain resources.');
    }
  }
}

/** IAM returns policy documents URL-encoded (RFC 3986), as the AWS CLI expects to decode them. */
export function encodePolicyDocument(text: string): string {
  return encodeURIComponent(text);
}
