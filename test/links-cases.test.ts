import { get } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RewriteResponse } from '../shared/api';
import { pixelHtml, trackedLinkUrl } from '../shared/urls';
import { SqliteStore } from '../tracker/store/sqlite';
import { signLink } from '../tracker/tokens';
import { hrefSpans } from './fixtures/rewrite/undoRewrite';
import { startTestTracker, type TestTracker } from './support/tracker';

/*
 * Link cases end to end: the rewrite API turns each link into a tracked link,
 * and the test follows that link on the tracker's real port. The raw Location
 * header must equal the destination the author wrote, with non-ASCII
 * characters percent-encoded as UTF-8 and a non-ASCII host name in punycode.
 */

const OWNER = 'ana@example.com';
let tracker: TestTracker;
let messageToken: string;
let storeDown = false;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line));
      callback();
    },
  });
  tracker = await startTestTracker({
    listen: true,
    store: (config) => {
      const store = new SqliteStore({ path: config.sqlitePath, retentionDays: config.retentionDays });
      // Switched on by the store-down case: every commit of hits fails.
      const recordHits = store.recordHits.bind(store);
      store.recordHits = async (hits) => {
        if (storeDown) throw new Error('SQLITE_IOERR: disk I/O error');
        return recordHits(hits);
      };
      return store;
    },
    deps: { logger: pino({ level: 'info' }, logStream) },
  });
  messageToken = await createMessage(OWNER);
});

afterAll(async () => {
  await tracker?.close();
});

async function apiPost<T>(path: string, body: unknown, email = OWNER): Promise<{ status: number; body: T }> {
  const response = await fetch(new URL(path, tracker.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${tracker.tokenFor(email)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function createMessage(email: string): Promise<string> {
  const created = await apiPost<{ token: string }>('/api/messages', {}, email);
  expect(created.status).toBe(201);
  return created.body.token;
}

async function rewrite(html: string, token = messageToken, email = OWNER): Promise<RewriteResponse> {
  const response = await apiPost<RewriteResponse>('/api/rewrite', { token, html }, email);
  expect(response.status).toBe(200);
  return response.body;
}

/** Requests a URL on the tracker without following redirects; `location` is the header as sent. */
function follow(url: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const raw = response.rawHeaders;
        const index = raw.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'location');
        resolve({ status: response.statusCode ?? 0, location: index === -1 ? undefined : raw[index + 1], body: Buffer.concat(chunks).toString('utf8') });
      });
    }).on('error', reject);
  });
}

/** Rewrites `body`, follows every tracked link and returns the Location headers in order. */
async function locationsAfterRewrite(body: string): Promise<string[]> {
  const result = await rewrite(`<p>Hello,</p>${body}<p>Bye</p>`);
  const trackedHrefs = hrefSpans(result.html)
    .map((span) => span.value)
    .filter((href) => href.startsWith(`${tracker.url}l/`));
  expect(trackedHrefs).toEqual(result.links.filter((link) => link.tracked).map((link) => link.trackedUrl));
  const locations: string[] = [];
  for (const href of trackedHrefs) {
    const response = await follow(href);
    expect(response.status).toBe(302);
    locations.push(response.location as string);
  }
  return locations;
}

/** Asserts that rewriting `body` changes nothing but the inserted pixel. */
async function expectKept(body: string): Promise<RewriteResponse> {
  const input = `<p>Hello,</p>${body}<p>Bye</p>`;
  const result = await rewrite(input);
  expect(result.html).toBe(pixelHtml(tracker.url, messageToken) + input);
  for (const link of result.links) expect(link.tracked).toBe(false);
  return result;
}

type Row = [id: string, body: string, locations: string[]];

const TRACKED_ROWS: Row[] = [
  ['entity decoded once', '<a href="https://shop.example.com/verify?expires=1767225600&amp;signature=9f2c1ab0">Verify</a>', ['https://shop.example.com/verify?expires=1767225600&signature=9f2c1ab0']],
  ['parentheses', '<a href="https://docs.example.com/files/Router-X200(EU)_V2_Guide_1588.pdf">Guide</a>', ['https://docs.example.com/files/Router-X200(EU)_V2_Guide_1588.pdf']],
  ['apostrophe in double quotes', `<a href="https://maps.example.com/place/Joe's+Bar+%26+Grill/@43.65,-79.38,17z/data=!3m2!4b1">Map</a>`, ["https://maps.example.com/place/Joe's+Bar+%26+Grill/@43.65,-79.38,17z/data=!3m2!4b1"]],
  ['brackets in query', '<a href="https://store.example.com/search?f[0]=color:2&amp;f[1]=size:17">Shop</a>', ['https://store.example.com/search?f[0]=color:2&f[1]=size:17']],
  ['escaped fragment', '<a href="https://wiki.example.com/page#color=gr%C3%BCn">Wiki</a>', ['https://wiki.example.com/page#color=gr%C3%BCn']],
  ['hex fragment after slash', '<a href="https://news.example.com/2024/story/#4e9332a55050">Story</a>', ['https://news.example.com/2024/story/#4e9332a55050']],
  ['percent escapes and plus', '<a href="https://app.example.com/r?next=%2Fhome%3Fa%3D1&amp;x=a+b">App</a>', ['https://app.example.com/r?next=%2Fhome%3Fa%3D1&x=a+b']],
  ['whitespace around the URL', '<a href="  https://example.com/spaced \n ">Spaced</a>', ['https://example.com/spaced']],
];

