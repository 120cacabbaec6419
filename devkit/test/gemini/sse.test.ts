import { describe, expect, it } from 'vitest';
import { encodeSseEvent, parseSseEvents, SseParser } from '../../src/gemini/sse.ts';

describe('SSE parsing', () => {
  it('reads events separated by CRLF, LF or CR blank lines', () => {
    const text = 'data: {"a":1}\r\n\r\ndata: {"a":2}\n\ndata: {"a":3}\r\rdata:{"a":4}\n\n';
    expect(parseSseEvents(text)).toEqual(['{"a":1}', '{"a":2}', '{"a":3}', '{"a":4}']);
  });

  it('assembles events split anywhere across chunks, including between CR and LF', () => {
    const text = 'data: {"text":"Hello"}\r\n\r\ndata: {"text":" world"}\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut)), ...parser.end()];
      expect(events, `cut at ${cut}`).toEqual(['{"text":"Hello"}', '{"text":" world"}']);
    }
  });

  it('joins multi-line data with newlines and ignores comments and other fields', () => {
    expect(parseSseEvents(': keep-alive\nevent: message\nid: 7\ndata: line one\ndata: line two\n\n')).toEqual(
      ['line one\nline two'],
    );
  });

  it('keeps a final event that lacks its closing blank line', () => {
    expect(parseSseEvents('data: {"a":1}\r\n\r\ndata: {"a":2}')).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('encodes events as Gemini sends them and reads them back', () => {
    expect(encodeSseEvent('{"a":1}')).toBe('data: {"a":1}\r\n\r\n');
    const data = ['{"a":1}', 'two\nlines'];
    expect(parseSseEvents(data.map(encodeSseEvent).join(''))).toEqual(data);
  });
});
