/** The console's escaping: any text interpolated into its HTML reads back as exactly that text. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, Html, scriptJson } from '../../../src/cloud/console/html.ts';

/** What a browser does to escaped text (the five entities escapeHtml writes). */
function unescape(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === '#39' ? "'" : '&',
  );
}

describe('console HTML', () => {
  it('escapes every interpolated value, so no text can open a tag, end an attribute or start an entity', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const out = html`<td title="${text}">${text}</td>`.text;
        const [attribute, content] = [out.slice(11, out.indexOf('">')), out.slice(out.indexOf('">') + 2, -5)];
        for (const part of [attribute, content]) {
          expect(part).not.toMatch(/[<>"']/);
          expect(unescape(part)).toBe(text);
        }
      }),
      { seed: 15, numRuns: 500 },
    );
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
  });

  it('keeps its own markup, joins arrays, and leaves out null, undefined and false', () => {
    const rows = ['<a>', 'b'].map((v) => html`<li>${v}</li>`);
    expect(html`<ul>${rows}${null}${undefined}${false}${0}</ul>`.text).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li>0</ul>',
    );
    expect(html`${new Html('<b>trusted</b>')}`.text).toBe('<b>trusted</b>');
  });

  it('writes JSON that cannot close its script element and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = scriptJson(value).text;
        expect(text).not.toContain('<');
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { seed: 15, numRuns: 300 },
    );
    expect(scriptJson({ line: '</script><script>x()</script>' }).text).toBe(
      '{"line":"\\u003c/script>\\u003cscript>x()\\u003c/script>"}',
    );
  });
});
