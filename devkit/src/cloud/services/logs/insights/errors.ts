/** MalformedQueryException, with AWS's queryCompileError (the message and where in the query). */
import { ServiceError } from '../../../protocol/errors.ts';

export class MalformedQuery extends ServiceError {
  /** The error for the query text between `start` and `end` (offsets), with AWS's line-and-position wording. */
  static at(query: string, start: number, end: number, problem: string): MalformedQuery {
    const before = query.slice(0, start);
    const line = before.split('\n').length;
    const position = start - (before.lastIndexOf('\n') + 1) + 1;
    const message = `${problem} at line ${line} and position ${position}`;
    return new MalformedQuery(message, {
      code: 'MalformedQueryException',
      members: {
        queryCompileError: {
          location: { startCharOffset: start, endCharOffset: Math.max(start, end - 1) },
          message,
        },
      },
    });
  }
}
