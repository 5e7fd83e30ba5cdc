import { encodeAttributeValue, type QuoteStyle } from '../tracker/rewrite/attributeValue';
import { rewriteEmailHtml, type RewriteResult } from '../tracker/rewrite/rewriteEmailHtml';
import { issueToken, signLink } from '../tracker/tokens';
import { pixelHtml, pixelUrl, trackedLinkUrl } from '../shared/urls';
import { hrefSpans, undoRewrite } from './fixtures/rewrite/undoRewrite';

const secret = 'rewrite-test-secret';
const base = 'http://127.0.0.1:8080/';
const token = issueToken(secret);
const options = { base, token, secret };
const pixel = pixelHtml(base, token);

function rewrite(html: string, insertPixel = true): RewriteResult {
  return rewriteEmailHtml(html, { ...options, insertPixel });
}

/** Asserts the output differs from the input only by the pixel and tracked hrefs. */
function expectFaithful(input: string, result: RewriteResult): void {
  const undone = undoRewrite(input, result.html, options);
  expect(undone.restored).toBe(input);
  expect(undone.pixelsRemoved).toBe(result.pixel === 'inserted' ? 1 : 0);
  expect(undone.hrefsRestored).toBe(result.links.filter((link) => link.tracked).length);
}

function tracked(destination: string): string {
  return trackedLinkUrl(base, token, signLink(secret, token, destination), destination);
}

describe('pixel placement', () => {
  test('goes right after the body start tag', () => {
    const input = '<!DOCTYPE html>\n<html><head><title>x</title></head>\n<BODY class="m" style="margin:0">\n<p>Hello</p></BODY></html>';
    const result = rewrite(input);
    expect(result.pixel).toBe('inserted');
    expect(result.html).toBe(input.replace('style="margin:0">', `style="margin:0">${pixel}`));
  });

  test('goes first in a fragment', () => {
    const input = '<div dir="ltr">Hi Dana,<br></div>';
    expect(rewrite(input).html).toBe(pixel + input);
  });

  test('goes first when the fragment starts with text', () => {
    expect(rewrite('Hello <b>there</b>').html).toBe(`${pixel}Hello <b>there</b>`);
  });

  test('follows a doctype and head without a body tag', () => {
    const input = '<!doctype html><html><head><style>p{color:red}</style></head>\n<p>Hi</p></html>';
    const result = rewrite(input);
    expect(result.html).toBe(input.replace('<p>Hi', `${pixel}<p>Hi`));
  });

  test('follows a leading style element in a fragment', () => {
    const input = '<style>p{margin:0}</style><!-- note --><p>Hi</p>';
    expect(rewrite(input).html).toBe(input.replace('<p>Hi', `${pixel}<p>Hi`));
  });

  test('keeps a byte order mark first', () => {
    const input = '\uFEFF<html><body><p>Hi</p></body></html>';
    expect(rewrite(input).html).toBe(`\uFEFF<html><body>${pixel}<p>Hi</p></body></html>`);
  });

  test('goes after the head in a document with an empty body', () => {
    const input = '<!DOCTYPE html><html><head><title>t</title></head></html>';
    expect(rewrite(input).html).toBe(input.replace('</head>', `</head>${pixel}`));
  });

  test('makes an empty body just the pixel', () => {
    expect(rewrite('').html).toBe(pixel);
  });

  test('is left out when not requested', () => {
    const input = '<p>See <a href="https://example.com/">this</a></p>';
    const result = rewrite(input, false);
    expect(result.pixel).toBe('not_requested');
    expect(result.pixelOffset).toBeNull();
    expect(result.html).not.toContain(pixelUrl(base, token));
    expect(result.html).toContain(tracked('https://example.com/'));
  });

  test('is not inserted twice', () => {
    const once = rewrite('<p>Hi</p>').html;
    const twice = rewrite(once);
    expect(twice.pixel).toBe('present');
    expect(twice.html).toBe(once);
  });

  test('of another message outside a quote counts as present', () => {
    const other = issueToken(secret);
    const input = `${pixelHtml(base, other)}<p>Hi</p>`;
    expect(rewrite(input).pixel).toBe('present');
  });

  test('of a quoted earlier message does not count', () => {
    const other = issueToken(secret);
    const input = `<p>Hi</p><div class="gmail_quote"><blockquote>${pixelHtml(base, other)}old</blockquote></div>`;
    const result = rewrite(input);
    expect(result.pixel).toBe('inserted');
    expect(result.html).toBe(pixel + input);
  });
});

