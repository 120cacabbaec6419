/** The Logs Insights query parser: its grammar, AWS's MalformedQueryException shape, and hostile strings. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedQuery } from '../../../../../src/cloud/services/logs/insights/errors.ts';
import { parseQuery } from '../../../../../src/cloud/services/logs/insights/parser.ts';

function compileError(query: string) {
  try {
    parseQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedQuery);
    const { code, message, members } = error as MalformedQuery;
    return { code, message, ...(members as { queryCompileError: { location: object; message: string } }) };
  }
  throw new Error(`parsed: ${query}`);
}

describe('parseQuery', () => {
  it('parses the commands of the query-syntax reference', () => {
    const { commands } = parseQuery(
      "fields @timestamp, level, msg as message | filter level = 'error' and not ispresent(skip) " +
        '| parse @message "user=*, method:*" as user, method | stats count(*) as n, pct(latency, 95) by bin(5m), user ' +
        '| sort n desc, user asc | limit 20 | display n, user',
    );
    expect(commands.map((c) => c.kind)).toEqual([
      'fields',
      'filter',
      'parse',
      'stats',
      'sort',
      'limit',
      'display',
    ]);
    const fields = commands[0]!;
    expect(fields.kind === 'fields' && fields.items.map((i) => i.name)).toEqual([
      '@timestamp',
      'level',
      'message',
    ]);
    const stats = commands[3]!;
    expect(stats.kind === 'stats' && stats.aggregates.map((a) => [a.fn, a.name, a.percentile])).toEqual([
      ['count', 'n', undefined],
      ['pct', 'pct(latency, 95)', 95],
    ]);
    expect(stats.kind === 'stats' && stats.groups.map((g) => g.name)).toEqual(['bin(5m)', 'user']);
  });

  it('names an expression by its text as written, and takes comments, backquoted names and regex flags', () => {
    const { commands } = parseQuery(
      '# first a comment\nfields strlen(@message)  +  1, `weird-name` | filter msg like /Timeout/i',
    );
    const fields = commands[0]!;
    expect(fields.kind === 'fields' && fields.items.map((i) => i.name)).toEqual([
      'strlen(@message)  +  1',
      'weird-name',
    ]);
    const filter = commands[1]!;
    expect(filter.kind === 'filter' && filter.expr.kind === 'like' && filter.expr.pattern.kind).toBe('regex');
  });

  it('tells a regex after parse from a division, and a division elsewhere', () => {
    const parse = parseQuery('parse @message /(?<user>\\w+)/').commands[0]!;
    expect(parse.kind === 'parse' && parse.names).toEqual(['user']);
    const division = parseQuery('fields a / b / 2 as c').commands[0]!;
    expect(division.kind === 'fields' && division.items[0]!.expr.kind).toBe('binary');
  });

  it.each([
    ['fields | x', 'unexpected symbol found | at line 1 and position 8', 7, 7],
    ['filter level =', 'unexpected end of query at line 1 and position 15', 14, 14],
    ["fields a\n| filter b = 'x' c", 'unexpected symbol found c at line 2 and position 18', 26, 26],
    ['sort x | bogus', 'unexpected symbol found bogus at line 1 and position 10', 9, 13],
    ['limit 0', 'limit must be an integer from 1 to 10000 at line 1 and position 7', 6, 6],
  ])('refuses %j with AWS error shape', (query, message, startCharOffset, endCharOffset) => {
    expect(compileError(query)).toEqual({
      code: 'MalformedQueryException',
      message,
      queryCompileError: { location: { startCharOffset, endCharOffset }, message },
    });
  });

  it.each([
    ['stats foo(x)', /expected an aggregation function/],
    ['fields nosuch(x)', /unknown function nosuch/],
    ['fields count(*)', /count can only be used in stats/],
    ['fields substr(a)', /substr takes 2 to 3 argument\(s\), not 1/],
    ['parse @message "no stars" as a', /needs at least one \*/],
    ['parse @message "* and *" as a', /has 2 \* but 1 names/],
    ['parse @message /(\\w+)/', /needs a named group/],
    ['filter a like /(/', /invalid regular expression: missing '\)'/],
    ["filter a = 'open", /unterminated string/],
    ['stats count(*) by bin(5parsecs)', /unknown time unit 'parsecs'/],
    ['filter a like /x/g', /unsupported regular expression flag/],
  ])('refuses %j: %s', (query, pattern) => {
    expect(compileError(query).message).toMatch(pattern);
  });

  it('refuses nesting past its depth limit instead of overflowing the stack', () => {
    expect(compileError(`filter ${'('.repeat(5000)}a${')'.repeat(5000)}`).message).toMatch(
      /nested too deeply/,
    );
    expect(compileError(`filter ${'not '.repeat(5000)}a`).message).toMatch(/nested too deeply/);
    expect(compileError(`filter ${'-'.repeat(5000)}a`).message).toMatch(/nested too deeply/);
  });

  it('never throws anything but MalformedQueryException on hostile strings, and always returns', () => {
    const pieces = fc.constantFrom(
      'fields',
      'filter',
      'stats',
      'sort',
      'limit',
      'parse',
      'display',
      'dedup',
      'by',
      'as',
      'and',
      'or',
      'not',
      'like',
      'in',
      '|',
      ',',
      '(',
      ')',
      '[',
      ']',
      '/',
      '/(?<a>x*)*/',
      '"*"',
      "'x'",
      '`q`',
      '=',
      '!=',
      '<',
      '>=',
      '=~',
      '+',
      '-',
      '*',
      '^',
      '%',
      '@message',
      'count(*)',
      'bin(5m)',
      'pct(x, 50)',
      '1',
      '1e308',
      '10001',
      '#',
      '\n',
      '\\',
      '__proto__',
      'constructor',
      '{',
      '}',
      '$',
      '.',
      '\u0000',
      '\ud800',
    );
    const query = fc.oneof(
      fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join(' ')),
      fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join('')),
      fc.string({ maxLength: 200 }),
    );
    fc.assert(
      fc.property(query, (text) => {
        try {
          parseQuery(text);
        } catch (error) {
          if (!(error instanceof MalformedQuery)) throw error;
          const location = (error.members.queryCompileError as { location: { startCharOffset: number } })
            .location;
          expect(location.startCharOffset).toBeGreaterThanOrEqual(0);
          expect(location.startCharOffset).toBeLessThanOrEqual(text.length);
        }
      }),
      { seed: 17, numRuns: 3000 },
    );
  });
});
