/**
 * The Logs Insights query language, parsed by recursive descent: commands separated by `|`
 * (fields, display, filter, stats, sort, limit, parse, dedup), expressions with AWS's operators
 * (or < and < not < comparisons, like, in < + - < * / % < ^ < unary minus) and functions.
 */
import type {
  Aggregate,
  AggregateFunction,
  BinaryOperator,
  Command,
  Expr,
  Named,
  ParsePattern,
  Query,
} from './ast.ts';
import { MalformedQuery } from './errors.ts';
import { FUNCTIONS } from './functions.ts';
import { type Token, tokenize } from './lexer.ts';
import { compileRegex, RegexSyntaxError } from './regex.ts';

const AGGREGATES: ReadonlySet<string> = new Set<AggregateFunction>([
  'count',
  'count_distinct',
  'sum',
  'avg',
  'min',
  'max',
  'pct',
  'stddev',
  'earliest',
  'latest',
]);
const COMPARISONS = new Set(['=', '!=', '<', '<=', '>', '>=']);
/** Most limit AWS allows in a `limit` command. */
export const MAX_LIMIT = 10_000;
/** Most commands one query may chain (bounds parsing and running). */
const MAX_COMMANDS = 100;
/** Deepest nesting of parentheses and operators before the query is refused. */
const MAX_DEPTH = 64;

export function parseQuery(query: string, overDeadline?: () => boolean): Query {
  return new Parser(query, overDeadline).query();
}

class Parser {
  private readonly tokens: Token[];
  private readonly source: string;
  private readonly overDeadline: (() => boolean) | undefined;
  private index = 0;
  private depth = 0;

  constructor(source: string, overDeadline: (() => boolean) | undefined) {
    this.source = source;
    this.overDeadline = overDeadline;
    this.tokens = tokenize(source);
  }

  query(): Query {
    const commands: Command[] = [];
    if (this.peek().kind === 'eof') return { commands };
    for (;;) {
      commands.push(this.command());
      if (commands.length > MAX_COMMANDS) throw this.error(this.peek(), `more than ${MAX_COMMANDS} commands`);
      const next = this.next();
      if (next.kind === 'eof') return { commands };
      if (next.text !== '|') throw this.unexpected(next);
    }
  }

