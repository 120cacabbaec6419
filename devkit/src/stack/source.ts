import type { Node } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { FieldPath, StackIssue } from './errors.ts';
import { StackError } from './errors.ts';

/** The stack file as parsed YAML: plain data plus a way back from a field path to its line. */
export interface StackSource {
  file: string;
  data: unknown;
  /** The line of the deepest node along `path` (the key's line for a map entry), if any. */
  lineOf(path: FieldPath): { line: number; depth: number } | undefined;
}

export function parseStackSource(text: string, file: string): StackSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new StackError(
      doc.errors.map((error): StackIssue => ({
        file,
        line: error.linePos?.[0].line,
        field: '',
        message: error.message.split('\n')[0] ?? error.message,
      })),
    );
  }
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  return {
    file,
    data: doc.toJS({ maxAliasCount: 100 }) as unknown,
    lineOf(path) {
      let node: unknown = doc.contents;
      let found: { line: number; depth: number } | undefined;
      for (const [depth, segment] of path.entries()) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
          if (!pair) break;
          const key = pair.key as Node;
          if (key.range) found = { line: lineAt(key.range[0]), depth: depth + 1 };
          node = pair.value;
        } else if (isSeq(node) && typeof segment === 'number') {
          const item = node.items[segment] as Node | undefined;
          if (!item) break;
          if (item.range) found = { line: lineAt(item.range[0]), depth: depth + 1 };
          node = item;
        } else {
          break;
        }
      }
      return found;
    },
  };
}
