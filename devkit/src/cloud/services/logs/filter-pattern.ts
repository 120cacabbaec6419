/**
 * CloudWatch Logs filter patterns, compiled once per FilterLogEvents call into a predicate over a
 * message: terms (`ERROR "exact phrase" ?WARN -DEBUG`), JSON patterns
 * (`{ ($.level = "error") && $.status >= 500 }`), space-delimited patterns
 * (`[ip, user, ..., status_code = 5*, bytes > 1000]`) and `%regex%` (alone, or as a value).
 * Every refusal is AWS's InvalidParameterException, worded `Invalid filter pattern: ...`.
 */
import { wildcardMatcher } from '../wildcard.ts';
import { InvalidParameterException } from './errors.ts';
import { compileFilterRegex } from './filter-regex.ts';

export type MessageMatcher = (message: string) => boolean;

/** A compiled pattern; a space-delimited one also names fields (`$status_code` in a metric filter). */
export interface FilterPattern {
  matches: MessageMatcher;
  /** The named fields' values in a message the pattern matches (space-delimited patterns only). */
  fieldsOf?: (message: string) => Map<string, string> | undefined;
  fieldNames?: ReadonlySet<string>;
}

export function compileFilterPattern(pattern: string | undefined): MessageMatcher {
  return parseFilterPattern(pattern).matches;
}

export function parseFilterPattern(pattern: string | undefined): FilterPattern {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return { matches: () => true };
  if (text.startsWith('{')) return { matches: compileJsonPattern(text) };
  if (text.startsWith('[')) return compileSpaceDelimited(text);
  if (text.length > 1 && text.startsWith('%') && text.endsWith('%'))
    return { matches: compileFilterRegex(text.slice(1, -1)) };
  return { matches: compileTerms(text) };
}

