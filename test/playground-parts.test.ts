import { applyDraftUpdate, DraftBodyError } from '../playground/draftBody';
import { renderCard, sanitizeCardHtml } from '../playground/renderCard';
import type { CardJson } from '../sandbox/cardService';

const BODY = '<div>Hello <b>Dana</b></div>';
const html = (content: string, updateType: string, contentType = 'MUTABLE_HTML') => ({ contents: [{ content, contentType }], updateType });

describe('applyDraftUpdate', () => {
  test('in-place insert at the cursor', () => {
    const cursor = '<div>Hello '.length;
    const edited = applyDraftUpdate(BODY, { start: cursor, end: cursor }, html('<a href="x">y</a>', 'IN_PLACE_INSERT'));

    expect(edited.html).toBe('<div>Hello <a href="x">y</a><b>Dana</b></div>');
    expect(edited.cursor).toBe(cursor + '<a href="x">y</a>'.length);
  });

  test('in-place insert replaces the selection', () => {
    const start = '<div>Hello <b>'.length;
    const edited = applyDraftUpdate(BODY, { start, end: start + 4 }, html('Sam', 'IN_PLACE_INSERT', 'TEXT'));

    expect(edited.html).toBe('<div>Hello <b>Sam</b></div>');
  });

  test('insert at start keeps the cursor on its text', () => {
    const edited = applyDraftUpdate(BODY, { start: 5, end: 5 }, html('<img src="p">', 'INSERT_AT_START', 'IMMUTABLE_HTML'));

    expect(edited.html).toBe(`<img src="p">${BODY}`);
    expect(edited.cursor).toBe(5 + '<img src="p">'.length);
  });

  test('insert at end appends', () => {
    expect(applyDraftUpdate(BODY, { start: 0, end: 0 }, html('<p>Bye</p>', 'INSERT_AT_END')).html).toBe(`${BODY}<p>Bye</p>`);
  });

  test('text content is escaped', () => {
    expect(applyDraftUpdate('', { start: 0, end: 0 }, html('a < b\nc', 'IN_PLACE_INSERT', 'TEXT')).html).toBe('a &lt; b<br>c');
  });

  test('bad cursor and types are rejected', () => {
    expect(() => applyDraftUpdate(BODY, { start: 3, end: 999 }, html('x', 'IN_PLACE_INSERT'))).toThrow(/cursor 3-999 is outside the body of 28 characters/);
    expect(() => applyDraftUpdate(BODY, { start: 4, end: 2 }, html('x', 'IN_PLACE_INSERT'))).toThrow(DraftBodyError);
    expect(() => applyDraftUpdate(BODY, { start: 0, end: 0 }, html('x', 'REPLACE'))).toThrow(/draft update type "REPLACE" is unknown/);
    expect(() => applyDraftUpdate(BODY, { start: 0, end: 0 }, html('x', 'IN_PLACE_INSERT', 'RTF'))).toThrow(/content type "RTF" is unknown/);
  });
});

describe('sanitizeCardHtml', () => {
  test('keeps the Apps Script subset', () => {
    expect(sanitizeCardHtml('<b>a</b><br><font color="#b3261e">e</font> &amp; <i>i</i>')).toBe('<b>a</b><br><font color="#b3261e">e</font> &amp; <i>i</i>');
  });

  test('escapes other markup', () => {
    expect(sanitizeCardHtml('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(sanitizeCardHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(sanitizeCardHtml('<b onclick="x()">t</b>')).toBe('<b>t</b>');
    expect(sanitizeCardHtml('1 < 2 & "q"')).toBe('1 &lt; 2 &amp; &quot;q&quot;');
  });

  test('links keep http and mailto only', () => {
    expect(sanitizeCardHtml('<a href="https://e.com/?a=1&amp;b=2">x</a>')).toBe('<a href="https://e.com/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">x</a>');
    expect(sanitizeCardHtml('<a href="javascript:alert(1)">x</a>')).toBe('<a>x</a>');
    expect(sanitizeCardHtml('<font color="red;background:url(x)">x</font>')).toBe('<font>x</font>');
  });
});

describe('renderCard', () => {
  const card: CardJson = {
    type: 'Card',
    header: { title: 'Opens and clicks', subtitle: 'To <dana@example.org>' },
    sections: [
      {
        header: 'Activity',
        widgets: [
          { type: 'DecoratedText', topLabel: 'Open · Recipient', text: '1 Dec 2026', bottomLabel: 'Chrome on Linux', wrapText: true },
          { type: 'TextInput', fieldName: 'linkUrl', title: 'Link "address"', value: '"><script>' },
          { type: 'TextButton', text: 'Refresh', onClick: { functionName: 'onRefreshSummary', parameters: { token: 'a"b' } } },
        ],
      },
    ],
  };

  test('draws header, rows, inputs and buttons', () => {
    const out = renderCard(card);

    expect(out).toContain('<div class="card-title">Opens and clicks</div>');
    expect(out).toContain('<div class="card-subtitle">To &lt;dana@example.org&gt;</div>');
    expect(out).toContain('<div class="card-decorated wrap"><div class="card-top-label">Open · Recipient</div>');
    expect(out).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(out).toContain('<label for="input-linkUrl">Link &quot;address&quot;</label>');
    expect(out).toContain('data-function="onRefreshSummary" data-parameters="{&quot;token&quot;:&quot;a\\&quot;b&quot;}"');
    expect(out).not.toContain('<script>');
  });

  test('unknown widget is named, not dropped', () => {
    const out = renderCard({ type: 'Card', sections: [{ widgets: [{ type: 'Switch' } as unknown as CardJson['sections'][0]['widgets'][0]] }] });

    expect(out).toContain('The playground cannot draw a Switch widget yet.');
  });
});
