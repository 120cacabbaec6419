/**
 * Log transformers' processors, as AWS's "Processors that you can use" documents them: a
 * transformer is a pipeline over one event, which starts as its message text (`@message`) and
 * becomes a JSON object once a parser has run; what is stored is that object, serialized. Checked
 * as "Create and manage log transformers" asks: the first processor a parser, one to five
 * parsers, at most one grok, one addKeys and one copyValue, keys at most three levels deep.
 *
 * Implemented: the configurable parsers parseJSON, parseKeyValue, csv and grok (the common
 * patterns in GROK_PATTERNS), the string mutators lowerCaseString, upperCaseString, trimString,
 * splitString and substituteString, the JSON mutators addKeys, deleteKeys, moveKeys, renameKeys,
 * copyValue, and typeConverter. The others (AWS vended-log parsers, parseToOCSF, listToMap,
 * dateTimeConverter) are refused by name. Where the reference is silent: an event the first parser
 * cannot parse is stored as it came; a later processor whose source is missing or of the wrong type
 * leaves the event as it is; patterns (grok, substituteString's `from`) run on the linear-time
 * regex engine of Logs Insights.
 */
import type { Processor } from '@aws-sdk/client-cloudwatch-logs';
import { InvalidParameterException } from './errors.ts';
import { compileRegex, type Regex, RegexSyntaxError } from './insights/regex.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One event in the pipeline: its text until a parser makes it an object. */
interface Event {
  message: string;
  fields: JsonObject | undefined;
}

type Step = (event: Event) => void;

const PARSERS = new Set(['parseJSON', 'parseKeyValue', 'csv', 'grok']);
const VENDED = new Set([
  'parseCloudfront',
  'parseRoute53',
  'parseVPC',
  'parseWAF',
  'parsePostgres',
  'parseToOCSF',
]);
const MAX_PARSERS = 5;
const MAX_KEY_DEPTH = 3;
const MESSAGE = '@message';

function invalid(message: string): InvalidParameterException {
  return new InvalidParameterException(message);
}

const isObject = (v: Json | undefined): v is JsonObject =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function checkKey(key: string, processor: string): string {
  if (key.split('.').length > MAX_KEY_DEPTH) {
    throw invalid(`${processor}: the key ${key} is nested more than ${MAX_KEY_DEPTH} levels deep.`);
  }
  return key;
}

