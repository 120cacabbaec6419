/** One problem in the stack file, located as editors and terminals expect: `file:line: field: message`. */
export interface StackIssue {
  file: string;
  /** 1-based; undefined when the problem has no place in the file (e.g. an unknown stage). */
  line: number | undefined;
  /** Dotted field path, e.g. `task.cpu`; empty for the file as a whole. */
  field: string;
  message: string;
}

export function formatIssue(issue: StackIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return issue.field ? `${where}: ${issue.field}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** A stack file that cannot be used; its message lists every issue found, one per line. */
export class StackError extends Error {
  readonly issues: StackIssue[];

  constructor(issues: StackIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'StackError';
    this.issues = issues;
  }
}

export type FieldPath = ReadonlyArray<string | number>;

export function fieldName(path: FieldPath): string {
  return path.map(String).join('.');
}
