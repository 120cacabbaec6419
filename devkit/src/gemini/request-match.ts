/**
 * Finding the recorded reply for a request: by method, path (API version, model, action), query
 * without the API key, and body as the definition's match mode says: by default the conversation
 * (`contents`), `generationConfig` and every other field, but never `systemInstruction`. Never by
 * headers, so never by key. Hits are one Map lookup per match mode in use; only misses pay for
 * working out what differed.
 */
import type { Cassette, CassetteDefinition, MatchMode } from './cassette.ts';
import { withoutKeyParam } from './scrub.ts';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, API key included or not. */
  url: string;
  body: string;
}

export interface ReplayEntry {
  cassette: string;
  index: number;
  definition: CassetteDefinition;
}

export interface MissReport {
  /** One line: the request, the closest cassette and what differed. */
  message: string;
  closest?: string;
  differences: string[];
}

export type MatchResult = { entry: ReplayEntry } | { miss: MissReport };

export function entryLabel(entry: ReplayEntry): string {
  return `${entry.cassette}#${entry.index}`;
}

/**
 * Definitions with the same request replay in recorded order (a 429 then its retry's 200), and the
 * last one keeps answering after that, so a server can replay a scenario any number of times.
 */
export class CassetteMatcher<T extends ReplayEntry = ReplayEntry> {
  private readonly entries: T[];
  private readonly modes: MatchMode[];
  private readonly byKey = new Map<string, { entries: T[]; served: number }>();