function invalid(reason: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid filter pattern: ${reason}`);
}

// ------------------------------------------------------------------ terms

/** Unquoted terms are words; anything else must be quoted, as AWS requires. */
const BARE_TERM = /^[A-Za-z0-9_.:/@-]+$/;

/**
 * Terms match case-sensitively anywhere in the message: every plain term must appear, no `-term`
 * may appear, and when `?term`s are given at least one of them must appear.
 */
function compileTerms(text: string): MessageMatcher {
  const required: string[] = [];
  const excluded: string[] = [];
  const optional: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const kind = text[i] === '?' || text[i] === '-' ? text[i++] : '';
    let term: string;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw invalid(`unterminated quoted phrase at ${text.slice(i)}`);
      term = text.slice(i + 1, end);
      i = end + 1;
    } else {
      const start = i;
      while (i < text.length && !/\s/.test(text[i]!)) i++;
      term = text.slice(start, i);
      if (!BARE_TERM.test(term)) throw invalid(`Invalid character(s) in term '${term}'`);
    }
    (kind === '?' ? optional : kind === '-' ? excluded : required).push(term);
  }
  return (message) =>
    required.every((t) => message.includes(t)) &&
    !excluded.some((t) => message.includes(t)) &&
    (optional.length === 0 || optional.some((t) => message.includes(t)));
}

// ------------------------------------------------------------------ JSON patterns

type JsonTest = (document: unknown) => boolean;
type Token = { kind: 'punct' | 'selector' | 'string' | 'word' | 'regex'; text: string };

const PUNCTUATION = ['&&', '||', '!=', '<=', '>=', '=', '<', '>', '(', ')'];

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\' && i + 1 < body.length) i++;
        value += body[i++];
      }
      if (i >= body.length) throw invalid('unterminated string');
      i++;
      tokens.push({ kind: 'string', text: value });
    } else if (c === '%') {
      const end = body.indexOf('%', i + 1);
      if (end < 0) throw invalid("unterminated '%regex%'");
      tokens.push({ kind: 'regex', text: body.slice(i + 1, end) });
      i = end + 1;
    } else {
      const punct = PUNCTUATION.find((p) => body.startsWith(p, i));
      if (punct) {
        tokens.push({ kind: 'punct', text: punct });
        i += punct.length;
        continue;
      }
      const start = i;
      while (i < body.length && !/[\s()=!<>&|"]/.test(body[i]!)) i++;
      if (i === start) throw invalid(`unexpected '${c}'`);
      const text = body.slice(start, i);
      tokens.push({ kind: text.startsWith('$') ? 'selector' : 'word', text });
    }
  }
  return tokens;
}

/** `$.a.b[0].c` → ['a', 'b', 0, 'c']. */
function parseSelector(text: string): Array<string | number> {
  const path: Array<string | number> = [];
  const part = /\.([^.[\]]+)|\[(\d+)\]/y;
  let i = 1;
  while (i < text.length) {
    part.lastIndex = i;
    const match = part.exec(text);
    if (!match) throw invalid(`invalid selector '${text}'`);
    path.push(match[1] ?? Number(match[2]));
    i = part.lastIndex;
  }
  if (path.length === 0) throw invalid(`invalid selector '${text}'`);
  return path;
}

/** The value a `$.a.b` selector names in a JSON message; undefined when absent or not JSON. */
export function selectFromMessage(message: string, selector: string): unknown {
  if (!/^\s*[{[]/.test(message)) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(message);
  } catch {
    return undefined;
  }
  return select(document, parseSelector(selector));
}

/** Throws AWS's InvalidParameterException when `text` is no `$.a.b[0]` selector. */
export function checkSelector(text: string): void {
  if (!text.startsWith('$.')) throw invalid(`invalid selector '${text}'`);
  parseSelector(text);
}

function select(document: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = document;
  for (const key of path) {
    // Own members only: `$.constructor` names a field of the event, not Object.prototype's.
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** A string value: `%regex%` (matched anywhere), or text with `*` wildcards (matched whole). */
function valueMatcher(value: Token): (text: string) => boolean {
  return value.kind === 'regex'
    ? compileFilterRegex(value.text)
    : wildcardMatcher(value.text, { questionMark: false });
}

/** `field <op> n` for a number field, the one table JSON and space-delimited patterns share. */
function numberComparison(op: string, n: number): (a: number) => boolean {
  const compare: Record<string, (a: number) => boolean> = {
    '=': (a) => a === n,
    '!=': (a) => a !== n,
    '<': (a) => a < n,
    '<=': (a) => a <= n,
    '>': (a) => a > n,
    '>=': (a) => a >= n,
  };
  return compare[op]!;
}

function comparison(path: Array<string | number>, op: string, value: Token): JsonTest {
  if (value.kind === 'word' && NUMBER.test(value.text)) {
    const test = numberComparison(op, Number(value.text));
    return (doc) => {
      const field = select(doc, path);
      return typeof field === 'number' && test(field);
    };
  }
  if (value.kind !== 'word' && value.kind !== 'string' && value.kind !== 'regex')
    throw invalid(`expected a value after '${op}'`);
  if (op !== '=' && op !== '!=') throw invalid(`'${op}' compares numbers only`);
  const matchesValue = valueMatcher(value);
  return (doc) => {
    const field = select(doc, path);
    // A missing field (or an object) matches neither = nor !=.
    if (field === undefined || (field !== null && typeof field === 'object')) return false;
    return matchesValue(String(field)) === (op === '=');
  };
}

class JsonPatternParser {
  private index = 0;
  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parse(): JsonTest {
    const test = this.or();
    if (this.index < this.tokens.length) throw invalid(`unexpected '${this.tokens[this.index]!.text}'`);
    return test;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(what: string): Token {
    const token = this.tokens[this.index++];
    if (!token) throw invalid(`expected ${what}`);
    return token;
  }

  private or(): JsonTest {
    const tests = [this.and()];
    while (this.peek()?.text === '||') {
      this.index++;
      tests.push(this.and());
    }
    return tests.length === 1 ? tests[0]! : (doc) => tests.some((t) => t(doc));
  }

  private and(): JsonTest {
    const tests = [this.unary()];
    while (this.peek()?.text === '&&') {
      this.index++;
      tests.push(this.unary());
    }
    return tests.length === 1 ? tests[0]! : (doc) => tests.every((t) => t(doc));
  }

  private unary(): JsonTest {
    const token = this.next('a condition');
    if (token.kind === 'punct' && token.text === '(') {
      const test = this.or();
      if (this.next("')'").text !== ')') throw invalid("expected ')'");
      return test;
    }
    if (token.kind !== 'selector') throw invalid(`expected a selector like $.field, found '${token.text}'`);
    const path = parseSelector(token.text);
    const op = this.next('an operator');
    if (op.kind === 'punct' && op.text !== '(' && op.text !== ')' && op.text !== '&&' && op.text !== '||') {
      return comparison(path, op.text, this.next(`a value after '${op.text}'`));
    }
    if (op.kind === 'word' && op.text.toUpperCase() === 'IS') {
      const what = this.next('TRUE, FALSE or NULL').text.toUpperCase();
      const expected = { TRUE: true, FALSE: false, NULL: null }[what];
      if (expected === undefined) throw invalid(`expected TRUE, FALSE or NULL after IS, found '${what}'`);
      return (doc) => select(doc, path) === expected;
    }
    if (
      op.kind === 'word' &&
      op.text.toUpperCase() === 'NOT' &&
      this.next('EXISTS').text.toUpperCase() === 'EXISTS'
    ) {
      return (doc) => select(doc, path) === undefined;
    }
    throw invalid(`unexpected '${op.text}' after ${token.text}`);
  }
}

/** Only messages that are JSON objects or arrays can match a JSON pattern. */
function compileJsonPattern(text: string): MessageMatcher {
  if (!text.endsWith('}')) throw invalid("If a filter pattern starts with '{' it must end with '}'");
  const test = new JsonPatternParser(tokenize(text.slice(1, -1))).parse();
  return (message) => {
    if (!/^\s*[{[]/.test(message)) return false;
    let document: unknown;
    try {
      document = JSON.parse(message);
    } catch {
      return false;
    }
    return test(document);
  };
}

// ------------------------------------------------------------------ space-delimited patterns

const FIELD_NAME = /^[A-Za-z0-9_-]+$/;
const ELLIPSIS = '...';

/**
 * A message's space-delimited fields: runs of non-blank characters, where text in double quotes or
 * square brackets is one field (without them), as in `127.0.0.1 - frank [10/Oct/2000:13:25:15
 * -0700] "GET /index.html HTTP/1.0" 404 1534`.
 */
export function spaceDelimitedFields(message: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < message.length) {
    const c = message[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const close = c === '"' ? '"' : c === '[' ? ']' : undefined;
    if (close !== undefined) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        fields.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    const start = i;
    while (i < message.length && !/[ \t\n\r]/.test(message[i]!)) i++;
    fields.push(message.slice(start, i));
  }
  return fields;
}

type FieldTest = (field: string) => boolean;

interface Column {
  name: string;
  test: FieldTest | undefined;
}

/** The pattern's columns, split at the commas outside quotes and `%regex%`. */
function splitColumns(body: string): string[] {
  const columns: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '%') quote = c;
    else if (c === ',') {
      columns.push(body.slice(start, i));
      start = i + 1;
    }
  }
  if (quote !== undefined) throw invalid(quote === '"' ? 'unterminated string' : "unterminated '%regex%'");
  columns.push(body.slice(start));
  return columns.map((c) => c.trim());
}

/** `status_code = 4* || status_code = 5*`: conditions on one field, `&&` binding tighter than `||`. */
function parseColumn(text: string): Column {
  if (text === '') throw invalid('empty field in a space-delimited pattern');
  if (text === ELLIPSIS) return { name: ELLIPSIS, test: undefined };
  const tokens = tokenize(text);
  let index = 0;
  let name: string | undefined;
  const condition = (): FieldTest => {
    const field = tokens[index++];
    if (!field || field.kind !== 'word' || !FIELD_NAME.test(field.text))
      throw invalid(`invalid field name '${field?.text ?? ''}' in a space-delimited pattern`);
    if (name !== undefined && field.text !== name)
      throw invalid(`the conditions of one field name only that field ('${name}', not '${field.text}')`);
    name = field.text;
    const op = tokens[index++];
    if (!op) return () => true;
    if (op.kind !== 'punct' || !['=', '!=', '<', '<=', '>', '>='].includes(op.text))
      throw invalid(`unexpected '${op.text}' after ${field.text}`);
    const value = tokens[index++];
    if (!value || value.kind === 'punct' || value.kind === 'selector')
      throw invalid(`expected a value after '${op.text}'`);
    return fieldComparison(op.text, value);
  };
  const and = (): FieldTest => {
    const tests = [condition()];
    while (tokens[index]?.text === '&&') {
      index++;
      tests.push(condition());
    }
    return tests.length === 1 ? tests[0]! : (f) => tests.every((t) => t(f));
  };
  const tests = [and()];
  while (tokens[index]?.text === '||') {
    index++;
    tests.push(and());
  }
  if (index < tokens.length) throw invalid(`unexpected '${tokens[index]!.text}'`);
  const only = tokens.length === 1;
  return { name: name!, test: only ? undefined : (f) => tests.some((t) => t(f)) };
}

function fieldComparison(op: string, value: Token): FieldTest {
  if (value.kind === 'word' && NUMBER.test(value.text)) {
    const test = numberComparison(op, Number(value.text));
    return (field) => NUMBER.test(field) && test(Number(field));
  }
  if (op !== '=' && op !== '!=') throw invalid(`'${op}' compares numbers only`);
  const matchesValue = valueMatcher(value);
  return (field) => matchesValue(field) === (op === '=');
}

/**
 * A message matches when it has as many fields as the pattern has columns (or at least as many as
 * the named ones, with `...` standing for any number, at most once) and each column's conditions
 * hold for its field.
 */
function compileSpaceDelimited(text: string): FilterPattern {
  if (!text.endsWith(']')) throw invalid("If a filter pattern starts with '[' it must end with ']'");
  const columns = splitColumns(text.slice(1, -1)).map(parseColumn);
  const ellipsis = columns.findIndex((c) => c.name === ELLIPSIS);
  if (columns.filter((c) => c.name === ELLIPSIS).length > 1)
    throw invalid("a space-delimited pattern can have at most one '...'");
  const names = new Set(columns.filter((c) => c.name !== ELLIPSIS).map((c) => c.name));
  const before = ellipsis < 0 ? columns : columns.slice(0, ellipsis);
  const after = ellipsis < 0 ? [] : columns.slice(ellipsis + 1);
  /** The field each column stands for, or undefined when the message does not match. */
  const align = (message: string): Array<[Column, string]> | undefined => {
    const fields = spaceDelimitedFields(message);
    if (ellipsis < 0 ? fields.length !== columns.length : fields.length < before.length + after.length)
      return undefined;
    const pairs: Array<[Column, string]> = [
      ...before.map((c, i): [Column, string] => [c, fields[i]!]),
      ...after.map((c, i): [Column, string] => [c, fields[fields.length - after.length + i]!]),
    ];
    return pairs.every(([column, field]) => column.test === undefined || column.test(field))
      ? pairs
      : undefined;
  };
  return {
    matches: (message) => align(message) !== undefined,
    fieldNames: names,
    fieldsOf: (message) => {
      const pairs = align(message);
      return pairs && new Map(pairs.map(([column, field]) => [column.name, field]));
    },
  };
}