type LinkCase = [name: string, html: string, expected: { destination: string } | { reason: string }];

const LINK_CASES: LinkCase[] = [
  ['entity decoded once', '<a href="https://shop.example.com/verify?expires=1767225600&amp;signature=9f2c1ab0">v</a>', { destination: 'https://shop.example.com/verify?expires=1767225600&signature=9f2c1ab0' }],
  ['parentheses', '<a href="https://docs.example.com/files/Router-X200(EU)_V2_Guide_1588.pdf">g</a>', { destination: 'https://docs.example.com/files/Router-X200(EU)_V2_Guide_1588.pdf' }],
  ['apostrophe in double quotes', `<a href="https://maps.example.com/place/Joe's+Bar+%26+Grill/@43.65,-79.38,17z/data=!3m2!4b1">m</a>`, { destination: "https://maps.example.com/place/Joe's+Bar+%26+Grill/@43.65,-79.38,17z/data=!3m2!4b1" }],
  ['brackets in query', '<a href="https://store.example.com/search?f[0]=color:2&amp;f[1]=size:17">s</a>', { destination: 'https://store.example.com/search?f[0]=color:2&f[1]=size:17' }],
  ['escaped fragment', '<a href="https://wiki.example.com/page#color=gr%C3%BCn">w</a>', { destination: 'https://wiki.example.com/page#color=gr%C3%BCn' }],
  ['hex fragment', '<a href="https://news.example.com/2024/story/#4e9332a55050">n</a>', { destination: 'https://news.example.com/2024/story/#4e9332a55050' }],
  ['mailto', '<a href="mailto:ana@example.org?subject=Hi">m</a>', { reason: 'scheme' }],
  ['tel', '<a href="tel:+15551234567">t</a>', { reason: 'scheme' }],
  ['sms', '<a href="sms:+15551234567">s</a>', { reason: 'scheme' }],
  ['in-message anchor', '<a href="#pricing">p</a>', { reason: 'anchor' }],
  ['percent escapes and plus', '<a href="https://app.example.com/r?next=%2Fhome%3Fa%3D1&amp;x=a+b">r</a>', { destination: 'https://app.example.com/r?next=%2Fhome%3Fa%3D1&x=a+b' }],
  ['javascript', '<a href="javascript:alert(1)">j</a>', { reason: 'scheme' }],
  ['javascript split by newline', '<a href="java\nscript:alert(1)">j</a>', { reason: 'scheme' }],
  ['data', '<a href="data:text/html,%3Cb%3Ehi%3C/b%3E">d</a>', { reason: 'scheme' }],
  ['surrounding whitespace', '<a href="  https://example.com/spaced \n ">s</a>', { destination: 'https://example.com/spaced' }],
  ['uppercase HREF', '<A HREF="https://example.com/Upper">u</A>', { destination: 'https://example.com/Upper' }],
  ['uppercase scheme', '<a href="HTTPS://Example.COM/x">u</a>', { destination: 'HTTPS://Example.COM/x' }],
  ['single quotes', `<a href='https://example.com/q?a="1"'>q</a>`, { destination: 'https://example.com/q?a="1"' }],
  ['unquoted', '<a href=https://example.com/u?a=1&b=2 class=x>u</a>', { destination: 'https://example.com/u?a=1&b=2' }],
  ['spaces around equals', '<a href = "https://example.com/eq">e</a>', { destination: 'https://example.com/eq' }],
  ['double-escaped ampersand', '<a href="https://example.com/?a=1&amp;amp;b=2">d</a>', { destination: 'https://example.com/?a=1&amp;b=2' }],
  ['numeric references', '<a href="https://example.com/&#x41;&#66;?a=1&#38;b=2">n</a>', { destination: 'https://example.com/AB?a=1&b=2' }],
  ['legacy entity before equals', '<a href="https://example.com/?a=1&copy=2&not=3">l</a>', { destination: 'https://example.com/?a=1&copy=2&not=3' }],
  ['named reference with semicolon', '<a href="https://example.com/&copy;">c</a>', { destination: 'https://example.com/©' }],
  ['newline between attributes', '<a\nclass="x"\nhref="https://example.com/nl"\n>n</a>', { destination: 'https://example.com/nl' }],
  ['newline inside the URL', '<a href="https://example.com/a\nb">n</a>', { reason: 'invalid' }],
  ['non-ASCII path', '<a href="https://example.com/straße/ü?q=ç#ß">u</a>', { destination: 'https://example.com/straße/ü?q=ç#ß' }],
  ['non-ASCII host', '<a href="https://bücher.example/kaufen">b</a>', { destination: 'https://bücher.example/kaufen' }],
  ['emoji path', '<a href="https://example.com/😀">e</a>', { destination: 'https://example.com/😀' }],
  ['area element', '<map name="m"><area shape="rect" coords="0,0,1,1" href="https://example.com/area"></map>', { destination: 'https://example.com/area' }],
  ['relative', '<a href="/pricing">r</a>', { reason: 'relative' }],
  ['protocol-relative', '<a href="//example.com/x">r</a>', { reason: 'relative' }],
  ['empty', '<a href="">e</a>', { reason: 'empty' }],
  ['attribute without value', '<a href>e</a>', { reason: 'empty' }],
  ['backslash before host', '<a href="https:\\\\evil.example/">b</a>', { reason: 'invalid' }],
  ['unpaired surrogate', '<a href="https://example.com/\uD800x">s</a>', { reason: 'invalid' }],
  ['ftp', '<a href="ftp://files.example.com/x">f</a>', { reason: 'scheme' }],
  ['gmail quote', '<div class="gmail_quote gmail_quote_container"><a href="https://example.com/old">o</a></div>', { reason: 'quoted' }],
  ['cite blockquote', '<blockquote type="cite"><p><a href="https://example.com/old">o</a></p></blockquote>', { reason: 'quoted' }],
];

