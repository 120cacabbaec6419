/** Evaluates an expression against one row. */
import type { Expr } from './ast.ts';
import { FUNCTIONS } from './functions.ts';
import { compareValues, Instant, type Row, toNumber, toText, truthy, type Value } from './values.ts';

export function evaluate(expr: Expr, row: Row): Value {
  switch (expr.kind) {
    case 'field':
      return row.fields.get(expr.name);
    case 'number':
      return expr.value;
    case 'duration':
      return expr.ms;
    case 'string':
      return expr.value;
    case 'regex':
    case 'star':
      return undefined;
    case 'negate': {
      const n = toNumber(evaluate(expr.arg, row));
      return n === undefined ? undefined : -n;
    }
    case 'not':
      return !truthy(evaluate(expr.arg, row));
    case 'binary':
      return binary(expr, row);
    case 'like':
      return like(expr, row);
    case 'in': {
      const subject = evaluate(expr.subject, row);
      if (subject === undefined) return false;
      const found = expr.items.some((item) => equals(subject, evaluate(item, row)));
      return found !== expr.negated;
    }
    case 'unmask':
      return (row.unmasked ?? row.fields).get(expr.name);
    case 'call':
      return FUNCTIONS.get(expr.name)!.apply(
        expr.args.map((arg) => evaluate(arg, row)),
        row,
      );
  }
}

function equals(a: Value, b: Value): boolean {
  if (a === undefined || b === undefined) return false;
  return compareValues(a, b) === 0;
}

function binary(expr: Extract<Expr, { kind: 'binary' }>, row: Row): Value {
  if (expr.op === 'and') return truthy(evaluate(expr.left, row)) && truthy(evaluate(expr.right, row));
  if (expr.op === 'or') return truthy(evaluate(expr.left, row)) || truthy(evaluate(expr.right, row));
  const left = evaluate(expr.left, row);
  const right = evaluate(expr.right, row);
  // An event without the field matches no comparison on it (neither = nor !=).
  if (left === undefined || right === undefined) return undefined;
  switch (expr.op) {
    case '=':
      return equals(left, right);
    case '!=':
      return !equals(left, right);
    case '<':
      return compareValues(left, right) < 0;
    case '<=':
      return compareValues(left, right) <= 0;
    case '>':
      return compareValues(left, right) > 0;
    case '>=':
      return compareValues(left, right) >= 0;
    default:
      return arithmetic(expr.op, left, right);
  }
}

function arithmetic(op: '+' | '-' | '*' | '/' | '%' | '^', left: Value, right: Value): Value {
  const x = toNumber(left);
  const y = toNumber(right);
  if (x === undefined || y === undefined) return undefined;
  let result: number;
  switch (op) {
    case '+':
      result = x + y;
      break;
    case '-':
      result = x - y;
      break;
    case '*':
      result = x * y;
      break;
    case '/':
      result = x / y;
      break;
    case '%':
      result = x % y;
      break;
    case '^':
      result = x ** y;
      break;
  }
  if (!Number.isFinite(result)) return undefined;
  // A time plus or minus a duration stays a time.
  return left instanceof Instant && (op === '+' || op === '-') ? new Instant(result) : result;
}

function like(expr: Extract<Expr, { kind: 'like' }>, row: Row): boolean {
  const subject = toText(evaluate(expr.subject, row));
  if (subject === undefined) return false;
  let matched: boolean;
  if (expr.pattern.kind === 'regex') {
    matched = expr.pattern.regex.test(subject);
  } else {
    const part = toText(evaluate(expr.pattern, row));
    matched = part !== undefined && subject.includes(part);
  }
  return matched !== expr.negated;
}
