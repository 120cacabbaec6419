/**
 * Server-sent events as Gemini uses them (`:streamGenerateContent?alt=sse`): each event is one or
 * more `data:` lines followed by a blank line. Only the data matters to Gemini's clients.
 */

/** One event on the wire, with CRLF line ends as Gemini sends them. */
export function encodeSseEvent(data: string): string {
  return `data: ${data.replaceAll('\n', '\r\ndata: ')}\r\n\r\n`;
}

/**
 * Incremental parser: feed text as it arrives, get back the data of each event it completes.
 * Accepts LF, CRLF and CR line ends (recorded fixtures mix them).
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];

  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    for (;;) {
      const match = /\r\n|\n|\r/.exec(this.buffer);
      // A lone trailing CR may be the first half of a CRLF split across chunks.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.takeLine(line, events);
    }
    return events;
  }

  /** Call at the end of the stream: an event without its closing blank line still counts. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer) this.takeLine(this.buffer.replace(/\r$/, ''), events);
    this.buffer = '';
    this.takeLine('', events);
    return events;
  }

  private takeLine(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length) events.push(this.data.join('\n'));
      this.data = [];
    } else if (line.startsWith('data:')) {
      this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
    // Comments (":...") and the fields event/id/retry carry nothing Gemini's clients read.
  }
}

/** The data of every event in a complete SSE body. */
export function parseSseEvents(text: string): string[] {
  const parser = new SseParser();
  return [...parser.push(text), ...parser.end()];
}
