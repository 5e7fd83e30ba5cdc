import { signDevIdToken } from '../tracker/auth/devSignin';
import { TRANSPARENT_GIF } from '../tracker/gif';
import { AuthError } from '../tracker/auth/verifier';
import { reusingVerifier } from '../tracker/rateLimit';
import { issueToken } from '../tracker/tokens';
import {
  newRsaKey,
  PRODUCTION_AUDIENCE,
  rawHttp,
  rawStatus,
  signJwt,
  startCertServer,
  startProductionTracker,
  type CertServer,
  type ProductionTracker,
} from './support/hostile';

/*
 * Hostile input against a tracker on the production profile, whose identity
 * tokens are verified by google-auth-library against a loopback certificate
 * server. Every case checks that the tracker neither crashes nor returns 500,
 * and the last test checks that nothing stored before the attacks was lost.
 */

const KID = 'hostile-test-kid';
const signingKey = newRsaKey();
const otherKey = newRsaKey();

let certs: CertServer;
let tracker: ProductionTracker;
let anaToken: string;
let anaLinkPath: string;
let anaOtherLinkPath: string;
let bobToken: string;
let bobLinkPath: string;
const ANA = 'ana@example.com';
const BOB = 'bob@example.net';
const SENTINEL_OPENS = 3;

function idToken(email: string, overrides: Partial<Parameters<typeof signDevIdToken>[1]> = {}, key = signingKey): string {
  return signDevIdToken(key, { email, audience: PRODUCTION_AUDIENCE, keyId: KID, ...overrides });
}

/** Sums a kind's counts over every label: relabelling moves hits between labels, never out. */
const kindTotal = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

async function createMessage(email: string): Promise<string> {
  const response = await tracker.inject({ method: 'POST', url: '/api/messages', headers: bearer(idToken(email)), payload: {} });
  expect(response.statusCode).toBe(201);
  return response.json().token;
}

async function createLink(email: string, token: string, url: string) {
  return tracker.inject({ method: 'POST', url: '/api/links', headers: bearer(idToken(email)), payload: { token, url } });
}

async function linkPath(email: string, token: string, url: string): Promise<string> {
  const response = await createLink(email, token, url);
  expect(response.statusCode).toBe(201);
  return new URL(response.json().trackedUrl).pathname;
}

async function expectAlive(): Promise<void> {
  const response = await fetch(`${tracker.base}/healthz`);
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  certs = await startCertServer({ [KID]: signingKey });
  tracker = await startProductionTracker(certs.url, { MAX_STORED_HITS_PER_MESSAGE: '10', API_RATE_LIMIT_PER_MINUTE: '100000' });
  anaToken = await createMessage(ANA);
  anaLinkPath = await linkPath(ANA, anaToken, 'https://shop.example.com/pricing');
  anaOtherLinkPath = await linkPath(ANA, anaToken, 'https://shop.example.com/other');
  bobToken = await createMessage(BOB);
  bobLinkPath = await linkPath(BOB, bobToken, 'https://bob.example.net/');
  for (let i = 0; i < SENTINEL_OPENS; i += 1) {
    expect((await tracker.inject({ url: `/o/${anaToken}.gif` })).statusCode).toBe(200);
  }
});

afterAll(async () => {
  await tracker?.close();
  await certs?.close();
});

