/**
 * AWS's models write patterns as Java regular expressions, matched against the whole value. This
 * turns one into JavaScript source for `new RegExp(source, 'u')`, or undefined when it uses Java
 * syntax JavaScript reads differently (class intersections, possessive quantifiers, POSIX and
 * `java*` property names, \Q…\E, \A, \z), or when it could backtrack catastrophically (a quantified
 * group that itself holds a quantifier) on values longer than `maxLength`.
 */
const JAVA_ONLY =
  /&&|\\Q|\\E|\\A|\\Z|\\z|\\G|\\h|\\H|\\R|\\p\{(?:Lower|Upper|ASCII|Alpha|Digit|Alnum|Punct|Graph|Print|Blank|Cntrl|XDigit|Space|java\w+|Is\w+)\}|[*+?}]\+/;

/** Characters JavaScript's `u` mode lets a backslash escape (others are a syntax error there). */
const U_MODE_ESCAPABLE = new Set('^$\\.*+?()[]{}|/-'.split(''));

/** Nested quantifiers with inputs up to this long stay well under a millisecond for AWS's patterns. */
const MAX_NESTED_INPUT = 1024;

export function jsPattern(java: string, maxLength: number | undefined): string | undefined {
  if (JAVA_ONLY.test(java)) return undefined;
  let source = '';
  for (let i = 0; i < java.length; i++) {
    const c = java[i]!;
    if (c === '\\' && i + 1 < java.length) {
      const next = java[i + 1]!;
      // Java lets any punctuation be escaped; `u` mode only syntax characters.
      source += /[!-/:-@[-`{-~]/.test(next) && !U_MODE_ESCAPABLE.has(next) ? next : `\\${next}`;
      i++;
    } else source += c;
  }
  const anchored = `^(?:${source.replace(/^\^/, '').replace(/(?<!\\)\$$/, '')})$`;
  try {
    new RegExp(anchored, 'u');
  } catch {
    return undefined;
  }
  if (hasNestedQuantifier(anchored) && !(maxLength !== undefined && maxLength <= MAX_NESTED_INPUT)) {
    return undefined;
  }
  return anchored;
}

/** Whether a quantified group contains a quantifier (star height 2, the shape of `(a+)+`). */
export function hasNestedQuantifier(source: string): boolean {
  const groups: boolean[] = []; // per open group: holds a quantifier
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') groups.push(false);
    else if (c === ')') {
      const inner = groups.pop() ?? false;
      const quantified = /^(?:[*+]|\{\d*,\d*\})/.test(source.slice(i + 1));
      if (inner && quantified) return true;
      if ((inner || quantified) && groups.length) groups[groups.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '{') && groups.length) groups[groups.length - 1] = true;
  }
  return false;
}