describe('links', () => {
  test.each(LINK_CASES)('%s', (_name, body, expected) => {
    const input = `<p>Before</p>${body}<p>After</p>`;
    const result = rewrite(input);
    expect(result.links).toHaveLength(1);
    const [link] = result.links;
    if ('destination' in expected) {
      expect(link.tracked).toBe(true);
      expect(link.destination).toBe(expected.destination);
      expect(link.trackedUrl).toBe(tracked(expected.destination));
      // The browser reads back exactly the tracked URL from the new attribute.
      const [span] = hrefSpans(result.html);
      expect(span.value).toBe(link.trackedUrl);
    } else {
      expect(link.tracked).toBe(false);
      expect(link.reason).toBe(expected.reason);
      expect(result.html).toBe(pixel + input);
    }
    expectFaithful(input, result);
  });

  test('tracked link is not wrapped twice', () => {
    const once = rewrite('<a href="https://example.com/once">x</a>', false);
    const twice = rewrite(once.html, false);
    expect(twice.html).toBe(once.html);
    expect(twice.links[0].reason).toBe('already_tracked');
  });

  test('relative link under a base element is kept', () => {
    const input = '<html><head><base href="https://example.com/dir/"></head><body><a href="page.html">p</a> <a href="https://example.com/abs">a</a></body></html>';
    const result = rewrite(input);
    expect(result.links.map((link) => link.reason ?? 'tracked')).toEqual(['relative', 'tracked']);
    expect(result.html).toContain('<base href="https://example.com/dir/">');
    expect(result.html).toContain('<a href="page.html">');
    expectFaithful(input, result);
  });

  test('links in conditional comments are kept', () => {
    const comment = '<!--[if mso]><v:roundrect href="https://example.com/mso" arcsize="10%"><a href="https://example.com/mso-a">b</a></v:roundrect><![endif]-->';
    const input = `<p>x</p>${comment}<!--[if !mso]><!--><a href="https://example.com/other">b</a><!--<![endif]-->`;
    const result = rewrite(input);
    expect(result.html).toContain(comment);
    expect(result.links.map((link) => [link.href, link.reason ?? 'tracked'])).toEqual([
      ['https://example.com/mso', 'conditional_comment'],
      ['https://example.com/mso-a', 'conditional_comment'],
      ['https://example.com/other', 'tracked'],
    ]);
    expectFaithful(input, result);
  });

  test('misnested link is rewritten once', () => {
    const input = '<p><a href="https://example.com/m">one<p>two</a></p>';
    const result = rewrite(input);
    expect(result.links).toHaveLength(1);
    expect(result.html).toBe(pixel + input.replace('https://example.com/m', tracked('https://example.com/m')));
  });

  test('duplicate href rewrites the first', () => {
    const input = '<a href="https://example.com/first" href="https://example.com/second">d</a>';
    const result = rewrite(input);
    expect(result.html).toContain('href="https://example.com/second"');
    expect(result.links[0].destination).toBe('https://example.com/first');
    expectFaithful(input, result);
  });

  test('svg link is not touched', () => {
    const input = '<svg><a href="https://example.com/svg"><text>s</text></a></svg>';
    const result = rewrite(input);
    expect(result.links).toHaveLength(0);
    expect(result.html).toBe(pixel + input);
  });

  test('comments, entities and whitespace survive', () => {
    const input = [
      '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\r\n',
      '<html xmlns:v="urn:schemas-microsoft-com:vml"><head><!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--></head>\r\n',
      '<body\tSTYLE=\'margin:0\'>&nbsp;&copy;&#8203; <!-- keep me -->\r\n',
      '<a title="a &quot;q&quot;" HREF = \'https://example.com/x?y=1&amp;z=2\' target=_blank>x</a>\r\n',
      '<img src="cid:logo" alt=\'\'><br/></body></html>\r\n',
    ].join('');
    const result = rewrite(input);
    expect(result.links).toHaveLength(1);
    expectFaithful(input, result);
  });

  test('links are reported in source order', () => {
    const input = '<table><tr><td><a href="https://example.com/1">1</a></td></tr>text<a href="https://example.com/2">2</a></table><a href="https://example.com/3">3</a>';
    const result = rewrite(input);
    expect(result.links.map((link) => link.destination)).toEqual(['https://example.com/1', 'https://example.com/2', 'https://example.com/3']);
    expectFaithful(input, result);
  });
});

describe('attribute encoding', () => {
  const value = `https://t.example/l/a&b="c"'d`;
  test.each<[QuoteStyle, string]>([
    ['"', `<a href="$">x</a>`],
    ["'", `<a href='$'>x</a>`],
    ['none', `<a href=$>x</a>`],
  ])('quote %s parses back', (quote, template) => {
    const encoded = encodeAttributeValue(value, quote);
    const html = template.replace('$', encoded.prefix + encoded.text + encoded.suffix);
    expect(hrefSpans(html)[0].value).toBe(value);
  });

  test('plain tracked URL stays unquoted', () => {
    expect(encodeAttributeValue('https://t.example/l/abc_-', 'none')).toEqual({ prefix: '', text: 'https://t.example/l/abc_-', suffix: '' });
  });
});