describe('identity tokens on the production verification path', () => {
  test('valid token is accepted', async () => {
    const response = await tracker.inject({ method: 'POST', url: '/api/messages', headers: bearer(idToken(ANA)), payload: {} });
    expect(response.statusCode).toBe(201);
    expect(certs.requests()).toBeGreaterThan(0);
  });

  const base = () => ({ iss: 'https://accounts.google.com', aud: PRODUCTION_AUDIENCE, sub: '1', email: ANA, email_verified: true, iat: now(), exp: now() + 3600 });
  const header = { alg: 'RS256', typ: 'JWT', kid: KID };
  const tamper = (token: string, edit: (payload: Record<string, unknown>) => void) => {
    const [head, body, signature] = token.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    edit(payload);
    return `${head}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
  };

  const cases: Array<[string, () => string]> = [
    ['forged with another key under our kid', () => idToken(ANA, {}, otherKey)],
    ['signed under an unknown kid', () => idToken(ANA, { keyId: 'unknown-kid' })],
    ['missing kid', () => signJwt(signingKey, { alg: 'RS256', typ: 'JWT' }, base())],
    ['expired an hour ago', () => idToken(ANA, { issuedAt: now() - 7200, lifetimeSeconds: 3600 })],
    ['issued an hour in the future', () => idToken(ANA, { issuedAt: now() + 3600 })],
    ['lifetime beyond one day', () => idToken(ANA, { lifetimeSeconds: 3 * 86_400 })],
    ['wrong audience', () => idToken(ANA, { audience: 'another-client.apps.googleusercontent.com' })],
    ['wrong issuer', () => idToken(ANA, { issuer: 'https://accounts.evil.example.com' })],
    ['unverified email', () => idToken(ANA, { emailVerified: false })],
    ['no email claim', () => signJwt(signingKey, header, { ...base(), email: undefined })],
    ['no issued-at claim', () => signJwt(signingKey, header, { ...base(), iat: undefined })],
    ['no expiry claim', () => signJwt(signingKey, header, { ...base(), exp: undefined })],
    ['payload edited after signing', () => tamper(idToken(ANA), (payload) => (payload.email = BOB))],
    ['alg none without signature', () => `${Buffer.from(JSON.stringify({ alg: 'none', kid: KID })).toString('base64url')}.${Buffer.from(JSON.stringify(base())).toString('base64url')}.`],
    ['HS256 keyed with the public certificate', () => {
      const { createHmac, createPublicKey } = require('node:crypto') as typeof import('node:crypto');
      const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: KID })).toString('base64url')}.${Buffer.from(JSON.stringify(base())).toString('base64url')}`;
      const secret = createPublicKey(signingKey).export({ type: 'spki', format: 'pem' }).toString();
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    }],
    ['truncated signature', () => idToken(ANA).slice(0, -20)],
    ['two segments only', () => idToken(ANA).split('.').slice(0, 2).join('.')],
    ['four segments', () => `${idToken(ANA)}.extra`],
    ['header that is not JSON', () => `bm90LWpzb24.${idToken(ANA).split('.').slice(1).join('.')}`],
    ['non-UTF-8 header bytes', () => `${Buffer.from([0xff, 0xfe, 0x7b, 0x80]).toString('base64url')}.${idToken(ANA).split('.').slice(1).join('.')}`],
    ['random bytes', () => Buffer.from('x'.repeat(64)).toString('base64url')],
  ];

  test.each(cases)('rejects a token: %s', async (_name, make) => {
    const token = make();
    const response = await tracker.inject({ method: 'POST', url: '/api/messages', headers: bearer(token), payload: {} });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('unauthenticated');
    expect(response.body).not.toContain(token.split('.')[1] || token);
  });

  const headerCases: Array<[string, Record<string, string>]> = [
    ['no Authorization header', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['Basic scheme', { authorization: `Basic ${Buffer.from('ana:secret').toString('base64')}` }],
    ['lower-case scheme', { authorization: `bearer ${idToken(ANA)}` }],
    ['two tokens', { authorization: `Bearer ${idToken(ANA)} ${idToken(ANA)}` }],
    ['characters outside base64url', { authorization: 'Bearer abc.d$f.g!h' }],
  ];

  test.each(headerCases)('rejects an Authorization header: %s', async (_name, headers) => {
    const response = await tracker.inject({ method: 'POST', url: '/api/messages', headers, payload: {} });
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toContain('Bearer');
  });
});

describe('another sender', () => {
  test('cannot read a summary', async () => {
    const response = await tracker.inject({ url: `/api/messages/${anaToken}/summary`, headers: bearer(idToken(BOB)) });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('shop.example.com');
  });

  test('cannot make links in a message', async () => {
    const response = await createLink(BOB, anaToken, 'https://bob.example.net/phish');
    expect(response.statusCode).toBe(404);
  });

  test('does not see it in activity', async () => {
    const response = await tracker.inject({ url: '/api/activity', headers: bearer(idToken(BOB)) });
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((item: { token: string }) => item.token)).not.toContain(anaToken);
  });

  test('deleting own data spares others', async () => {
    const mallory = 'mallory@example.org';
    await createMessage(mallory);
    const response = await tracker.inject({ method: 'DELETE', url: '/api/me/data', headers: bearer(idToken(mallory)) });
    expect(response.statusCode).toBe(200);
    expect(response.json().deletedMessages).toBe(1);
    expect(await tracker.store.getMessage(anaToken)).not.toBeNull();
  });

  test('summary of an unissued token is 404', async () => {
    const response = await tracker.inject({ url: `/api/messages/${issueToken('some-other-secret-0123456789abcdef')}/summary`, headers: bearer(idToken(ANA)) });
    expect(response.statusCode).toBe(404);
  });
});

