/**
 * The tokens of a Logs Insights query, each with its offsets in the query (for
 * MalformedQueryException's location and for naming result columns as they were written).
 */
import { MalformedQuery } from './errors.ts';

export type TokenKind = 'ident' | 'number' | 'duration' | 'string' | 'regex' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The token as written (a quoted field's name without its backticks). */
  text: string;
  start: number;
  end: number;
  /** number: its value; duration: milliseconds. */
  number?: number;
  /** string: the unescaped value; regex: the pattern between the slashes. */
  value?: string;
  /** regex: the flags after the closing slash. */
  flags?: string;
  /** ident written in backticks: never a keyword. */
  quoted?: boolean;
}

const OPERATORS = [
  '=~',
  '!=',
  '<=',
  '>=',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '|',
  ',',
  '(',
  ')',
  '[',
  ']',
];
const IDENT_START = /[A-Za-z_@$]/;
const IDENT_PART = /[A-Za-z0-9_@$.]/;

/** Milliseconds per unit, with the abbreviations the `bin` and date functions accept (an `s` may pluralize). */
const UNITS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['msec', 1],
  ['millisecond', 1],
  ['s', 1000],
  ['sec', 1000],
  ['second', 1000],
  ['m', 60_000],
  ['min', 60_000],
  ['minute', 60_000],
  ['h', 3_600_000],
  ['hr', 3_600_000],
  ['hour', 3_600_000],
  ['d', 86_400_000],
  ['day', 86_400_000],
  ['w', 604_800_000],
  ['week', 604_800_000],
  ['mo', 2_592_000_000],
  ['mon', 2_592_000_000],
  ['month', 2_592_000_000],
  ['q', 7_776_000_000],
  ['qtr', 7_776_000_000],
  ['quarter', 7_776_000_000],
  ['y', 31_536_000_000],
  ['yr', 31_536_000_000],
  ['year', 31_536_000_000],
]);

export function unitMilliseconds(unit: string): number | undefined {
  const lower = unit.toLowerCase();
  return (
    UNITS.get(lower) ?? (lower.endsWith('s') && lower.length > 2 ? UNITS.get(lower.slice(0, -1)) : undefined)
  );
}

/** Words after which a value starts (`like /…/`), though they look like field names. */
const KEYWORDS = new Set([
  'like',
  'and',
  'or',
  'not',
  'in',
  'as',
  'by',
  'filter',
  'fields',
  'display',
  'stats',
  'sort',
]);

/** Tokens that end a value: a `/` after one divides, elsewhere it opens a regular expression. */
function endsValue(token: Token | undefined): boolean {
  if (!token) return false;
  if (token.kind === 'op') return token.text === ')' || token.text === ']';
  if (token.kind === 'ident' && !token.quoted && KEYWORDS.has(token.text.toLowerCase())) return false;
  return token.kind !== 'eof';
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < query.length && query[i] !== '\n') i++;
      continue;
    }
    const start = i;
    const previous = tokens.at(-1);
    // `parse @message /…/`: the field before the pattern does not make the slash a division.
    const afterParseSource =
      previous?.kind === 'ident' && tokens.at(-2)?.text.toLowerCase() === 'parse' && !tokens.at(-2)?.quoted;
    if (c === '/' && (!endsValue(previous) || afterParseSource)) {
      tokens.push(regexToken(query, start));
      i = tokens.at(-1)!.end;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = quoted(query, start, c);
      tokens.push({ kind: 'string', text: query.slice(start, end), value, start, end });
      i = end;
      continue;
    }
    if (c === '`') {
      const close = query.indexOf('`', i + 1);
      if (close < 0) throw MalformedQuery.at(query, start, query.length, 'unterminated quoted field name');
      tokens.push({ kind: 'ident', text: query.slice(i + 1, close), start, end: close + 1, quoted: true });
      i = close + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(query[i + 1] ?? ''))) {
      tokens.push(numberToken(query, start));
      i = tokens.at(-1)!.end;
      continue;
    }
    if (IDENT_START.test(c)) {
      while (i < query.length && IDENT_PART.test(query[i]!)) i++;
      tokens.push({ kind: 'ident', text: query.slice(start, i), start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => query.startsWith(o, i));
    if (!op) throw MalformedQuery.at(query, start, start + 1, `unexpected symbol found ${c}`);
    tokens.push({ kind: 'op', text: op, start, end: i + op.length });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '<EOF>', start: query.length, end: query.length });
  return tokens;
}

function quoted(query: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < query.length && query[i] !== quote) {
    if (query[i] === '\\' && i + 1 < query.length) {
      const next = query[++i]!;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
    } else {
      value += query[i];
    }
    i++;
  }
  if (i >= query.length) throw MalformedQuery.at(query, start, query.length, 'unterminated string');
  return { value, end: i + 1 };
}

function regexToken(query: string, start: number): Token {
  let i = start + 1;
  let inClass = false;
  while (i < query.length && (query[i] !== '/' || inClass)) {
    if (query[i] === '\\') i++;
    else if (query[i] === '[') inClass = true;
    else if (query[i] === ']') inClass = false;
    i++;
  }
  if (i >= query.length)
    throw MalformedQuery.at(query, start, query.length, 'unterminated regular expression');
  const value = query.slice(start + 1, i);
  i++;
  const flagsStart = i;
  while (i < query.length && /[a-z]/.test(query[i]!)) i++;
  const flags = query.slice(flagsStart, i);
  if (/[^i]/.test(flags)) {
    throw MalformedQuery.at(query, flagsStart, i, `unsupported regular expression flag in '${flags}'`);
  }
  return { kind: 'regex', text: query.slice(start, i), value, flags, start, end: i };
}

function numberToken(query: string, start: number): Token {
  const match = /^(\d*\.?\d+(?:[eE][+-]?\d+)?)([A-Za-z]*)/.exec(query.slice(start, start + 64))!;
  const [text, digits, unit] = match as unknown as [string, string, string];
  const end = start + text.length;
  const number = Number(digits);
  if (unit === '') return { kind: 'number', text, number, start, end };
  const ms = unitMilliseconds(unit);
  if (ms === undefined) throw MalformedQuery.at(query, start, end, `unknown time unit '${unit}'`);
  return { kind: 'duration', text, number: number * ms, start, end };
}
