/**
 * Regular expressions of Logs Insights queries (`like /…/`, `=~`, `parse @message /(?<name>…)/`),
 * matched without backtracking. Unlike filter patterns' `%regex%` (filter-regex.ts), queries take
 * groups, alternation inside groups and named captures, so the pattern is compiled to a program
 * run by a Pike VM: every thread advances one character at a time, threads reaching the same
 * instruction merge (the higher-priority one wins, which gives Perl's leftmost-first captures and
 * lazy quantifiers), so a match costs the text's length times the program's — a JavaScript
 * RegExp backtracks exponentially on `(a|a)*b` and the like.
 */

export class RegexSyntaxError extends Error {
  /** Offset in the pattern where the problem is. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

type CharTest = (code: number) => boolean;

type Instruction =
  | { op: 'char'; test: CharTest }
  | { op: 'split'; first: number; second: number }
  | { op: 'jmp'; to: number }
  | { op: 'save'; slot: number }
  | { op: 'bol' | 'eol' | 'match' };

type Node =
  | { kind: 'char'; test: CharTest }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'group'; index: number | undefined; body: Node }
  | { kind: 'repeat'; body: Node; min: number; max: number | undefined; lazy: boolean }
  | { kind: 'bol' | 'eol' };

export interface Regex {
  /** The named groups, in the order they appear. */
  readonly names: readonly string[];
  /** Whether the pattern matches anywhere in `text`. */
  test(text: string): boolean;
  /** The named groups' captures of the leftmost match (undefined: no match; a group that took no part is absent). */
  exec(text: string): Map<string, string> | undefined;
  /** Where the pattern matches in `text`, left to right without overlap: [start, end) of each match. */
  spans(text: string): Array<[number, number]>;
}

/** How many instructions one pattern may compile to (`a{1000}` is 1,000). */
const MAX_PROGRAM = 4000;
/** Steps between two looks at the caller's deadline. */
const STEPS_PER_CHECK = 65_536;

const isDigit: CharTest = (c) => c >= 48 && c <= 57;
const isWord: CharTest = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace: CharTest = (c) => c === 32 || (c >= 9 && c <= 13);
const ESCAPE_CLASSES: ReadonlyMap<string, CharTest> = new Map([
  ['d', isDigit],
  ['D', (c) => !isDigit(c)],
  ['w', isWord],
  ['W', (c) => !isWord(c)],
  ['s', isSpace],
  ['S', (c) => !isSpace(c)],
]);
const ESCAPE_CHARS: ReadonlyMap<string, number> = new Map([
  ['n', 10],
  ['r', 13],
  ['t', 9],
  ['f', 12],
  ['v', 11],
  ['0', 0],
]);

function foldCase(test: CharTest): CharTest {
  return (c) => {
    if (test(c)) return true;
    if (c >= 65 && c <= 90) return test(c + 32);
    if (c >= 97 && c <= 122) return test(c - 32);
    return false;
  };
}

class Parser {
  private i = 0;
  private groups = 0;
  /** Named groups and their numbers among all capturing groups (in order of their opening parenthesis). */
  readonly named = new Map<string, number>();
  private readonly source: string;
  private readonly ignoreCase: boolean;

  constructor(source: string, ignoreCase: boolean) {
    this.source = source;
    this.ignoreCase = ignoreCase;
  }

  get groupCount(): number {
    return this.groups;
  }

  parse(): Node {
    const node = this.alternation(0);
    if (this.i < this.source.length) throw this.error(`unmatched ')'`);
    return node;
  }

  private error(message: string): RegexSyntaxError {
    return new RegexSyntaxError(message, this.i);
  }