describe('open redirect attempts', () => {
  const segments = (path: string) => path.split('/');

  const cases: Array<[string, () => string]> = [
    ['edited destination', () => {
      const parts = segments(anaLinkPath);
      parts[4] = Buffer.from('https://evil.example.net/').toString('base64url');
      return parts.join('/');
    }],
    ['destination with one character appended', () => {
      const parts = segments(anaLinkPath);
      parts[4] = Buffer.from('https://shop.example.com/pricingX').toString('base64url');
      return parts.join('/');
    }],
    ['signature from another message', () => {
      const parts = segments(anaLinkPath);
      parts[3] = segments(bobLinkPath)[3];
      return parts.join('/');
    }],
    ['token of another message', () => anaLinkPath.replace(anaToken, bobToken)],
    ['destination of another link in the same message', () => {
      const parts = segments(anaLinkPath);
      parts[4] = segments(anaOtherLinkPath)[4];
      return parts.join('/');
    }],
    ['destination with base64 padding', () => `${anaLinkPath}=`],
    ['destination in standard base64 alphabet', () => {
      const parts = segments(anaLinkPath);
      parts[4] = Buffer.from('https://shop.example.com/pricing?>>').toString('base64');
      return parts.join('/');
    }],
    ['empty signature', () => {
      const parts = segments(anaLinkPath);
      parts[3] = '';
      return parts.join('/');
    }],
    ['truncated signature', () => {
      const parts = segments(anaLinkPath);
      parts[3] = parts[3].slice(0, 10);
      return parts.join('/');
    }],
    ['extra path segment', () => `${anaLinkPath}/https%3A%2F%2Fevil.example.net`],
    ['destination as a query string', () => `/l/${anaToken}/${segments(anaLinkPath)[3]}/?url=https://evil.example.net/`],
    ['unsigned javascript: destination', () => `/l/${anaToken}/${segments(anaLinkPath)[3]}/${Buffer.from('javascript:alert(1)').toString('base64url')}`],
  ];

  test.each(cases)('rejects a link: %s', async (_name, make) => {
    const response = await tracker.inject({ url: make() });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).not.toContain('evil.example.net');
  });

  const destinations: Array<[string, string]> = [
    ['javascript:', 'javascript:alert(document.cookie)'],
    ['upper-case JAVASCRIPT:', 'JAVASCRIPT:alert(1)'],
    ['javascript: after whitespace', '  javascript:alert(1)'],
    ['javascript: with a tab inside', 'java\tscript:alert(1)'],
    ['data:', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
    ['vbscript:', 'vbscript:msgbox(1)'],
    ['file:', 'file:///etc/passwd'],
    ['protocol-relative', '//evil.example.net/'],
    ['backslash after scheme', 'https:/\\evil.example.net/'],
    ['backslash before @', 'https://shop.example.com\\@evil.example.net/'],
    ['three slashes', 'https:///evil.example.net/'],
    ['relative path', '/account/settings'],
    ['CR LF header injection', 'https://shop.example.com/\r\nSet-Cookie: session=stolen'],
    ['bare LF', 'https://shop.example.com/\nLocation: https://evil.example.net/'],
    ['NUL byte', 'https://shop.example.com/\u0000.evil.example.net'],
    ['DEL character', 'https://shop.example.com/\u007f'],
    ['escape character', 'https://shop.example.com/\u001b[31m'],
    ['longer than 4096 characters', `https://shop.example.com/${'a'.repeat(4100)}`],
  ];

  test.each(destinations)('refuses to sign a destination: %s', async (_name, url) => {
    const response = await createLink(ANA, anaToken, url);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_url');
  });

  test('percent-encoded CR LF stays encoded in Location', async () => {
    const path = await linkPath(ANA, anaToken, 'https://shop.example.com/a%0d%0aSet-Cookie:%20x=1');
    const response = await tracker.inject({ url: path });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('https://shop.example.com/a%0d%0aSet-Cookie:%20x=1');
    expect(response.headers['set-cookie']).toBeUndefined();
  });
});

