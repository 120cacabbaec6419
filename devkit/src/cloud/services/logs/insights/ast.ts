/** A parsed Logs Insights query: commands in pipeline order, expressions as trees. */
import type { Regex } from './regex.ts';

export type BinaryOperator =
  '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export type Expr =
  | { kind: 'field'; name: string }
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'duration'; ms: number }
  | { kind: 'regex'; regex: Regex }
  | { kind: 'star' }
  | { kind: 'negate' | 'not'; arg: Expr }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr }
  /** `like` / `not like` / `=~`: a substring when the pattern is a string, a match when it is a regex. */
  | { kind: 'like'; negated: boolean; subject: Expr; pattern: Expr }
  | { kind: 'in'; negated: boolean; subject: Expr; items: Expr[] }
  | { kind: 'call'; name: string; args: Expr[] }
  /** `unmask(field)`: the field read from the event as ingested. */
  | { kind: 'unmask'; name: string };

/** An expression and the name its result goes by (its alias, else its text as written). */
export interface Named {
  expr: Expr;
  name: string;
}

export type AggregateFunction =
  'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max' | 'pct' | 'stddev' | 'earliest' | 'latest';

export interface Aggregate {
  fn: AggregateFunction;
  /** Absent for `count(*)` and `count()`. */
  arg?: Expr;
  /** pct's percentile (0–100). */
  percentile?: number;
  name: string;
}

export type ParsePattern = { kind: 'glob'; literals: string[] } | { kind: 'regex'; regex: Regex };

export type Command =
  | { kind: 'fields'; items: Named[] }
  | { kind: 'display'; names: string[] }
  | { kind: 'filter'; expr: Expr }
  | { kind: 'stats'; aggregates: Aggregate[]; groups: Named[] }
  | { kind: 'sort'; keys: Array<{ expr: Expr; descending: boolean }> }
  | { kind: 'limit'; count: number }
  | { kind: 'parse'; source: Expr; pattern: ParsePattern; names: string[] }
  | { kind: 'dedup'; names: string[] };

export interface Query {
  commands: Command[];
}
