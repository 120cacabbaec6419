/**
 * `%regex%` filter patterns, in the syntax CloudWatch Logs supports: ASCII letters, digits, the
 * symbols `: _ # = @ / ; , -`, the operators `^ $ ? [ ] { } | \ * + .` — no `( )`
 * sub-patterns. With no groups, every alternative is a sequence of single-character terms, each
 * repeated or optional; it is matched by simulating its automaton one character at a time (the
 * positions reached so far: a bit mask when there are at most 31, a list otherwise), so a match
 * costs the message's length times the pattern's, whatever the pattern — a JavaScript RegExp
 * backtracks exponentially on `%a*a*a*a*a*b%` and the like.
 */
import { InvalidParameterException } from './errors.ts';

type CharTest = (char: string) => boolean;

/** One position of the automaton: a character test taken exactly once, at most once, or any number of times. */
interface Step {
  test: CharTest;
  kind: 'one' | 'optional' | 'repeat';
}

interface Alternative {
  steps: Step[];
  atStart: boolean;
  atEnd: boolean;
}

/** How many automaton positions one pattern may expand to (`a{1000}` is 1,000). */
const MAX_STEPS = 4096;
const ALLOWED = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]*$/;
const QUANTIFIER = /[?*+{]/;

const DIGIT: CharTest = (c) => c >= '0' && c <= '9';
const WORD: CharTest = (c) => DIGIT(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const SPACE: CharTest = (c) => c === ' ' || (c >= '\t' && c <= '\r');
const ANY: CharTest = (c) => c !== '\n' && c !== '\r' && c !== '\u2028' && c !== '\u2029';
const CLASS_ESCAPES: ReadonlyMap<string, CharTest> = new Map([
  ['d', DIGIT],
  ['D', (c) => !DIGIT(c)],
  ['w', WORD],
  ['W', (c) => !WORD(c)],
  ['s', SPACE],
  ['S', (c) => !SPACE(c)],
]);

function invalid(reason: string): InvalidParameterException {
  return new InvalidParameterException(`Invalid filter pattern: ${reason}`);
}

/** Compiles the text between the `%`s into a predicate over a message (a match anywhere in it). */
export function compileFilterRegex(source: string): (message: string) => boolean {
  if (!ALLOWED.test(source)) {
    const bad = [...source].find((c) => !ALLOWED.test(c));
    throw invalid(`the character '${bad}' is not supported in a regular expression`);
  }
  const alternatives = new Parser(source)
    .parse()
    .map((alternative) =>
      alternative.steps.length <= BIT_PARALLEL_STEPS ? bitParallel(alternative) : stepList(alternative),
    );
  return (message) => alternatives.some((matches) => matches(message));
}

class Parser {
  private i = 0;
  private steps = 0;
  private readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  parse(): Alternative[] {
    const alternatives = [this.alternative()];
    while (this.source[this.i] === '|') {
      this.i++;
      alternatives.push(this.alternative());
    }
    return alternatives;
  }

  private alternative(): Alternative {
    const atStart = this.source[this.i] === '^';
    if (atStart) this.i++;
    const steps: Step[] = [];
    let atEnd = false;
    while (this.i < this.source.length && this.source[this.i] !== '|') {
      if (this.source[this.i] === '$') {
        this.i++;
        if (this.i < this.source.length && this.source[this.i] !== '|')
          throw invalid("'$' must end the pattern");
        atEnd = true;
        break;
      }
      const test = this.atom();
      this.repeat(test, steps);
    }
    return { steps, atStart, atEnd };
  }

  private atom(): CharTest {
    const c = this.source[this.i++]!;
    switch (c) {
      case '.':
        return ANY;
      case '[':
        return this.charClass();
      case '\\':
        return this.escape();
      case '^':
        throw invalid("'^' must start the pattern");
      case '?':
      case '*':
      case '+':
      case '{':
        throw invalid(`'${c}' follows nothing it could repeat`);
      case ']':
      case '}':
        throw invalid(`unmatched '${c}'`);
      default:
        return (char) => char === c;
    }
  }

  private escape(): CharTest {
    const c = this.source[this.i++];
    if (c === undefined) throw invalid("'\\' ends the pattern");
    return CLASS_ESCAPES.get(c) ?? ((char) => char === c);
  }

  /** `[abc]`, `[a-z0-9]`, `[^...]`, with escapes; called after the `[`. */
  private charClass(): CharTest {
    const negated = this.source[this.i] === '^';
    if (negated) this.i++;
    const tests: CharTest[] = [];
    let first = true;
    while (this.source[this.i] !== ']' || first) {
      let c = this.source[this.i++];
      if (c === undefined) throw invalid("unterminated '['");
      first = false;
      if (c === '\\') {
        const escaped = this.escape();
        const letter = this.source[this.i - 1]!;
        if (CLASS_ESCAPES.has(letter)) {
          tests.push(escaped);
          continue;
        }
        c = letter;
      }
      const to = this.source[this.i + 1];
      if (this.source[this.i] === '-' && to !== undefined && to !== ']') {
        this.i += 2;
        const from = c;
        if (to < from) throw invalid(`illegal character range ${from}-${to}`);
        tests.push((char) => char >= from && char <= to);
      } else {
        const only = c;
        tests.push((char) => char === only);
      }
    }
    this.i++;
    return negated ? (char) => !tests.some((t) => t(char)) : (char) => tests.some((t) => t(char));
  }

  /** The quantifier after an atom (if any), as automaton steps. */
  private repeat(test: CharTest, steps: Step[]): void {
    const c = this.source[this.i];
    let min = 1;
    let max: number | undefined = 1;
    if (c === '?' || c === '*' || c === '+') {
      this.i++;
      [min, max] = c === '?' ? [0, 1] : c === '*' ? [0, undefined] : [1, undefined];
    } else if (c === '{') {
      const counts = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.source.slice(this.i));
      if (!counts) throw invalid("'{' must be followed by a count, as in {2}, {2,} or {2,5}");
      this.i += counts[0].length;
      min = Number(counts[1]);
      max = counts[2] === undefined ? min : counts[3] === '' ? undefined : Number(counts[3]);
      if (max !== undefined && max < min) throw invalid(`illegal repetition range {${min},${max}}`);
    }
    // A lazy quantifier (`*?`) matches the same messages as a greedy one.
    const quantified = c !== undefined && QUANTIFIER.test(c);
    if (quantified && this.source[this.i] === '?') this.i++;
    if (QUANTIFIER.test(this.source[this.i] ?? '')) throw invalid('a quantifier cannot follow another');
    this.steps += max ?? min + 1;
    if (this.steps > MAX_STEPS)
      throw invalid(`the regular expression expands to more than ${MAX_STEPS} steps`);
    for (let n = 0; n < min; n++) steps.push({ test, kind: 'one' });
    if (max === undefined) steps.push({ test, kind: 'repeat' });
    else for (let n = min; n < max; n++) steps.push({ test, kind: 'optional' });
  }
}

/** Bit 0 stands for "nothing matched yet", bits 1…31 for the steps. */
const BIT_PARALLEL_STEPS = 31;

/**
 * The automaton as a bit mask (Shift-And extended to optional and repeated steps): bit j is set
 * when steps 1…j match the text just read. Per character: shift in, keep repeated steps that take
 * the character again, then let a set bit run on through the optional steps after it.
 */
function bitParallel({ steps, atStart, atEnd }: Alternative): (message: string) => boolean {
  const done = 1 << steps.length;
  const repeats = steps.reduce((mask, step, j) => (step.kind === 'repeat' ? mask | (2 << j) : mask), 0);
  // Runs of optional steps, each with the step before it: reaching any bit reaches the run's rest.
  const runs: number[] = [];
  for (let j = 0; j < steps.length; j++) {
    if (steps[j]!.kind === 'one') continue;
    let run = 1 << j; // the step before the run (bit j is step j, since step j sits at bit j + 1)
    while (j < steps.length && steps[j]!.kind !== 'one') run |= 2 << j++;
    runs.push(run);
  }
  const close = (state: number): number => {
    for (const run of runs) {
      const reached = state & run;
      if (reached !== 0) state |= run & ~((reached & -reached) - 1);
    }
    return state;
  };
  const ascii = new Uint32Array(128);
  const others = new Map<string, number>();
  const maskOf = (char: string) =>
    steps.reduce((mask, step, j) => (step.test(char) ? mask | (2 << j) : mask), 0);
  for (let code = 0; code < 128; code++) ascii[code] = maskOf(String.fromCharCode(code));
  const start = close(1);
  return (message) => {
    let state = start;
    if (!atEnd && (state & done) !== 0) return true;
    for (let i = 0; i < message.length; i++) {
      let code = message.charCodeAt(i);
      let mask: number;
      if (code < 128) mask = ascii[code]!;
      else {
        code = message.codePointAt(i)!;
        if (code > 0xffff) i++;
        const char = String.fromCodePoint(code);
        mask = others.get(char) ?? maskOf(char);
        if (others.size < 1024) others.set(char, mask);
      }
      state = close(
        (((state << 1) | (atStart ? 0 : 1)) & mask) | (state & repeats & mask) | (atStart ? 0 : start),
      );
      if (!atEnd && (state & done) !== 0) return true;
      if (state === 0) return false;
    }
    return (state & done) !== 0;
  };
}

/** The same automaton as a list of the positions reached, for patterns too long for one mask. */
function stepList({ steps, atStart, atEnd }: Alternative): (message: string) => boolean {
  return (message) => runSteps(steps, atStart, atEnd, message);
}

function runSteps(steps: Step[], atStart: boolean, atEnd: boolean, message: string): boolean {
  const done = steps.length;
  let current: number[] = [];
  let next: number[] = [];
  // Positions already in `next` for this character: marked with the character's index.
  const seen = new Int32Array(done + 1).fill(-1);
  let index = 0;
  const add = (list: number[], position: number) => {
    // Optional and repeated steps may be skipped: reaching one reaches the steps after it.
    for (let p = position; p <= done && seen[p] !== index; p++) {
      seen[p] = index;
      list.push(p);
      if (p === done || steps[p]!.kind === 'one') break;
    }
  };
  add(current, 0);
  for (const char of message) {
    if (!atEnd && seen[done] === index) return true;
    index++;
    next.length = 0;
    for (const position of current) {
      if (position === done) continue;
      const step = steps[position]!;
      if (!step.test(char)) continue;
      add(next, step.kind === 'repeat' ? position : position + 1);
    }
    if (!atStart) add(next, 0);
    [current, next] = [next, current];
    if (current.length === 0) return false;
  }
  return seen[done] === index;
}
