/** The queries' regular expressions: JavaScript's answers on safe inputs, linear time on hostile ones. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRegex, RegexSyntaxError } from '../../../../../src/cloud/services/logs/insights/regex.ts';

describe('compileRegex', () => {
  it.each([
    ['eni-.*? ', 'x eni-1 eni-2 y', true],
    ['^GET /health$', 'GET /health', true],
    ['^GET /health$', 'GET /healthz', false],
    ['(error|warn)ing', 'a warning', true],
    ['[0-9]{3}-[a-f]+', 'id 123-beef', true],
    ['[^a-z]+$', 'abc', false],
    ['\\d+\\.\\d+', 'v1.25', true],
    ['colou?r', 'color', true],
    ['(?:ab)+c', 'ababab', false],
  ])('%s on %j is %s', (pattern, text, expected) => {
    expect(compileRegex(pattern).test(text)).toBe(expected);
  });

  it('captures named groups leftmost-first, lazily where asked', () => {
    const regex = compileRegex('user=(?<user>.*?), method:(?<method>\\w+)(?<rest> .*)?');
    expect(regex.names).toEqual(['user', 'method', 'rest']);
    expect(Object.fromEntries(regex.exec('user=bob, method:GET, x')!)).toEqual({
      user: 'bob',
      method: 'GET',
    });
    expect(regex.exec('nothing here')).toBeUndefined();
    expect(compileRegex('(?i)ERROR').test('an error')).toBe(true);
    expect(compileRegex('ERROR', 'i').test('an Error')).toBe(true);
  });

  it('finds every leftmost match without overlap, as data protection masks them', () => {
    expect(compileRegex('EmployeeId-\\d{3}').spans('EmployeeId-123, EmployeeId-456x EmployeeId-7')).toEqual([
      [0, 14],
      [16, 30],
    ]);
    expect(compileRegex('a*').spans('baab')).toEqual([[1, 3]]);
    expect(compileRegex('^x').spans('xx')).toEqual([[0, 1]]);
  });

  it('answers as JavaScript does on patterns and texts small enough for a backtracker', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '(a|b)', '(?:ab|a)', '(?<g>a*)');
    const quantifier = fc.constantFrom('', '', '*', '+', '?', '*?', '{1,2}');
    const pattern = fc
      .array(fc.tuple(atom, quantifier), { minLength: 1, maxLength: 5 })
      .chain((parts) => fc.tuple(fc.constant(parts), fc.boolean(), fc.boolean()))
      .map(
        ([parts, start, end]) =>
          `${start ? '^' : ''}${parts.map(([a, q]) => a + q).join('')}${end ? '$' : ''}`,
      )
      .filter((p) => (p.match(/\(\?<g>/g) ?? []).length <= 1);
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' '), maxLength: 12 });
    fc.assert(
      fc.property(pattern, text, (source, input) => {
        const ours = compileRegex(source);
        const theirs = new RegExp(source);
        expect(ours.test(input)).toBe(theirs.test(input));
        // JavaScript skips a repeated group's empty iteration (`(a*)?` on '' leaves it undefined); Java,
        // whose regular expressions AWS uses, and the Pike VM capture the empty string.
        if (/\(\?<g>a\*\)[*+?{]/.test(source)) return;
        expect(ours.exec(input)?.get('g')).toBe(theirs.exec(input)?.groups?.g);
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it('matches patterns that make backtrackers exponential, on long texts, and stops at a deadline', () => {
    const text = `${'a'.repeat(5000)}!`;
    expect(compileRegex('(a|a)*b').test(text)).toBe(false);
    expect(compileRegex('(a*)*b').test(text)).toBe(false);
    expect(compileRegex('^(a+)+$').test(text)).toBe(false);
    let asked = 0;
    const slow = compileRegex('(a|a)*b', '', () => ++asked > 1);
    expect(() => slow.test('a'.repeat(200_000))).toThrow('');
  });

  it.each(['(', 'a)', '[a', 'a**', '*a', '(?=x)', 'a{2,1}', '\\', '(?<1x>a)', '(?<n>a)(?<n>b)', 'x\\q'])(
    'refuses %j with where the problem is',
    (pattern) => {
      expect(() => compileRegex(pattern)).toThrow(RegexSyntaxError);
    },
  );

  it('refuses patterns that compile past its size limit', () => {
    expect(() => compileRegex('a{9999}')).toThrow(/too large/);
    expect(() => compileRegex('(a{100}){100}')).toThrow(/too large/);
  });
});
