/**
 * Simple metric math for GetMetricData and alarms: `+ - * /` and parentheses over query ids and
 * numbers (`(m1 + m2) / 2`, `m1 * 100`). Series combine at the timestamps both have. Parsing is
 * one linear pass; the expression's length is bounded by the model (2048).
 */
import { InvalidParameterValue } from './errors.ts';

/** Timestamps → values. */
export type Series = Map<number, number>;
type Value = Series | number;

export function evaluateExpression(
  expression: string,
  lookup: (id: string) => Series | undefined,
  parameter: string,
): Series {
  const tokens = expression.match(/\s*([a-z]\w*|\d+(?:\.\d+)?|[-+*/()]|\S)/g)?.map((t) => t.trim()) ?? [];
  let i = 0;
  const fail = (why: string): never => {
    throw new InvalidParameterValue(`Error in expression for ${parameter}: ${why}`);
  };
  const primary = (): Value => {
    const t = tokens[i++];
    if (t === undefined) return fail('Unexpected end of expression');
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') fail('Missing closing parenthesis');
      return v;
    }
    if (t === '-') return combine(-1, primary(), (a, b) => a * b);
    if (/^\d/.test(t)) return Number(t);
    if (/^[a-z]/.test(t)) return lookup(t) ?? fail(`Unknown metric id ${t}`);
    return fail(`Unrecognized token ${t}`);
  };
  const product = (): Value => {
    let v = primary();
    while (tokens[i] === '*' || tokens[i] === '/') {
      const op = tokens[i++];
      v = combine(v, primary(), op === '*' ? (a, b) => a * b : (a, b) => a / b);
    }
    return v;
  };
  const sum = (): Value => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const op = tokens[i++];
      v = combine(v, product(), op === '+' ? (a, b) => a + b : (a, b) => a - b);
    }
    return v;
  };
  const result = sum();
  if (i < tokens.length) fail(`Unexpected token ${tokens[i]}`);
  if (typeof result === 'number') return fail('The expression must use at least one metric');
  return result;
}

function combine(a: Value, b: Value, op: (x: number, y: number) => number): Value {
  if (typeof a === 'number' && typeof b === 'number') return op(a, b);
  const out: Series = new Map();
  if (typeof a === 'number') for (const [t, v] of b as Series) out.set(t, op(a, v));
  else if (typeof b === 'number') for (const [t, v] of a) out.set(t, op(v, b));
  else for (const [t, v] of a) if (b.has(t)) out.set(t, op(v, b.get(t)!));
  // Division by zero gives no datapoint, as CloudWatch drops non-finite results.
  for (const [t, v] of out) if (!Number.isFinite(v)) out.delete(t);
  return out;
}
