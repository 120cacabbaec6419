/**
 * CloudWatch Logs filter patterns, compiled once per FilterLogEvents call into a predicate over a
 * message: terms (`ERROR "exact phrase" ?WARN -DEBUG`), JSON patterns
 * (`{ ($.level = "error") && $.status >= 500 }`) and `%regex%`.
 */
import { wildcardMatcher } from '../wildcard.ts';
import { InvalidParameterException } from './errors.ts';
import { compileFilterRegex } from './filter-regex.ts';

export type MessageMatcher = (message: string) => boolean;

export function compileFilterPattern(pattern: string | undefined): MessageMatcher {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return () => true;
  if (text.startsWith('{')) return compileJsonPattern(text);
  if (text.startsWith('[')) {
    throw new InvalidParameterException(
      'Space-delimited filter patterns ([...]) are not supported by the local cloud; use terms, a JSON pattern or %regex%',
    );
  }
  if (text.length > 1 && text.startsWith('%') && text.endsWith('%'))
    return compileFilterRegex(text.slice(1, -1));
  return compileTerms(text);
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
      if (!BARE_TERM.test(term)) throw invalid(`invalid character(s) in term '${term}' (quote it)`);
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
type Token = { kind: 'punct' | 'selector' | 'string' | 'word'; text: string };

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

function comparison(path: Array<string | number>, op: string, value: Token): JsonTest {
  if (value.kind === 'word' && NUMBER.test(value.text)) {
    const n = Number(value.text);
    const compare: Record<string, (a: number) => boolean> = {
      '=': (a) => a === n,
      '!=': (a) => a !== n,
      '<': (a) => a < n,
      '<=': (a) => a <= n,
      '>': (a) => a > n,
      '>=': (a) => a >= n,
    };
    const test = compare[op]!;
    return (doc) => {
      const field = select(doc, path);
      return typeof field === 'number' && test(field);
    };
  }
  if (value.kind !== 'word' && value.kind !== 'string') throw invalid(`expected a value after '${op}'`);
  if (op !== '=' && op !== '!=') throw invalid(`'${op}' compares numbers only`);
  const matchesValue = wildcardMatcher(value.text, { questionMark: false });
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
  if (!text.endsWith('}')) throw invalid("a JSON pattern ends with '}'");
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