  private alternation(depth: number): Node {
    if (depth > 100) throw this.error('groups nested too deeply');
    const options = [this.sequence(depth)];
    while (this.source[this.i] === '|') {
      this.i++;
      options.push(this.sequence(depth));
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  private sequence(depth: number): Node {
    const items: Node[] = [];
    while (this.i < this.source.length && this.source[this.i] !== '|' && this.source[this.i] !== ')') {
      items.push(this.quantified(this.atom(depth)));
    }
    return { kind: 'seq', items };
  }

  private atom(depth: number): Node {
    const start = this.i;
    const c = this.source[this.i++]!;
    switch (c) {
      case '^':
        return { kind: 'bol' };
      case '$':
        return { kind: 'eol' };
      case '.':
        return this.char((code) => code !== 10 && code !== 13);
      case '[':
        return this.char(this.charClass());
      case '\\':
        return this.char(this.escape());
      case '(':
        return this.group(depth);
      case '*':
      case '+':
      case '?':
        this.i = start;
        throw this.error(`'${c}' follows nothing it could repeat`);
      default:
        return this.char(literal(c.charCodeAt(0)));
    }
  }

  private char(test: CharTest): Node {
    return { kind: 'char', test: this.ignoreCase ? foldCase(test) : test };
  }

  private group(depth: number): Node {
    let index: number | undefined;
    if (this.source.startsWith('?:', this.i)) {
      this.i += 2;
    } else if (this.source.startsWith('?<', this.i) || this.source.startsWith('?P<', this.i)) {
      this.i += this.source[this.i + 1] === 'P' ? 3 : 2;
      const name = /^[A-Za-z_@][A-Za-z0-9_@.]*/.exec(this.source.slice(this.i, this.i + 256))?.[0];
      if (!name || this.source[this.i + name.length] !== '>') throw this.error('invalid group name');
      if (this.named.has(name)) throw this.error(`duplicate group name '${name}'`);
      this.i += name.length + 1;
      index = ++this.groups;
      this.named.set(name, index);
    } else if (this.source[this.i] === '?') {
      throw this.error('unsupported group construct');
    } else {
      index = ++this.groups;
    }
    const body = this.alternation(depth + 1);
    if (this.source[this.i] !== ')') throw this.error("missing ')'");
    this.i++;
    return { kind: 'group', index, body };
  }

  private escape(): CharTest {
    const c = this.source[this.i++];
    if (c === undefined) throw this.error("'\\' ends the pattern");
    const cls = ESCAPE_CLASSES.get(c);
    if (cls) return cls;
    const code = ESCAPE_CHARS.get(c);
    if (code !== undefined) return literal(code);
    if (/[A-Za-z0-9]/.test(c)) throw this.error(`unsupported escape '\\${c}'`);
    return literal(c.charCodeAt(0));
  }

  /** `[abc]`, `[a-z]`, `[^…]`, with escapes; called after the `[`. */
  private charClass(): CharTest {
    const negated = this.source[this.i] === '^';
    if (negated) this.i++;
    const tests: CharTest[] = [];
    let first = true;
    while (first || this.source[this.i] !== ']') {
      first = false;
      if (this.i >= this.source.length) throw this.error("unterminated '['");
      let from: number;
      if (this.source[this.i] === '\\') {
        this.i++;
        const letter = this.source[this.i];
        const test = this.escape();
        if (letter !== undefined && ESCAPE_CLASSES.has(letter)) {
          tests.push(test);
          continue;
        }
        from = ESCAPE_CHARS.get(letter!) ?? letter!.charCodeAt(0);
      } else {
        from = this.source.charCodeAt(this.i++);
      }
      if (this.source[this.i] === '-' && this.i + 1 < this.source.length && this.source[this.i + 1] !== ']') {
        this.i++;
        const to = this.source[this.i] === '\\' ? this.classEscape() : this.source.charCodeAt(this.i++);
        if (to < from) throw this.error('illegal character range');
        tests.push((c) => c >= from && c <= to);
      } else {
        tests.push(literal(from));
      }
    }
    this.i++;
    return negated ? (c) => !tests.some((t) => t(c)) : (c) => tests.some((t) => t(c));
  }

  private classEscape(): number {
    this.i++;
    const letter = this.source[this.i++];
    if (letter === undefined) throw this.error("'\\' ends the pattern");
    return ESCAPE_CHARS.get(letter) ?? letter.charCodeAt(0);
  }

  private quantified(node: Node): Node {
    const c = this.source[this.i];
    let min: number;
    let max: number | undefined;
    if (c === '*' || c === '+' || c === '?') {
      this.i++;
      [min, max] = c === '*' ? [0, undefined] : c === '+' ? [1, undefined] : [0, 1];
    } else if (c === '{' && /^\{\d{1,4}(,\d{0,4})?\}/.test(this.source.slice(this.i, this.i + 12))) {
      const counts = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.source.slice(this.i, this.i + 12))!;
      this.i += counts[0].length;
      min = Number(counts[1]);
      max = counts[2] === undefined ? min : counts[3] === '' ? undefined : Number(counts[3]);
      if (max !== undefined && max < min) throw this.error('illegal repetition range');
    } else {
      return node;
    }
    if (node.kind === 'bol' || node.kind === 'eol') throw this.error('an anchor cannot be repeated');
    const lazy = this.source[this.i] === '?';
    if (lazy) this.i++;
    if (/[*+?]/.test(this.source[this.i] ?? '')) throw this.error('a quantifier cannot follow another');
    return { kind: 'repeat', body: node, min, max, lazy };
  }
}

function literal(code: number): CharTest {
  return (c) => c === code;
}

/** Compiles the AST to Pike VM instructions; slots 2k and 2k+1 hold group k's bounds. */
class Compiler {
  readonly program: Instruction[] = [];

