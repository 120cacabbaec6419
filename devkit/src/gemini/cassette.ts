/**
 * The cassette format: nock's definition format (what `nock.recorder.rec({ output_objects: true })`
 * writes and `nock.define()` reads), one JSON array per scenario, plus a `devkit` field per
 * definition that nock ignores. Streaming replies keep their SSE events as a list in `response`,
 * so replay re-emits them one by one; `nock.define()` still accepts such a file, but only this
 * module's replay turns the list back into events.
 */

/** How a request body must equal the recorded one. */
export type MatchMode = 'normalized' | 'exact' | 'ignore-generation-config';
export const MATCH_MODES: readonly MatchMode[] = ['normalized', 'exact', 'ignore-generation-config'];

export interface DevkitMeta {
  /** Default `normalized`: key order and whitespace ignored. `exact`: the body as recorded, byte for byte. */
  match?: MatchMode;
  /** Milliseconds before each SSE event as recorded (the first counts from the response headers). */
  eventGapsMs?: number[];
  /** When `devkit record` wrote the definition; absent on hand-written ones. */
  recordedAt?: string;
}

export interface CassetteDefinition {
  scope: string;
  method: string;
  /** Path and query, without the API key. */
  path: string;
  /** The request body: parsed JSON, or the raw text when it was not JSON. */
  body?: unknown;
  status: number;
  /** The reply body decoded: parsed JSON, text, or for SSE the list of event data (JSON or text). */
  response?: unknown;
  rawHeaders?: Record<string, string>;
  devkit?: DevkitMeta;
}

export interface Cassette {
  name: string;
  definitions: CassetteDefinition[];
}

export class CassetteFormatError extends Error {}

export function isEventStream(definition: CassetteDefinition): boolean {
  return contentType(definition)?.startsWith('text/event-stream') ?? false;
}

export function contentType(definition: CassetteDefinition): string | undefined {
  for (const [name, value] of Object.entries(definition.rawHeaders ?? {})) {
    if (name.toLowerCase() === 'content-type') return value.toLowerCase();
  }
  return undefined;
}

/** The data of each SSE event of a streaming definition, as sent on the wire. */
export function eventData(definition: CassetteDefinition): string[] {
  return (definition.response as unknown[]).map((event) =>
    typeof event === 'string' ? event : JSON.stringify(event),
  );
}

export function serializeCassette(definitions: CassetteDefinition[]): string {
  return `${JSON.stringify(definitions, null, 2)}\n`;
}

/** Parses and checks a cassette file's text; errors name the cassette, the definition and the field. */
export function parseCassette(name: string, text: string): Cassette {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CassetteFormatError(`cassette ${name}: not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) {
    throw new CassetteFormatError(`cassette ${name}: expected a JSON array of nock definitions`);
  }
  return { name, definitions: parsed.map((item, index) => checkDefinition(`${name}#${index}`, item)) };
}

function checkDefinition(where: string, item: unknown): CassetteDefinition {
  const fail = (problem: string): never => {
    throw new CassetteFormatError(`cassette ${where}: ${problem}`);
  };
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail('not an object');
  const def = item as Record<string, unknown>;
  for (const field of ['scope', 'method', 'path'] as const) {
    if (typeof def[field] !== 'string' || def[field] === '') fail(`'${field}' must be a non-empty string`);
  }
  if (!(def.path as string).startsWith('/')) fail(`'path' must start with '/'`);
  if (!Number.isInteger(def.status)) fail(`'status' must be an HTTP status code`);
  const headers = def.rawHeaders;
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
      fail(`'rawHeaders' must be an object of header name to value`);
    }
    for (const value of Object.values(headers as object)) {
      if (typeof value !== 'string') fail(`'rawHeaders' values must be strings`);
    }
  }
  const definition = def as unknown as CassetteDefinition;
  const meta = definition.devkit;
  if (meta?.match !== undefined && !MATCH_MODES.includes(meta.match)) {
    fail(`'devkit.match' must be one of ${MATCH_MODES.join(', ')}`);
  }
  if (isEventStream(definition)) {
    if (!Array.isArray(definition.response)) fail(`an event-stream 'response' must be the list of events`);
    const gaps = meta?.eventGapsMs;
    if (
      gaps !== undefined &&
      (!Array.isArray(gaps) ||
        gaps.length !== (definition.response as unknown[]).length ||
        !gaps.every((gap) => typeof gap === 'number' && gap >= 0))
    ) {
      fail(`'devkit.eventGapsMs' must hold one non-negative number per event`);
    }
  }
  return definition;
}
