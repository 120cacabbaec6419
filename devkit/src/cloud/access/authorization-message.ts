/**
 * EC2's "Encoded authorization failure message" and what sts:DecodeAuthorizationMessage makes of
 * it: the decision in the shape AWS's DecodedMessage has (allowed, explicitDeny, matchedStatements,
 * failures, context{principal, action, resource, conditions}). AWS encrypts it because it can hold
 * what the caller should not see; so does the local cloud — AES-256-GCM under a key of its own,
 * kept in its state (messages survive a restart), so a message is opaque to the caller and any
 * change to it makes it invalid rather than a different decision.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { StateStore } from '../state/store.ts';
import { asList, type PolicyStatement } from './policy-document.ts';
import type { AccessDecision } from './policy-evaluation.ts';

/** The decision a message carries, as AWS's DecodedMessage JSON names its parts. */
export interface DecodedAuthorizationMessage {
  allowed: boolean;
  explicitDeny: boolean;
  matchedStatements: { items: MatchedStatement[] };
  failures: { items: unknown[] };
  context: {
    principal: { id: string; arn: string };
    action: string;
    resource: string;
    conditions: { items: Array<{ key: string; values: Items }> };
  };
}

type Items = { items: Array<{ value: string }> };

interface MatchedStatement {
  statementId: string;
  effect: 'ALLOW' | 'DENY';
  principals: Items;
  principalGroups: Items;
  actions: Items;
  resources: Items;
  conditions: { items: Array<{ key: string; values: Items }> };
}

/** What a refused action was, for its message. */
export interface RefusedAction {
  principal: { id: string; arn: string };
  action: string;
  resource: string;
  context: Record<string, string | readonly string[]>;
  decision: Exclude<AccessDecision, { decision: 'Allow' }>;
  /** The statement that denied (an explicit deny); none for an implicit deny. */
  statement?: PolicyStatement;
}

const items = (values: readonly string[]): Items => ({ items: values.map((value) => ({ value })) });
const listOf = (value: string | readonly string[] | undefined) =>
  value === undefined ? [] : asList(value as string | string[]);

export function decodedMessage(refused: RefusedAction): DecodedAuthorizationMessage {
  const { decision, statement } = refused;
  const matched: MatchedStatement[] =
    decision.decision === 'ExplicitDeny' && statement
      ? [
          {
            statementId: decision.by.sid ?? '',
            effect: 'DENY',
            // AWS lists the principal's unique id (the role's AROA id for its sessions).
            principals: items([refused.principal.id.split(':')[0]!]),
            principalGroups: items([]),
            actions: items(listOf(statement.Action ?? statement.NotAction)),
            resources: items(listOf(statement.Resource ?? statement.NotResource)),
            conditions: {
              items: Object.values(statement.Condition ?? {}).flatMap((keys) =>
                Object.entries(keys).map(([key, value]) => ({
                  key,
                  values: items(listOf(value as string | string[]).map(String)),
                })),
              ),
            },
          },
        ]
      : [];
  return {
    allowed: false,
    explicitDeny: decision.decision === 'ExplicitDeny',
    matchedStatements: { items: matched },
    failures: { items: [] },
    context: {
      principal: refused.principal,
      action: refused.action,
      resource: refused.resource,
      conditions: {
        items: Object.entries(refused.context).map(([key, value]) => ({ key, values: items(listOf(value)) })),
      },
    },
  };
}

const SLICE = 'authorization-messages';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// The first byte, before the random IV: base64url spells it 'A', so a message never starts with '-',
// which the AWS CLI (argparse) takes for an option: `--encoded-message -…` failed 1 time in 64.
const FORMAT = 0x01;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
/** A message's plaintext is a few KiB; nothing authentic inflates beyond this. */
const MAX_PLAINTEXT = 1 << 20;

/** The cloud's own message key, made once and kept in its state. */
function messageKey(store: StateStore): Buffer {
  const state = store.slice<{ key: string }>(SLICE, 'global', () => ({
    key: randomBytes(32).toString('base64'),
  }));
  return Buffer.from(state.key, 'base64');
}

/** The opaque text EC2 puts after "Encoded authorization failure message: ". */
export function encodeAuthorizationMessage(store: StateStore, message: DecodedAuthorizationMessage): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', messageKey(store), iv);
  const sealed = Buffer.concat([cipher.update(deflateRawSync(JSON.stringify(message))), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/**
 * The DecodedMessage JSON text of a message this cloud encoded; undefined for anything else (not
 * base64url, truncated, altered, another cloud's key).
 */
export function decodeAuthorizationMessage(store: StateStore, encoded: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.length <= HEADER_BYTES || bytes[0] !== FORMAT) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', messageKey(store), bytes.subarray(1, 1 + IV_BYTES));
    decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES));
    const plain = Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]);
    return inflateRawSync(plain, { maxOutputLength: MAX_PLAINTEXT }).toString('utf8');
  } catch {
    return undefined;
  }
}