  constructor(entries: T[]) {
    this.entries = entries;
    this.modes = [...new Set(entries.map((entry) => matchMode(entry.definition)))];
    for (const entry of entries) {
      const { definition } = entry;
      const key = requestKey(definition.method, definition.path, recordedBodyKey(definition));
      const slot = this.byKey.get(key) ?? { entries: [], served: 0 };
      slot.entries.push(entry);
      this.byKey.set(key, slot);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  match(request: RecordedRequest): { entry: T } | { miss: MissReport } {
    for (const mode of this.modes) {
      const slot = this.byKey.get(requestKey(request.method, request.url, bodyKey(mode, request.body)));
      // A key built under one mode can collide with another mode's definition; check it is its own.
      const candidates = slot?.entries.filter((entry) => matchMode(entry.definition) === mode);
      if (slot && candidates?.length) {
        const entry = candidates[Math.min(slot.served, candidates.length - 1)];
        slot.served++;
        return { entry };
      }
    }
    return { miss: explainMiss(request, this.entries) };
  }
}

export function cassetteEntries(cassettes: readonly Cassette[]): ReplayEntry[] {
  return cassettes.flatMap((cassette) =>
    cassette.definitions.map((definition, index) => ({ cassette: cassette.name, index, definition })),
  );
}

function matchMode(definition: CassetteDefinition): MatchMode {
  return definition.devkit?.match ?? 'normalized';
}

function requestKey(method: string, url: string, body: string): string {
  return `${method.toUpperCase()} ${canonicalTarget(url)}\n${body}`;
}

/** Path plus the query without the key, its parameters sorted. */
function canonicalTarget(url: string): string {
  const target = new URL(withoutKeyParam(url), 'http://path.invalid');
  target.searchParams.sort();
  return target.pathname + target.search;
}

function recordedBodyKey(definition: CassetteDefinition): string {
  const { body } = definition;
  if (body === undefined) return '';
  const mode = matchMode(definition);
  if (typeof body === 'string') return bodyKey(mode, body);
  return mode === 'exact' ? JSON.stringify(body) : canonicalJson(forMatching(mode, body));
}

function bodyKey(mode: MatchMode, text: string): string {
  if (mode === 'exact') return text;
  const parsed = parseJson(text);
  return parsed === undefined ? text : canonicalJson(forMatching(mode, parsed));
}

/**
 * Body fields never matched. `systemInstruction` is the application's persona: the service varies it
 * per request (level, subject) and tunes its wording, while a recording answers the conversation.
 */
const IGNORED_FIELDS: Record<Exclude<MatchMode, 'exact'>, readonly string[]> = {
  normalized: ['systemInstruction'],
  'ignore-generation-config': ['systemInstruction', 'generationConfig'],
};

function forMatching(mode: MatchMode, body: unknown): unknown {
  if (mode === 'exact' || !isObject(body)) return body;
  const ignored = IGNORED_FIELDS[mode];
  return Object.fromEntries(Object.entries(body).filter(([field]) => !ignored.includes(field)));
}

/** JSON with object keys sorted at every level: equal for bodies that differ only in order and spacing. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// --- explaining a miss -------------------------------------------------------------------------

const GEMINI_PATH = /^\/(v[^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;

// How far apart two requests are, so "closest" is the recording the user most likely meant: the
// conversation (the question) counts most, then the action, model and version, then the rest of the
// body. `conversation` and `body` are scaled by how different the texts are (0..1), so a recording
// of nearly the same question beats one of an unrelated question.
const WEIGHT = {
  method: 32,
  path: 16,
  conversation: 16,
  action: 4,
  model: 4,
  version: 2,
  query: 1,
  body: 1,
} as const;

function explainMiss(request: RecordedRequest, entries: readonly ReplayEntry[]): MissReport {
  const subject = `${request.method.toUpperCase()} ${canonicalTarget(request.url)}`;
  if (entries.length === 0) {
    return { message: `no recording matches ${subject}: no cassettes are loaded`, differences: [] };
  }
  let best: { entry: ReplayEntry; differences: string[]; score: number } | undefined;
  for (const entry of entries) {
    const found = differences(request, entry.definition);
    const score = found.reduce((sum, d) => sum + WEIGHT[d.kind] * (d.distance ?? 1), 0);
    if (!best || score < best.score) {
      best = { entry, differences: found.map((d) => d.text), score };
    }
  }
  const closest = entryLabel(best!.entry);
  const what = best!.differences.length
    ? best!.differences.join('; ')
    : 'nothing (every recording for it was used up)';
  return {
    message: `no recording matches ${subject}; closest cassette: ${closest}, which differs in ${what}`,
    closest,
    differences: best!.differences,
  };
}

interface Difference {
  kind: keyof typeof WEIGHT;
  text: string;
  /** 0..1 within its kind, so among recordings whose bodies differ, the most similar one is closest. */
  distance?: number;
}

function differences(request: RecordedRequest, definition: CassetteDefinition): Difference[] {
  const found: Difference[] = [];
  const was = (recorded: string, got: string) => `(recorded ${recorded}, got ${got})`;
  if (request.method.toUpperCase() !== definition.method.toUpperCase()) {
    found.push({ kind: 'method', text: `method ${was(definition.method, request.method)}` });
  }
  const got = new URL(canonicalTarget(request.url), 'http://path.invalid');
  const recorded = new URL(canonicalTarget(definition.path), 'http://path.invalid');
  const gotParts = GEMINI_PATH.exec(got.pathname);
  const recordedParts = GEMINI_PATH.exec(recorded.pathname);
  if (gotParts && recordedParts) {
    const [, gotVersion, gotModel, gotAction] = gotParts;
    const [, recVersion, recModel, recAction] = recordedParts;
    if (gotAction !== recAction)
      found.push({ kind: 'action', text: `action ${was(recAction!, gotAction!)}` });
    if (gotModel !== recModel) found.push({ kind: 'model', text: `model ${was(recModel!, gotModel!)}` });
    if (gotVersion !== recVersion) {
      found.push({ kind: 'version', text: `API version ${was(recVersion!, gotVersion!)}` });
    }
  } else if (got.pathname !== recorded.pathname) {
    found.push({ kind: 'path', text: `path ${was(recorded.pathname, got.pathname)}` });
  }
  if (got.search !== recorded.search) {
    found.push({ kind: 'query', text: `query ${was(recorded.search || 'none', got.search || 'none')}` });
  }
  found.push(...bodyDifferences(request.body, definition));
  return found;
}

/** Each matched top-level field of the body that differs, at its first differing place. */
function bodyDifferences(text: string, definition: CassetteDefinition): Difference[] {
  const mode = matchMode(definition);
  if (bodyKey(mode, text) === recordedBodyKey(definition)) return [];
  const got = parseJson(text);
  const recorded = typeof definition.body === 'string' ? parseJson(definition.body) : definition.body;
  if (got === undefined || recorded === undefined) {
    const distance = 1 - similarity(canonicalJson(definition.body ?? ''), text);
    return [
      {
        kind: 'body',
        text: `body (recorded ${preview(definition.body ?? '')}, got ${preview(text)})`,
        distance,
      },
    ];
  }
  const [recordedBody, gotBody] = [forMatching(mode, recorded), forMatching(mode, got)];
  if (!isObject(recordedBody) || !isObject(gotBody)) {
    const found = firstDifference(recordedBody, gotBody, '');
    if (!found) return [{ kind: 'body', text: EXACT_BYTES, distance: 0 }];
    return [
      { kind: 'body', text: describeDifference(found), distance: 1 - jsonSimilarity(recordedBody, gotBody) },
    ];
  }
  const differences: Difference[] = [];
  for (const field of [...new Set([...Object.keys(recordedBody), ...Object.keys(gotBody)])].sort()) {
    const found = firstDifference(recordedBody[field], gotBody[field], field);
    if (!found) continue;
    differences.push({
      kind: field === 'contents' ? 'conversation' : 'body',
      text: describeDifference(found),
      distance: 1 - jsonSimilarity(recordedBody[field], gotBody[field]),
    });
  }
  // Equal as JSON, yet no match: an exact-mode cassette and a body laid out differently.
  return differences.length ? differences : [{ kind: 'body', text: EXACT_BYTES, distance: 0 }];
}

const EXACT_BYTES = 'body bytes (this cassette matches the body exactly; key order or spacing differs)';

function describeDifference(found: { at: string; recorded: unknown; got: unknown }): string {
  return `body at ${found.at || '(root)'} (recorded ${preview(found.recorded)}, got ${preview(found.got)})`;
}

/** Similarity of the values alone: JSON's keys would make any two bodies look alike. */
function jsonSimilarity(recorded: unknown, got: unknown): number {
  return similarity(leafText(recorded), leafText(got));
}

function leafText(value: unknown): string {
  if (Array.isArray(value)) return value.map(leafText).join('\n');
  if (isObject(value))
    return Object.keys(value)
      .sort()
      .map((key) => leafText(value[key]))
      .join('\n');
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/**
 * Dice coefficient of the words (letters and digits, any case): 1 for the same words, 0 for none in
 * common. Words, not characters: questions share so many letter pairs that any two look alike.
 */
function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const words = (text: string) => {
    const counts = new Map<string, number>();
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    return counts;
  };
  const [left, right] = [words(a), words(b)];
  let shared = 0;
  let total = 0;
  for (const [word, count] of left) shared += Math.min(count, right.get(word) ?? 0);
  for (const counts of [left, right]) for (const count of counts.values()) total += count;
  return total === 0 ? 0 : (2 * shared) / total;
}

function firstDifference(
  recorded: unknown,
  got: unknown,
  at: string,
): { at: string; recorded: unknown; got: unknown } | undefined {
  if (Array.isArray(recorded) && Array.isArray(got)) {
    for (let i = 0; i < Math.max(recorded.length, got.length); i++) {
      const found = firstDifference(recorded[i], got[i], `${at}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isObject(recorded) && isObject(got)) {
    for (const key of [...new Set([...Object.keys(recorded), ...Object.keys(got)])].sort()) {
      const found = firstDifference(recorded[key], got[key], at ? `${at}.${key}` : key);
      if (found) return found;
    }
    return undefined;
  }
  return canonicalJson(recorded) === canonicalJson(got) ? undefined : { at, recorded, got };
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : canonicalJson(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