  emit(instruction: Instruction): number {
    if (this.program.length >= MAX_PROGRAM) {
      throw new RegexSyntaxError(`the regular expression is too large (over ${MAX_PROGRAM} steps)`, 0);
    }
    this.program.push(instruction);
    return this.program.length - 1;
  }

  compile(node: Node): void {
    switch (node.kind) {
      case 'char':
        this.emit({ op: 'char', test: node.test });
        return;
      case 'bol':
      case 'eol':
        this.emit({ op: node.kind });
        return;
      case 'seq':
        for (const item of node.items) this.compile(item);
        return;
      case 'group':
        if (node.index !== undefined) this.emit({ op: 'save', slot: 2 * node.index });
        this.compile(node.body);
        if (node.index !== undefined) this.emit({ op: 'save', slot: 2 * node.index + 1 });
        return;
      case 'alt': {
        const jumps: number[] = [];
        node.options.forEach((option, k) => {
          if (k === node.options.length - 1) {
            this.compile(option);
            return;
          }
          const split = this.emit({ op: 'split', first: 0, second: 0 });
          this.compile(option);
          jumps.push(this.emit({ op: 'jmp', to: 0 }));
          this.program[split] = { op: 'split', first: split + 1, second: this.program.length };
        });
        for (const jump of jumps) this.program[jump] = { op: 'jmp', to: this.program.length };
        return;
      }
      case 'repeat':
        this.repeat(node);
    }
  }

  private repeat(node: Extract<Node, { kind: 'repeat' }>): void {
    const split = (body: number, out: number): Instruction =>
      node.lazy ? { op: 'split', first: out, second: body } : { op: 'split', first: body, second: out };
    for (let k = 0; k < node.min; k++) this.compile(node.body);
    if (node.max === undefined) {
      const loop = this.emit({ op: 'split', first: 0, second: 0 });
      this.compile(node.body);
      this.emit({ op: 'jmp', to: loop });
      this.program[loop] = split(loop + 1, this.program.length);
      return;
    }
    const holes: number[] = [];
    for (let k = node.min; k < node.max; k++) {
      holes.push(this.emit({ op: 'split', first: 0, second: 0 }));
      this.compile(node.body);
    }
    for (const hole of holes) this.program[hole] = split(hole + 1, this.program.length);
  }
}

/**
 * Compiles `source` (the text between the slashes) with `flags` (`i`: ignore case; a leading
 * `(?i)` does the same). `overDeadline` is asked now and then during a match; true aborts it.
 */
export function compileRegex(source: string, flags = '', overDeadline?: () => boolean): Regex {
  let ignoreCase = flags.includes('i');
  let body = source;
  if (body.startsWith('(?i)')) {
    ignoreCase = true;
    body = body.slice(4);
  }
  const parser = new Parser(body, ignoreCase);
  const ast = parser.parse();
  const compiler = new Compiler();
  compiler.compile({ kind: 'group', index: 0, body: ast });
  compiler.emit({ op: 'match' });
  const vm = new PikeVm(compiler.program, parser.groupCount + 1, overDeadline);
  return {
    names: [...parser.named.keys()],
    test: (text) => vm.run(text, false) !== undefined,
    exec(text) {
      const slots = vm.run(text, true);
      if (!slots) return undefined;
      const captured = new Map<string, string>();
      for (const [name, index] of parser.named) {
        const from = slots[2 * index]!;
        const to = slots[2 * index + 1]!;
        if (from >= 0 && to >= 0) captured.set(name, text.slice(from, to));
      }
      return captured;
    },
    spans(text) {
      const found: Array<[number, number]> = [];
      for (let from = 0; from <= text.length;) {
        const slots = vm.run(text, true, from);
        if (!slots) break;
        const [start, end] = [slots[0]!, slots[1]!];
        if (end > start) found.push([start, end]);
        from = end > start ? end : end + 1;
      }
      return found;
    },
  };
}

/** A thread's capture slots; shared between threads until one writes (copy on write). */
type Slots = Int32Array;

class PikeVm {
  private readonly program: Instruction[];
  private readonly slotCount: number;
  private readonly overDeadline: (() => boolean) | undefined;
  private steps = 0;