/** Sets an own member, whatever its name (`__proto__` included: events are data, not objects). */
function own(object: JsonObject, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value at a dot path, and the object holding its last segment. */
function locate(
  root: JsonObject,
  path: string,
  create: boolean,
): { parent: JsonObject; key: string } | undefined {
  const parts = path.split('.');
  let node = root;
  for (const part of parts.slice(0, -1)) {
    let next = Object.hasOwn(node, part) ? node[part] : undefined;
    if (!isObject(next)) {
      if (!create || next !== undefined) return undefined;
      own(node, part, (next = {}));
    }
    node = next;
  }
  return { parent: node, key: parts.at(-1)! };
}

function getPath(root: JsonObject, path: string): Json | undefined {
  const at = locate(root, path, false);
  return at && Object.hasOwn(at.parent, at.key) ? at.parent[at.key] : undefined;
}

/** Sets the value at a dot path; an existing value is kept unless `overwrite`. */
function setPath(root: JsonObject, path: string, value: Json, overwrite: boolean): void {
  const at = locate(root, path, true);
  if (!at || (!overwrite && Object.hasOwn(at.parent, at.key))) return;
  own(at.parent, at.key, value);
}

function deletePath(root: JsonObject, path: string): Json | undefined {
  const at = locate(root, path, false);
  if (!at || !Object.hasOwn(at.parent, at.key)) return undefined;
  const value = at.parent[at.key];
  delete at.parent[at.key];
  return value;
}

/** The text a parser reads: the message, or a string field of the parsed event. */
function sourceText(event: Event, source: string | undefined): string | undefined {
  if (source === undefined || source === MESSAGE) return event.message;
  const value = event.fields && getPath(event.fields, source);
  return typeof value === 'string' ? value : undefined;
}

/** Where a parser puts what it parsed: under `destination`, or at the top level. */
function place(event: Event, parsed: JsonObject, destination: string | undefined, overwrite = true): void {
  const fields = (event.fields ??= {});
  if (destination !== undefined) {
    setPath(fields, destination, parsed, true);
    return;
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (overwrite || !Object.hasOwn(fields, key)) own(fields, key, value);
  }
}

function compilePattern(source: string, processor: string): Regex {
  try {
    return compileRegex(source);
  } catch (error) {
    if (!(error instanceof RegexSyntaxError)) throw error;
    throw invalid(`${processor}: invalid regular expression ${source}: ${error.message}`);
  }
}

/** The grok patterns the local cloud knows: the common ones of AWS's supported list. */
export const GROK_PATTERNS: Readonly<Record<string, string>> = {
  WORD: '\\w+',
  NOTSPACE: '\\S+',
  SPACE: '\\s*',
  DATA: '.*?',
  GREEDYDATA: '.*',
  INT: '[+-]?\\d+',
  POSINT: '[1-9]\\d*',
  NONNEGINT: '\\d+',
  NUMBER: '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)',
  BASE10NUM: '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)',
  BASE16NUM: '[+-]?(?:0x)?[0-9A-Fa-f]+',
  QUOTEDSTRING: '"(?:[^"\\\\]|\\\\.)*"|\'(?:[^\'\\\\]|\\\\.)*\'',
  UUID: '[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}',
  IPV4: '(?:\\d{1,3}\\.){3}\\d{1,3}',
  IPV6: '[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}',
  IP: '(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}',
  HOSTNAME: '[0-9A-Za-z](?:[0-9A-Za-z-]{0,62})(?:\\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\\.?',
  IPORHOST:
    '(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Za-z](?:[0-9A-Za-z-]{0,62})(?:\\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\\.?',
  USERNAME: '[a-zA-Z0-9._-]+',
  USER: '[a-zA-Z0-9._-]+',
  EMAILADDRESS: '[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+',
  LOGLEVEL:
    '[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo|INFO|[Ww]arn(?:ing)?|WARN(?:ING)?|[Ee]rr(?:or)?|ERR(?:OR)?|[Cc]rit(?:ical)?|CRIT(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|[Ee]merg(?:ency)?|EMERG(?:ENCY)?',
  TIMESTAMP_ISO8601:
    '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:?\\d{2}(?::?\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}(?::?\\d{2})?)?',
  HTTPDATE: '\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}',
  PATH: '(?:/[^\\s/]*)+',
  URIPATH: "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+",
  HTTPMETHOD: 'GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH',
};

const GROK_TOKEN = /%\{(\w+)(?::([\w.@-]+))?\}/g;

/** A grok expression as a regex with one named group per `%{PATTERN:name}`, and those names. */
function compileGrok(match: string): { regex: Regex; names: Map<string, string> } {
  const names = new Map<string, string>();
  let index = 0;
  const source = match.replace(GROK_TOKEN, (_, pattern: string, name: string | undefined) => {
    const body = Object.hasOwn(GROK_PATTERNS, pattern) ? GROK_PATTERNS[pattern] : undefined;
    if (body === undefined) {
      throw invalid(
        `grok: the pattern ${pattern} is not one the local cloud supports (${Object.keys(GROK_PATTERNS).join(', ')}).`,
      );
    }
    if (name === undefined) return `(?:${body})`;
    const group = `g${index++}`;
    names.set(group, checkKey(name, 'grok'));
    return `(?<${group}>${body})`;
  });
  if (names.size === 0) throw invalid('grok: the match pattern names no field to extract (%{PATTERN:name}).');
  return { regex: compilePattern(source, 'grok'), names };
}

/** Splits `text` at `delimiter` outside `quote`d parts (quotes removed, doubled quotes kept as one). */
function splitCsv(text: string, delimiter: string, quote: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === quote && text[i + 1] === quote) {
        cell += quote;
        i++;
      } else if (c === quote) quoted = false;
      else cell += c;
    } else if (c === quote) quoted = true;
    else if (text.startsWith(delimiter, i)) {
      cells.push(cell);
      cell = '';
      i += delimiter.length - 1;
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

function convert(value: Json, type: string): Json | undefined {
  const text = typeof value === 'string' ? value.trim() : value;
  switch (type) {
    case 'integer': {
      const n = typeof text === 'number' ? Math.trunc(text) : Number(text);
      return typeof text !== 'boolean' && Number.isInteger(n) ? n : undefined;
    }
    case 'double': {
      const n = Number(text);
      return typeof text !== 'boolean' && text !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (typeof text === 'boolean') return text;
      if (text === 'true' || text === 'false') return text === 'true';
      return undefined;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** Applies `fn` to each string field named in `withKeys`. */
function eachString(withKeys: readonly string[], fn: (s: string) => Json): Step {
  return (event) => {
    if (!event.fields) return;
    for (const key of withKeys) {
      const value = getPath(event.fields, key);
      if (typeof value === 'string') setPath(event.fields, key, fn(value), true);
    }
  };
}

function moveEntries(
  entries: ReadonlyArray<{ source?: string; target?: string; overwriteIfExists?: boolean }>,
  copy: boolean,
): Step {
  return (event) => {
    if (!event.fields) return;
    for (const { source, target, overwriteIfExists } of entries) {
      const value = getPath(event.fields, source!);
      if (value === undefined) continue;
      if (!overwriteIfExists && getPath(event.fields, target!) !== undefined) continue;
      if (!copy) deletePath(event.fields, source!);
      setPath(event.fields, target!, structuredClone(value), true);
    }
  };
}

/** One processor as a step, checked as its reference asks. */
function compileProcessor(processor: Processor): { name: string; step: Step } {
  const set = Object.entries(processor).filter(([, v]) => v !== undefined && v !== null);
  if (set.length !== 1) {
    throw invalid('Each processor must set exactly one processor type (parseJSON, grok, addKeys, ...).');
  }
  const name = set[0]![0];
  if (VENDED.has(name) || name === 'listToMap' || name === 'dateTimeConverter') {
    throw invalid(`The processor ${name} is not supported by the local cloud.`);
  }
  const p = processor;
  const keys = (list: readonly string[] | undefined) => (list ?? []).map((k) => checkKey(k, name));
  switch (name) {
    case 'parseJSON': {
      const { source, destination } = p.parseJSON!;
      return {
        name,
        step: (event) => {
          const text = sourceText(event, source);
          if (text === undefined) return;
          let parsed: Json;
          try {
            parsed = JSON.parse(text) as Json;
          } catch {
            return;
          }
          if (isObject(parsed)) place(event, parsed, destination);
        },
      };
    }
    case 'parseKeyValue': {
      const c = p.parseKeyValue!;
      const fieldDelimiter = c.fieldDelimiter ?? '&';
      const keyValueDelimiter = c.keyValueDelimiter ?? '=';
      return {
        name,
        step: (event) => {
          const text = sourceText(event, c.source);
          if (text === undefined) return;
          const parsed: JsonObject = {};
          for (const pair of text.split(fieldDelimiter)) {
            if (pair === '') continue;
            const at = pair.indexOf(keyValueDelimiter);
            const key = `${c.keyPrefix ?? ''}${at < 0 ? pair : pair.slice(0, at)}`;
            if (at < 0 && c.nonMatchValue === undefined) continue;
            own(parsed, key, at < 0 ? c.nonMatchValue! : pair.slice(at + keyValueDelimiter.length));
          }
          place(event, parsed, c.destination, c.overwriteIfExists ?? false);
        },
      };
    }
    case 'csv': {
      const c = p.csv!;
      const delimiter = c.delimiter === '\\t' ? '\t' : (c.delimiter ?? ',');
      const quote = c.quoteCharacter ?? '"';
      return {
        name,
        step: (event) => {
          const text = sourceText(event, c.source);
          if (text === undefined) return;
          const parsed: JsonObject = {};
          splitCsv(text, delimiter, quote).forEach((cell, i) => {
            own(parsed, c.columns?.[i] ?? `column_${i + 1}`, cell);
          });
          place(event, parsed, c.destination);
        },
      };
    }
    case 'grok': {
      const { source, match } = p.grok!;
      const { regex, names } = compileGrok(match!);
      return {
        name,
        step: (event) => {
          const text = sourceText(event, source);
          const captured = text === undefined ? undefined : regex.exec(text);
          if (!captured) return;
          const parsed: JsonObject = {};
          for (const [group, value] of captured) own(parsed, names.get(group)!, value);
          place(event, parsed, undefined);
        },
      };
    }
    case 'addKeys': {
      const entries = p.addKeys!.entries!;
      entries.forEach((e) => checkKey(e.key!, name));
      return {
        name,
        step: (event) => {
          if (!event.fields) return;
          for (const e of entries) setPath(event.fields, e.key!, e.value!, e.overwriteIfExists ?? false);
        },
      };
    }
    case 'deleteKeys': {
      const withKeys = keys(p.deleteKeys!.withKeys);
      return {
        name,
        step: (event) => {
          if (event.fields) for (const key of withKeys) deletePath(event.fields, key);
        },
      };
    }
    case 'moveKeys':
    case 'copyValue': {
      const entries = (name === 'moveKeys' ? p.moveKeys! : p.copyValue!).entries!;
      entries.forEach((e) => (checkKey(e.source!, name), checkKey(e.target!, name)));
      return { name, step: moveEntries(entries, name === 'copyValue') };
    }
    case 'renameKeys': {
      const entries = p.renameKeys!.entries!.map((e) => {
        checkKey(e.key!, name);
        // The new name stays beside the old one (same parent).
        const parent = e.key!.includes('.') ? e.key!.slice(0, e.key!.lastIndexOf('.') + 1) : '';
        return {
          source: e.key!,
          target: parent + e.renameTo!,
          overwriteIfExists: e.overwriteIfExists ?? false,
        };
      });
      return { name, step: moveEntries(entries, false) };
    }
    case 'lowerCaseString':
      return { name, step: eachString(keys(p.lowerCaseString!.withKeys), (s) => s.toLowerCase()) };
    case 'upperCaseString':
      return { name, step: eachString(keys(p.upperCaseString!.withKeys), (s) => s.toUpperCase()) };
    case 'trimString':
      return { name, step: eachString(keys(p.trimString!.withKeys), (s) => s.trim()) };
    case 'splitString': {
      const entries = p.splitString!.entries!;
      return {
        name,
        step: (event) => {
          for (const e of entries)
            eachString([checkKey(e.source!, name)], (s) => s.split(e.delimiter!))(event);
        },
      };
    }
    case 'substituteString': {
      const entries = p.substituteString!.entries!.map((e) => ({
        source: checkKey(e.source!, name),
        from: compilePattern(e.from!, name),
        to: e.to!,
      }));
      return {
        name,
        step: (event) => {
          for (const { source, from, to } of entries) {
            eachString([source], (s) => {
              let out = '';
              let last = 0;
              for (const [start, end] of from.spans(s)) {
                out += s.slice(last, start) + to;
                last = end;
              }
              return out + s.slice(last);
            })(event);
          }
        },
      };
    }
    case 'typeConverter': {
      const entries = p.typeConverter!.entries!;
      return {
        name,
        step: (event) => {
          if (!event.fields) return;
          for (const e of entries) {
            const value = getPath(event.fields, checkKey(e.key!, name));
            const converted = value === undefined ? undefined : convert(value, e.type!);
            if (converted !== undefined) setPath(event.fields, e.key!, converted, true);
          }
        },
      };
    }
    default:
      throw invalid(`Unknown processor ${name}.`);
  }
}

/** A transformer's processors, checked as AWS checks them, as one function from message to message. */
export type Transform = (message: string) => string;

export function compileTransformer(processors: readonly Processor[]): Transform {
  const steps = processors.map(compileProcessor);
  const names = steps.map((s) => s.name);
  if (!PARSERS.has(names[0]!)) {
    throw invalid(`The first processor in a transformer must be a parser, not ${names[0]}.`);
  }
  const count = (name: string) => names.filter((n) => n === name).length;
  if (names.filter((n) => PARSERS.has(n)).length > MAX_PARSERS) {
    throw invalid(`A transformer can have up to ${MAX_PARSERS} parser-type processors.`);
  }
  for (const single of ['grok', 'addKeys', 'copyValue']) {
    if (count(single) > 1) throw invalid(`A transformer can include only one ${single} processor.`);
  }
  return (message) => {
    const event: Event = { message, fields: undefined };
    steps[0]!.step(event);
    // An event the first parser could not parse is stored as it came.
    if (!event.fields) return message;
    for (const { step } of steps.slice(1)) step(event);
    return JSON.stringify(event.fields);
  };
}