describe('control characters, oversized and malformed requests', () => {
  test('raw CR in a header value is rejected at parse', async () => {
    const response = await rawHttp(tracker.port, `GET /o/${anaToken}.gif HTTP/1.1\r\nHost: x\r\nUser-Agent: a\rInjected: 1\r\nConnection: close\r\n\r\n`);
    expect(rawStatus(response)).toBe(400);
    await expectAlive();
  });

  test('control bytes in User-Agent are rejected at parse', async () => {
    const response = await rawHttp(tracker.port, `GET /o/${anaToken}.gif HTTP/1.1\r\nHost: x\r\nUser-Agent: a\u0001\u0002b\r\nConnection: close\r\n\r\n`);
    expect(rawStatus(response)).toBe(400);
    await expectAlive();
  });

  test('JSON-breaking User-Agent is stored verbatim', async () => {
    const token = await createMessage(ANA);
    const agent = `"},{"label":"recipient","x":"\\u0000 ${'<script>'.repeat(3)}`;
    const response = await tracker.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': agent } });
    expect(response.statusCode).toBe(200);
    const hits = await tracker.store.listHits(token);
    expect(hits).toHaveLength(1);
    expect(hits[0].userAgent).toBe(agent);
  });

  test('User-Agent is cut to 512 characters', async () => {
    const token = await createMessage(ANA);
    await tracker.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': 'U'.repeat(10_000) } });
    const hits = await tracker.store.listHits(token);
    expect(hits[0].userAgent).toHaveLength(512);
  });

  test('100 KB request line gets 431, not a crash', async () => {
    const response = await rawHttp(tracker.port, `GET /o/${'A'.repeat(100_000)}.gif HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(rawStatus(response)).toBe(431);
    await expectAlive();
  });

  test('20 KB header gets 431, not a crash', async () => {
    const response = await rawHttp(tracker.port, `GET /o/${anaToken}.gif HTTP/1.1\r\nHost: x\r\nX-Filler: ${'f'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    expect(rawStatus(response)).toBe(431);
    await expectAlive();
  });

  test('8 KB pixel path still gets the GIF', async () => {
    const response = await tracker.inject({ url: `/o/${'A'.repeat(8000)}.gif` });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(TRANSPARENT_GIF)).toBe(true);
  });

  test('oversized link destination is not followed', async () => {
    const parts = anaLinkPath.split('/');
    parts[4] = Buffer.from(`https://evil.example.net/${'a'.repeat(9000)}`).toString('base64url');
    const response = await tracker.inject({ url: parts.join('/') });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
  });

  test('2 MB JSON body gets 413', async () => {
    const response = await tracker.inject({
      method: 'POST',
      url: '/api/messages',
      headers: { ...bearer(idToken(ANA)), 'content-type': 'application/json' },
      payload: JSON.stringify({ recipients: ['x'.repeat(2 * 1024 * 1024)] }),
    });
    expect(response.statusCode).toBe(413);
  });

  test('501 recipients get 400', async () => {
    const recipients = Array.from({ length: 501 }, (_, i) => `r${i}@example.org`);
    const response = await tracker.inject({ method: 'POST', url: '/api/messages', headers: bearer(idToken(ANA)), payload: { recipients } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('500');
  });

  test('malformed JSON body gets 400', async () => {
    const response = await tracker.inject({
      method: 'POST',
      url: '/api/messages',
      headers: { ...bearer(idToken(ANA)), 'content-type': 'application/json' },
      payload: '{"recipients": [',
    });
    expect(response.statusCode).toBe(400);
  });

  test('non-UTF-8 JSON body gets 400', async () => {
    const response = await tracker.inject({
      method: 'POST',
      url: '/api/links',
      headers: { ...bearer(idToken(ANA)), 'content-type': 'application/json' },
      payload: Buffer.concat([Buffer.from(`{"token":"${anaToken}","url":"https://shop.example.com/`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
    });
    expect([201, 400]).toContain(response.statusCode);
    if (response.statusCode === 201) {
      // Invalid bytes decode to U+FFFD, which is a legal (percent-encoded) character in a URL.
      expect(response.json().trackedUrl).toContain('/l/');
    }
  });

  test('text/plain body fails validation', async () => {
    const response = await tracker.inject({
      method: 'POST',
      url: '/api/messages',
      headers: { ...bearer(idToken(ANA)), 'content-type': 'text/plain' },
      payload: 'recipients=all',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
  });

  test('__proto__ in a body is rejected', async () => {
    const response = await tracker.inject({
      method: 'POST',
      url: '/api/messages',
      headers: { ...bearer(idToken(ANA)), 'content-type': 'application/json' },
      payload: '{"__proto__": {"admin": true}, "recipients": []}',
    });
    expect(response.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  test.each([['-1'], ['abc'], ['100000'], ['1e9']])('summary hits=%s gets 400', async (hits) => {
    const response = await tracker.inject({ url: `/api/messages/${anaToken}/summary?hits=${hits}`, headers: bearer(idToken(ANA)) });
    expect(response.statusCode).toBe(400);
  });

  const pixelPaths: Array<[string, string]> = [
    ['invalid percent-encoding', '/o/%ff%fe.gif'],
    ['encoded NUL', '/o/%00.gif'],
    ['9 KB token, over the parameter limit', `/o/${'A'.repeat(9000)}.gif`],
    ['encoded path traversal', '/o/..%2f..%2fetc%2fpasswd.gif'],
    ['made-up token', `/o/${'A'.repeat(32)}.gif`],
    ['token from another secret', `/o/${issueToken('another-secret-0123456789abcdef0123')}.gif`],
    ['no .gif suffix', `/o/${'B'.repeat(32)}`],
    ['query string noise', `/o/${'C'.repeat(32)}.gif?<script>=1&a=%ff`],
  ];

  test.each(pixelPaths)('pixel path with %s still gets the GIF', async (_name, path) => {
    const response = await tracker.inject({ url: path });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('image/gif');
    expect(response.rawPayload.equals(TRANSPARENT_GIF)).toBe(true);
  });

  const traversal: Array<[string, string]> = [
    ['dot segments in the pixel route', '/o/../../etc/passwd'],
    ['dot segments in a summary', '/api/messages/../../../etc/passwd/summary'],
    ['encoded traversal in a summary', '/api/messages/..%2F..%2Fetc%2Fpasswd/summary'],
    ['encoded NUL in a summary', '/api/messages/%00/summary'],
    ['invalid encoding in a link', `/l/${'A'.repeat(32)}/%ff/%fe`],
    ['invalid encoding in the API', '/api/messages/%ff%fe/summary'],
  ];

  test.each(traversal)('%s reads no file', async (_name, path) => {
    const response = await tracker.inject({ url: path, headers: bearer(idToken(ANA)) });
    expect([400, 404]).toContain(response.statusCode);
    expect(response.body).not.toContain('root:');
  });

  test('unknown method on the pixel gets 404', async () => {
    const response = await tracker.inject({ method: 'DELETE', url: `/o/${anaToken}.gif` });
    expect(response.statusCode).toBe(404);
  });
});

describe('flood on one pixel', () => {
  test('storage stays bounded and every hit is counted', async () => {
    const token = await createMessage(ANA);
    const sent = 40;
    for (let i = 0; i < sent; i += 1) {
      const response = await tracker.inject({ url: `/o/${token}.gif` });
      expect(response.statusCode).toBe(200);
    }

    const stored = await tracker.store.listHits(token);
    expect(stored).toHaveLength(10);
    const summary = await tracker.inject({ url: `/api/messages/${token}/summary?hits=500`, headers: bearer(idToken(ANA)) });
    expect(summary.json().totalHits).toBe(sent);
    expect(kindTotal(summary.json().opens)).toBe(sent);
    expect(summary.json().hits).toHaveLength(10);
  });

  test('made-up tokens store nothing', async () => {
    const forged = `${'Z'.repeat(32)}`;
    for (let i = 0; i < 50; i += 1) await tracker.inject({ url: `/o/${forged}.gif` });
    expect(await tracker.store.getMessage(forged)).toBeNull();
    expect(await tracker.store.listHits(forged)).toHaveLength(0);
  });
});

describe('API rate limit', () => {
  let limited: ProductionTracker;
  beforeAll(async () => {
    limited = await startProductionTracker(certs.url, { API_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY_HOPS: '1' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  const summaryFor = (email: string, token: string, address = '198.51.100.7') =>
    limited.inject({ url: `/api/messages/${token}/summary`, headers: { ...bearer(idToken(email)), 'x-forwarded-for': address } });

  test('a sender over the limit gets 429 naming limit and retry', async () => {
    const token = issueToken(limited.signingSecret);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i += 1) {
      last = await summaryFor('carol@example.com', token);
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
    const body = last!.json();
    expect(body.error).toBe('rate_limited');
    expect(body.message).toMatch(/rate limit of 3 API requests per minute exceeded for this sender; retry in \d+ seconds/);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });

  test('limits are kept per sender', async () => {
    const token = issueToken(limited.signingSecret);
    for (let i = 0; i < 4; i += 1) await summaryFor('dave@example.com', token);
    expect((await summaryFor('dave@example.com', token)).statusCode).toBe(429);
    // Same address, another sender: Apps Script calls share Google's addresses.
    expect((await summaryFor('erin@example.com', token)).statusCode).toBe(404);
  });

  test('unauthenticated requests count per truncated address', async () => {
    const anonymous = (address: string) => limited.inject({ method: 'POST', url: '/api/messages', headers: { 'x-forwarded-for': address }, payload: {} });
    const statuses: number[] = [];
    for (const host of [1, 2, 3, 4]) statuses.push((await anonymous(`203.0.113.${host}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const limitedResponse = await anonymous('203.0.113.99');
    expect(limitedResponse.json().message).toContain('this client address');
    expect((await anonymous('192.0.2.1')).statusCode).toBe(401);
  });

  test('pixels are never limited', async () => {
    const token = issueToken(limited.signingSecret);
    for (let i = 0; i < 20; i += 1) {
      const response = await limited.inject({ url: `/o/${token}.gif`, headers: { 'x-forwarded-for': '203.0.113.1' } });
      expect(response.statusCode).toBe(200);
    }
  });

  test('tracked links are never limited', async () => {
    const response = await limited.inject({ method: 'POST', url: '/api/messages', headers: { ...bearer(idToken('frank@example.com')), 'x-forwarded-for': '192.0.2.50' }, payload: {} });
    const token = response.json().token;
    const made = await limited.inject({ method: 'POST', url: '/api/links', headers: { ...bearer(idToken('frank@example.com')), 'x-forwarded-for': '192.0.2.50' }, payload: { token, url: 'https://shop.example.com/' } });
    const path = new URL(made.json().trackedUrl).pathname;
    for (let i = 0; i < 20; i += 1) {
      const click = await limited.inject({ url: path, headers: { 'x-forwarded-for': '203.0.113.1' } });
      expect(click.statusCode).toBe(302);
    }
  });
});

describe('verification reuse', () => {
  function countingVerifier(fail = false) {
    const inner = {
      calls: 0,
      async verify(token: string) {
        inner.calls += 1;
        if (fail) throw new AuthError('identity token rejected: Invalid token signature');
        return { email: `${token}@example.com` };
      },
    };
    return inner;
  }

  test('reuses a success for 5 s only', async () => {
    const inner = countingVerifier();
    let time = 1_000_000;
    const verifier = reusingVerifier(inner, () => time);
    expect(await verifier.verify('t1')).toEqual({ email: 't1@example.com' });
    time += 4_999;
    await verifier.verify('t1');
    expect(inner.calls).toBe(1);
    time += 1;
    await verifier.verify('t1');
    expect(inner.calls).toBe(2);
    await verifier.verify('t2');
    expect(inner.calls).toBe(3);
  });

  test('never reuses a failure', async () => {
    const inner = countingVerifier(true);
    const verifier = reusingVerifier(inner, () => 0);
    await expect(verifier.verify('bad')).rejects.toThrow('Invalid token signature');
    await expect(verifier.verify('bad')).rejects.toThrow('Invalid token signature');
    expect(inner.calls).toBe(2);
  });
});

describe('after the attacks', () => {
  test('server still answers', async () => {
    await expectAlive();
  });

  test('nothing stored before was lost', async () => {
    const response = await tracker.inject({ url: `/api/messages/${anaToken}/summary`, headers: bearer(idToken(ANA)) });
    expect(response.statusCode).toBe(200);
    expect(kindTotal(response.json().opens)).toBeGreaterThanOrEqual(SENTINEL_OPENS);
    expect(await tracker.store.getMessage(bobToken)).not.toBeNull();
  });
});