  constructor(program: Instruction[], groups: number, overDeadline: (() => boolean) | undefined) {
    this.program = program;
    this.slotCount = 2 * groups;
    this.overDeadline = overDeadline;
  }

  /** The slots of the leftmost-first match starting at `from` or later, or undefined. */
  run(text: string, wantSlots: boolean, from = 0): Slots | undefined {
    const size = this.program.length;
    let current: Array<{ pc: number; slots: Slots }> = [];
    let next: Array<{ pc: number; slots: Slots }> = [];
    const seen = new Int32Array(size).fill(-1);
    let matched: Slots | undefined;
    const empty = new Int32Array(this.slotCount).fill(-1);
    for (let pos = from; pos <= text.length; pos++) {
      // A new thread starts at each position until something matched (it has the lowest priority).
      if (matched === undefined) this.add(current, 0, empty, pos, text, seen, wantSlots);
      if (current.length === 0) break;
      const code = pos < text.length ? text.charCodeAt(pos) : -1;
      next.length = 0;
      for (const thread of current) {
        const instruction = this.program[thread.pc]!;
        if (instruction.op === 'match') {
          matched = thread.slots;
          if (!wantSlots) return matched;
          break; // threads after this one have lower priority
        }
        if (instruction.op === 'char' && code >= 0 && instruction.test(code)) {
          this.add(next, thread.pc + 1, thread.slots, pos + 1, text, seen, wantSlots);
        }
      }
      [current, next] = [next, current];
    }
    return matched;
  }

  /** Follows jumps, splits, saves and anchors from `pc` at `pos`, in priority order. */
  private add(
    list: Array<{ pc: number; slots: Slots }>,
    start: number,
    startSlots: Slots,
    pos: number,
    text: string,
    seen: Int32Array,
    wantSlots: boolean,
  ): void {
    const stack: Array<{ pc: number; slots: Slots }> = [{ pc: start, slots: startSlots }];
    while (stack.length > 0) {
      const { pc, slots } = stack.pop()!;
      if (seen[pc] === pos) continue;
      seen[pc] = pos;
      if (++this.steps % STEPS_PER_CHECK === 0 && this.overDeadline?.()) throw new RegexDeadlineError();
      const instruction = this.program[pc]!;
      switch (instruction.op) {
        case 'jmp':
          stack.push({ pc: instruction.to, slots });
          break;
        case 'split':
          stack.push({ pc: instruction.second, slots }, { pc: instruction.first, slots });
          break;
        case 'save': {
          let copy = slots;
          if (wantSlots) {
            copy = slots.slice();
            copy[instruction.slot] = pos;
          }
          stack.push({ pc: pc + 1, slots: copy });
          break;
        }
        case 'bol':
          if (pos === 0) stack.push({ pc: pc + 1, slots });
          break;
        case 'eol':
          if (pos === text.length) stack.push({ pc: pc + 1, slots });
          break;
        default:
          list.push({ pc, slots });
      }
    }
  }
}

/** A match ran past its query's deadline. */
export class RegexDeadlineError extends Error {}