const HARDER_ROWS: Row[] = [
  ['non-ASCII path', '<a href="https://example.com/straße/ü?q=ç#ß">x</a>', ['https://example.com/stra%C3%9Fe/%C3%BC?q=%C3%A7#%C3%9F']],
  ['non-ASCII host', '<a href="https://bücher.example/kaufen?q=ü">x</a>', ['https://xn--bcher-kva.example/kaufen?q=%C3%BC']],
  ['non-ASCII host with port', '<a href="https://Bücher.example:8443/">x</a>', ['https://xn--bcher-kva.example:8443/']],
  ['non-ASCII host repeated in user info', '<a href="https://bücher.example@bücher.example/">x</a>', ['https://b%C3%BCcher.example@xn--bcher-kva.example/']],
  ['emoji path', '<a href="https://example.com/%F0%9F%98%80/😀">x</a>', ['https://example.com/%F0%9F%98%80/%F0%9F%98%80']],
  ['space in path', '<a href="https://example.com/a b">x</a>', ['https://example.com/a%20b']],
  ['stray percent sign', '<a href="https://example.com/100%/off">x</a>', ['https://example.com/100%/off']],
  ['IPv6 literal', '<a href="http://[2001:db8::1]:8080/x">x</a>', ['http://[2001:db8::1]:8080/x']],
  ['uppercase HREF', '<A HREF="https://example.com/Upper?Q=1">x</A>', ['https://example.com/Upper?Q=1']],
  ['single quotes around double quotes', `<a href='https://example.com/q?a="1"'>x</a>`, ['https://example.com/q?a="1"']],
  ['unquoted', '<a href=https://example.com/u?a=1&b=2 class=x>x</a>', ['https://example.com/u?a=1&b=2']],
  ['double-escaped ampersand', '<a href="https://example.com/?a=1&amp;amp;b=2">x</a>', ['https://example.com/?a=1&amp;b=2']],
  ['numeric references', '<a href="https://example.com/&#x41;&#66;?a=1&#38;b=2">x</a>', ['https://example.com/AB?a=1&b=2']],
  ['legacy entity name before equals', '<a href="https://example.com/?a=1&copy=2&not=3">x</a>', ['https://example.com/?a=1&copy=2&not=3']],
  ['newline before the URL', '<a\nhref="\nhttps://example.com/nl"\n>x</a>', ['https://example.com/nl']],
  ['area element', '<map name="m"><area shape="rect" coords="0,0,9,9" href="https://example.com/area"></map>', ['https://example.com/area']],
  ['links beside a quote block', '<a href="https://example.com/new">n</a><div class="gmail_quote"><a href="https://example.com/old">o</a></div>', ['https://example.com/new']],
  ['link revealed to non-Outlook clients', '<!--[if !mso]><!--><a href="https://example.com/web">w</a><!--<![endif]-->', ['https://example.com/web']],
];