  // ------------------------------------------------------------------ tokens

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.index++;
    return token;
  }

  private error(token: Token, problem: string): MalformedQuery {
    return MalformedQuery.at(this.source, token.start, token.end, problem);
  }

  private unexpected(token: Token): MalformedQuery {
    return this.error(
      token,
      token.kind === 'eof' ? 'unexpected end of query' : `unexpected symbol found ${token.text}`,
    );
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.kind === 'ident' && !token.quoted && token.text.toLowerCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(this.peek(), word)) return false;
    this.index++;
    return true;
  }

  private acceptOp(op: string): boolean {
    const token = this.peek();
    if (token.kind !== 'op' || token.text !== op) return false;
    this.index++;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.unexpected(this.peek());
  }

  private fieldName(): string {
    const token = this.next();
    if (token.kind !== 'ident') throw this.unexpected(token);
    return token.text;
  }

  private list<T>(item: () => T): T[] {
    const items = [item()];
    while (this.acceptOp(',')) items.push(item());
    return items;
  }

  // ------------------------------------------------------------------ commands

  private command(): Command {
    const token = this.next();
    const name = token.kind === 'ident' && !token.quoted ? token.text.toLowerCase() : '';
    switch (name) {
      case 'fields':
        return { kind: 'fields', items: this.list(() => this.named()) };
      case 'display':
        return { kind: 'display', names: this.list(() => this.fieldName()) };
      case 'filter':
        return { kind: 'filter', expr: this.expression() };
      case 'stats':
        return this.stats();
      case 'sort':
        return { kind: 'sort', keys: this.list(() => this.sortKey()) };
      case 'limit':
        return { kind: 'limit', count: this.limit() };
      case 'parse':
        return this.parse();
      case 'dedup':
        return { kind: 'dedup', names: this.list(() => this.fieldName()) };
      default:
        throw this.error(
          token,
          token.kind === 'eof' ? 'expected a command' : `unexpected symbol found ${token.text}`,
        );
    }
  }

  /** An expression, and its alias after `as` (else its text as written). */
  private named(): Named {
    const start = this.peek().start;
    const expr = this.expression();
    const text = expr.kind === 'field' ? expr.name : this.source.slice(start, this.peek(-1).end).trim();
    return { expr, name: this.acceptKeyword('as') ? this.fieldName() : text };
  }

  private sortKey(): { expr: Expr; descending: boolean } {
    const expr = this.expression();
    if (this.acceptKeyword('desc')) return { expr, descending: true };
    this.acceptKeyword('asc');
    return { expr, descending: false };
  }

  private limit(): number {
    const token = this.next();
    if (
      token.kind !== 'number' ||
      !Number.isInteger(token.number) ||
      token.number! < 1 ||
      token.number! > MAX_LIMIT
    ) {
      throw this.error(token, `limit must be an integer from 1 to ${MAX_LIMIT}`);
    }
    return token.number!;
  }

  private stats(): Command {
    const aggregates = this.list(() => this.aggregate());
    const groups = this.acceptKeyword('by') ? this.list(() => this.named()) : [];
    return { kind: 'stats', aggregates, groups };
  }

  private aggregate(): Aggregate {
    const start = this.peek();
    const fn = start.kind === 'ident' && !start.quoted ? start.text.toLowerCase() : '';
    if (!AGGREGATES.has(fn) || this.peek(1).text !== '(') {
      throw this.error(start, `expected an aggregation function (${[...AGGREGATES].join(', ')})`);
    }
    this.index += 2;
    const aggregate: Aggregate = { fn: fn as AggregateFunction, name: '' };
    if (fn === 'count' && (this.acceptOp('*') || this.peek().text === ')')) {
      // count(*) and count() count every record.
    } else {
      aggregate.arg = this.expression();
      if (fn === 'pct') {
        this.expectOp(',');
        const percentile = this.next();
        if (percentile.kind !== 'number' || percentile.number! < 0 || percentile.number! > 100) {
          throw this.error(percentile, 'pct takes a percentile from 0 to 100');
        }
        aggregate.percentile = percentile.number!;
      }
    }
    this.expectOp(')');
    const text = this.source.slice(start.start, this.peek(-1).end);
    aggregate.name = this.acceptKeyword('as') ? this.fieldName() : text;
    return aggregate;
  }

  private parse(): Command {
    const source = this.primary();
    const token = this.next();
    let pattern: ParsePattern;
    let names: string[];
    if (token.kind === 'string') {
      const literals = token.value!.split('*');
      if (literals.length < 2) throw this.error(token, 'a parse pattern needs at least one *');
      pattern = { kind: 'glob', literals };
      if (!this.acceptKeyword('as')) throw this.unexpected(this.peek());
      names = this.list(() => this.fieldName());
      if (names.length !== literals.length - 1) {
        throw this.error(
          token,
          `the pattern has ${literals.length - 1} * but ${names.length} names follow as`,
        );
      }
    } else if (token.kind === 'regex') {
      const regex = this.regex(token);
      if (regex.names.length === 0)
        throw this.error(token, 'a parse regular expression needs a named group (?<name>...)');
      pattern = { kind: 'regex', regex };
      names = [...regex.names];
    } else {
      throw this.unexpected(token);
    }
    return { kind: 'parse', source, pattern, names };
  }

  // ------------------------------------------------------------------ expressions

  private expression(): Expr {
    if (++this.depth > MAX_DEPTH) throw this.error(this.peek(), 'the expression is nested too deeply');
    try {
      return this.or();
    } finally {
      this.depth--;
    }
  }

  private or(): Expr {
    let left = this.and();
    while (this.acceptKeyword('or')) left = { kind: 'binary', op: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.acceptKeyword('and')) left = { kind: 'binary', op: 'and', left, right: this.not() };
    return left;
  }

  private not(): Expr {
    if (this.acceptKeyword('not')) {
      if (++this.depth > MAX_DEPTH) throw this.error(this.peek(), 'the expression is nested too deeply');
      try {
        return { kind: 'not', arg: this.not() };
      } finally {
        this.depth--;
      }
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const subject = this.additive();
    const token = this.peek();
    if (token.kind === 'op' && COMPARISONS.has(token.text)) {
      this.index++;
      return { kind: 'binary', op: token.text as BinaryOperator, left: subject, right: this.additive() };
    }
    if (token.kind === 'op' && token.text === '=~') {
      this.index++;
      return { kind: 'like', negated: false, subject, pattern: this.likePattern() };
    }
    const negated =
      this.isKeyword(token, 'not') &&
      (this.isKeyword(this.peek(1), 'like') || this.isKeyword(this.peek(1), 'in'));
    if (negated) this.index++;
    if (this.acceptKeyword('like')) return { kind: 'like', negated, subject, pattern: this.likePattern() };
    if (this.acceptKeyword('in')) {
      this.expectOp('[');
      const items = this.peek().text === ']' ? [] : this.list(() => this.additive());
      this.expectOp(']');
      return { kind: 'in', negated, subject, items };
    }
    return subject;
  }

  private likePattern(): Expr {
    const token = this.peek();
    if (token.kind === 'regex') {
      this.index++;
      return { kind: 'regex', regex: this.regex(token) };
    }
    return this.additive();
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'op' || (token.text !== '+' && token.text !== '-')) return left;
      this.index++;
      left = { kind: 'binary', op: token.text, left, right: this.multiplicative() };
    }
  }

  private multiplicative(): Expr {
    let left = this.power();
    for (;;) {
      const token = this.peek();
      if (token.kind !== 'op' || (token.text !== '*' && token.text !== '/' && token.text !== '%'))
        return left;
      this.index++;
      left = { kind: 'binary', op: token.text, left, right: this.power() };
    }
  }

  private power(): Expr {
    const base = this.unary();
    if (!this.acceptOp('^')) return base;
    return { kind: 'binary', op: '^', left: base, right: this.power() };
  }

  private unary(): Expr {
    if (this.acceptOp('-')) {
      if (++this.depth > MAX_DEPTH) throw this.error(this.peek(), 'the expression is nested too deeply');
      try {
        return { kind: 'negate', arg: this.unary() };
      } finally {
        this.depth--;
      }
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        return { kind: 'number', value: token.number! };
      case 'duration':
        return { kind: 'duration', ms: token.number! };
      case 'string':
        return { kind: 'string', value: token.value! };
      case 'regex':
        return { kind: 'regex', regex: this.regex(token) };
      case 'ident':
        return this.peek().text === '(' && !token.quoted
          ? this.call(token)
          : { kind: 'field', name: token.text };
      case 'op':
        if (token.text === '(') {
          const inner = this.expression();
          this.expectOp(')');
          return inner;
        }
        throw this.unexpected(token);
      default:
        throw this.unexpected(token);
    }
  }

  private call(token: Token): Expr {
    const name = token.text.toLowerCase();
    if (name === 'unmask') return this.unmask(token);
    const spec = FUNCTIONS.get(name);
    if (!spec) {
      if (AGGREGATES.has(name)) throw this.error(token, `${name} can only be used in stats`);
      throw this.error(token, `unknown function ${token.text}`);
    }
    this.expectOp('(');
    const args = this.peek().text === ')' ? [] : this.list(() => this.expression());
    this.expectOp(')');
    if (args.length < spec.min || args.length > spec.max) {
      const arity =
        spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max === Infinity ? 'any' : spec.max}`;
      throw this.error(token, `${name} takes ${arity} argument(s), not ${args.length}`);
    }
    return { kind: 'call', name, args };
  }

  /** `unmask(field)`: the field as ingested, before data protection masked it (logs:Unmask). */
  private unmask(token: Token): Expr {
    this.expectOp('(');
    const arg = this.peek().text === ')' ? undefined : this.expression();
    this.expectOp(')');
    if (arg?.kind !== 'field') throw this.error(token, 'unmask takes one field, as in unmask(@message)');
    return { kind: 'unmask', name: arg.name };
  }

  private regex(token: Token) {
    try {
      return compileRegex(token.value!, token.flags ?? '', this.overDeadline);
    } catch (error) {
      if (!(error instanceof RegexSyntaxError)) throw error;
      const at = token.start + 1 + error.offset;
      throw MalformedQuery.at(this.source, at, at + 1, `invalid regular expression: ${error.message}`);
    }
  }
}
