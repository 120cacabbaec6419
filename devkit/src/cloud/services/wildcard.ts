/**
 * `*` / `?` wildcard patterns (EC2 filter values, CloudWatch Logs JSON pattern values) matched
 * without backtracking: the pattern is split at its stars into segments, the first anchored at the
 * start, the last at the end, each one between found at its leftmost place after the previous one
 * (leftmost is always safe for a segment between two stars), with the bit-parallel Shift-And
 * algorithm. Each search resumes where the previous one stopped, so a match reads the value about
 * once, at the cost of the segment's length in 32-bit words per character — never exponential, as
 * the regular expression built from the pattern was (`*a*a*a…b` against 256 `a`s never returned).
 */

export type WildcardMatcher = (value: string) => boolean;

/** A stretch of the pattern between stars, as code points (`?` is one character, not one UTF-16 unit). */
interface Segment {
  chars: string[];
  /** Shift-And masks: for each character, the bits of the positions it may fill. */
  masks: Map<string, Uint32Array>;
  /** The bits of the `?` positions (any character fills them). */
  anyMask: Uint32Array;
}

const WORD_BITS = 32;

/** `questionMark`: whether `?` matches any one character (EC2) or is an ordinary character (Logs). */
export function wildcardMatcher(pattern: string, options: { questionMark: boolean }): WildcardMatcher {
  const segments = pattern.split('*').map((text) => segment(text, options.questionMark));
  if (segments.length === 1) {
    const only = segments[0]!;
    return (value) => {
      const chars = Array.from(value);
      return chars.length === only.chars.length && fitsAt(chars, only, 0);
    };
  }
  const first = segments[0]!;
  const last = segments.at(-1)!;
  const middle = segments.slice(1, -1).filter((s) => s.chars.length > 0);
  return (value) => {
    const chars = Array.from(value);
    const end = chars.length - last.chars.length;
    if (end < first.chars.length || !fitsAt(chars, first, 0) || !fitsAt(chars, last, end)) return false;
    let cursor = first.chars.length;
    for (const s of middle) {
      const found = find(chars, s, cursor, end);
      if (found < 0) return false;
      cursor = found + s.chars.length;
    }
    return true;
  };
}

function segment(text: string, questionMark: boolean): Segment {
  const chars = Array.from(text);
  const words = Math.max(1, Math.ceil(chars.length / WORD_BITS));
  const masks = new Map<string, Uint32Array>();
  const anyMask = new Uint32Array(words);
  chars.forEach((char, i) => {
    const target = questionMark && char === '?' ? anyMask : getOrCreate(masks, char, words);
    target[Math.floor(i / WORD_BITS)]! |= 1 << (i % WORD_BITS);
  });
  return { chars, masks, anyMask };
}

function getOrCreate(masks: Map<string, Uint32Array>, char: string, words: number): Uint32Array {
  let mask = masks.get(char);
  if (!mask) masks.set(char, (mask = new Uint32Array(words)));
  return mask;
}

/** Whether `s` matches `chars` starting exactly at `at`. */
function fitsAt(chars: readonly string[], s: Segment, at: number): boolean {
  for (let i = 0; i < s.chars.length; i++) {
    const c = s.chars[i]!;
    if (c !== chars[at + i] && !isAny(s, i)) return false;
  }
  return true;
}

function isAny(s: Segment, i: number): boolean {
  return (s.anyMask[Math.floor(i / WORD_BITS)]! & (1 << (i % WORD_BITS))) !== 0;
}

/** The leftmost start in [from, end - length] where `s` occurs within chars[from, end), or -1. */
function find(chars: readonly string[], s: Segment, from: number, end: number): number {
  const length = s.chars.length;
  if (end - from < length) return -1;
  // Shift-And: bit i of `state` says the last i + 1 characters match the segment's first i + 1.
  const words = s.anyMask.length;
  const state = new Uint32Array(words);
  const lastWord = Math.floor((length - 1) / WORD_BITS);
  const lastBit = 1 << ((length - 1) % WORD_BITS);
  for (let at = from; at < end; at++) {
    const mask = s.masks.get(chars[at]!);
    let carry = 1;
    for (let w = 0; w < words; w++) {
      const shifted = ((state[w]! << 1) | carry) >>> 0;
      carry = state[w]! >>> (WORD_BITS - 1);
      state[w] = shifted & ((mask?.[w] ?? 0) | s.anyMask[w]!);
    }
    if ((state[lastWord]! & lastBit) !== 0) return at - length + 1;
  }
  return -1;
}