describe('link cases through the tracker', () => {
  test.each([...TRACKED_ROWS, ...HARDER_ROWS])('%s', async (_id, body, expected) => {
    const locations = await locationsAfterRewrite(body);
    expect(locations).toEqual(expected);
    // A browser resolves the Location to the same URL as the link the author wrote.
    const written = hrefSpans(body).map((span) => span.value.trim());
    for (let i = 0; i < locations.length; i++) expect(new URL(locations[i]).href).toBe(new URL(written[i]).href);
  });

  test('mailto, tel and sms are kept', async () => {
    const result = await expectKept('<a href="mailto:ana@example.org?subject=Hi">Mail</a> <a href="tel:+15551234567">Call</a> <a href="sms:+15551234567">Text</a>');
    expect(result.links.map((link) => link.reason)).toEqual(['scheme', 'scheme', 'scheme']);
  });

  test('in-message anchor is kept', async () => {
    const result = await expectKept('<a href="#pricing">Pricing</a>');
    expect(result.links[0].reason).toBe('anchor');
  });

  test('script and data links are kept', async () => {
    const result = await expectKept('<a href="javascript:alert(1)">x</a> <a href="data:text/html,%3Cscript%3Ealert(1)%3C/script%3E">y</a>');
    expect(result.links.map((link) => link.reason)).toEqual(['scheme', 'scheme']);
  });

  test('signed script and data links are not redirected', async () => {
    const secret = tracker.config.signingSecret;
    for (const destination of ['javascript:alert(1)', 'data:text/html,hi', 'JAVASCRIPT:alert(1)']) {
      const url = trackedLinkUrl(tracker.url, messageToken, signLink(secret, messageToken, destination), destination);
      const response = await follow(url);
      expect(response.status).toBe(400);
      expect(response.location).toBeUndefined();
    }
  });

  test('tracked link is not wrapped twice', async () => {
    const first = await rewrite('<a href="https://example.com/once?a=1&amp;b=2">x</a>');
    const second = await rewrite(first.html);
    expect(second.html).toBe(first.html);
    expect(second.pixel).toBe('present');
    expect(second.links[0].reason).toBe('already_tracked');
    const response = await follow(second.links[0].href);
    expect(response.location).toBe('https://example.com/once?a=1&b=2');
  });

  test('relative links under a base element are kept', async () => {
    await expectKept('<base href="https://example.com/dir/"><a href="page.html">p</a>');
  });

  test('links in Outlook conditional comments are kept', async () => {
    const result = await expectKept('<!--[if mso]><v:roundrect href="https://example.com/mso"><a href="https://example.com/mso-a">b</a></v:roundrect><![endif]-->');
    expect(result.links.map((link) => link.reason)).toEqual(['conditional_comment', 'conditional_comment']);
  });

  test('links in quoted messages are kept', async () => {
    const result = await expectKept('<blockquote type="cite"><a href="https://example.com/cite">c</a></blockquote><div class="gmail_quote"><a href="https://example.com/gq">g</a></div>');
    expect(result.links.map((link) => link.reason)).toEqual(['quoted', 'quoted']);
  });
});

describe('redirect without the store', () => {
  test('deleted message still redirects', async () => {
    const token = await createMessage('gone@example.com');
    const result = await rewrite('<a href="https://example.com/after-delete?x=1&amp;y=2">x</a>', token, 'gone@example.com');
    const deleted = await fetch(new URL('/api/me/data', tracker.url), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tracker.tokenFor('gone@example.com')}` },
    });
    expect(deleted.status).toBe(200);
    expect(await tracker.store.getMessage(token)).toBeNull();

    const response = await follow(result.links[0].trackedUrl as string);
    expect(response.status).toBe(302);
    expect(response.location).toBe('https://example.com/after-delete?x=1&y=2');
    expect(logLines.some((line) => line.event === 'hit.orphaned' && (line.tokens as string[]).includes(token))).toBe(true);
  });

  test('store down still redirects and logs the click', async () => {
    const result = await rewrite('<a href="https://example.com/store-down">x</a>');
    storeDown = true;
    try {
      const response = await follow(result.links[0].trackedUrl as string);
      expect(response.status).toBe(302);
      expect(response.location).toBe('https://example.com/store-down');
    } finally {
      storeDown = false;
    }
    const unsaved = logLines.filter((line) => line.event === 'hit.unsaved');
    expect(unsaved.some((line) => (line.hit as { url: string }).url === 'https://example.com/store-down')).toBe(true);
  });
});

describe('edited tracked link', () => {
  let trackedUrl: string;
  beforeAll(async () => {
    trackedUrl = (await rewrite('<a href="https://shop.example.com/order">x</a>')).links[0].trackedUrl as string;
  });

  function edited(part: 'token' | 'signature' | 'destination', value: string): string {
    const url = new URL(trackedUrl);
    const segments = url.pathname.split('/');
    const index = { token: 2, signature: 3, destination: 4 }[part];
    segments[index] = value;
    url.pathname = segments.join('/');
    return url.toString();
  }

  test.each([
    ['destination', Buffer.from('https://evil.example.net/phish').toString('base64url'), 'evil.example.net'],
    ['destination', Buffer.from('https://shop.example.com/order?x').toString('base64url'), 'order?x'],
    ['signature', 'AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA'],
    ['token', 'B'.repeat(32), 'B'.repeat(32)],
  ] as const)('edited %s gets 400', async (part, value, secret) => {
    const response = await follow(edited(part, value));
    expect(response.status).toBe(400);
    expect(response.location).toBeUndefined();
    expect(response.body).toContain('invalid');
    expect(response.body).not.toContain(secret);
  });
});
