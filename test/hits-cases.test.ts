/**
 * The hit cases H1 to H10 through a running tracker on a real loopback port:
 * requests carry the cases' user agents and reach the tracker through one
 * trusted proxy hop (X-Forwarded-For), the add-on's reports go through the
 * facts API with development identity tokens, and the assertions read the
 * message summary that the add-on shows.
 */
import { request as httpRequest } from 'node:http';
import type { MessageSummary } from '../shared/api';
import { startTestTracker, type TestTracker } from './support/tracker';
import { IP, UA } from './fixtures/hits-corpus';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SENDER = 'ana@example.com';

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request with exactly the given headers (no default user agent). */
function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

describe('hit cases through the running tracker', () => {
  let tracker: TestTracker;
  let sentAt: number;

  const auth = () => ({ authorization: `Bearer ${tracker.tokenFor(SENDER)}`, 'content-type': 'application/json' });

  async function api<T>(method: string, path: string, payload?: object): Promise<T> {
    const response = await send(method, `${tracker.url}${path}`, auth(), payload === undefined ? undefined : JSON.stringify(payload));
    expect(response.status).toBeLessThan(300);
    return JSON.parse(response.body) as T;
  }

  async function newMessage(): Promise<string> {
    const created = await api<{ token: string }>('POST', 'api/messages', { recipients: ['bo@example.org'] });
    sentAt = tracker.clock.now() + MINUTE;
    return created.token;
  }

  async function trackedLink(token: string, n: number): Promise<string> {
    const made = await api<{ trackedUrl: string }>('POST', 'api/links', { token, url: `https://example.com/page-${n}` });
    return made.trackedUrl;
  }

  function at(offsetMs: number): void {
    tracker.clock.set(sentAt + offsetMs);
  }

  async function pixel(token: string, userAgent: string, ip: string): Promise<void> {
    const response = await send('GET', `${tracker.url}o/${token}.gif`, { 'user-agent': userAgent, 'x-forwarded-for': ip });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/gif');
  }

  async function follow(url: string, userAgent: string, ip: string, method = 'GET'): Promise<Response> {
    const response = await send(method, url, { 'user-agent': userAgent, 'x-forwarded-for': ip });
    expect(response.status).toBe(302);
    return response;
  }

  function reportSent(token: string): Promise<MessageSummary> {
    return api<MessageSummary>('POST', `api/messages/${token}/facts`, { sentAt: new Date(sentAt).toISOString(), subject: 'Proposal' });
  }

  function summary(token: string): Promise<MessageSummary> {
    return api<MessageSummary>('GET', `api/messages/${token}/summary`);
  }

  beforeAll(async () => {
    tracker = await startTestTracker({ listen: true, env: { TRUST_PROXY_HOPS: '1' } });
  });
  afterAll(async () => {
    await tracker.close();
  });

  test('H1 Gmail proxy open hides the location', async () => {
    const token = await newMessage();
    at(40 * MINUTE);
    await pixel(token, UA.gmailProxy, IP.googleProxy);
    const result = await reportSent(token);

    expect(result.opens.recipient).toBe(1);
    expect(result.hits[0].label).toBe('recipient');
    expect(result.hits[0].client).toBe('Gmail');
    expect(result.hits[0].proxy).toBe('gmail');
    expect(result.hits[0].location).toBeNull();
  });

  test('H2 Apple MPP is a prefetch, not a read', async () => {
    const token = await newMessage();
    at(5_000);
    await pixel(token, UA.appleMpp, IP.appleOwn);
    const result = await reportSent(token);

    expect(result.opens.recipient).toBe(0);
    expect(result.opens.prefetch).toBe(1);
    expect(result.hits[0].label).toBe('prefetch');
    expect(result.hits[0].proxy).toBe('apple');
    expect(result.hits[0].location).toBeNull();
    expect(result.firstOpenAt).toBeNull();
  });

  test('H3 Outlook on Windows with a GB location', async () => {
    const token = await newMessage();
    at(HOUR);
    await pixel(token, UA.outlook2016, IP.gb);
    const result = await reportSent(token);

    expect(result.opens.recipient).toBe(1);
    expect(result.hits[0].client).toBe('Outlook');
    expect(result.hits[0].os).toBe('Windows');
    expect(result.hits[0].location?.country).toBe('GB');
  });

  test('H4 four Yahoo fetches in 3 s are one open', async () => {
    const token = await newMessage();
    at(10 * MINUTE);
    for (const step of [0, 800, 1200, 900]) {
      tracker.clock.advance(step);
      await pixel(token, UA.yahooProxy, IP.yahoo);
    }
    const result = await reportSent(token);

    expect(result.opens.recipient).toBe(1);
    expect(result.opens.duplicate).toBe(3);
    expect(result.hits.map((hit) => hit.label)).toEqual(['duplicate', 'duplicate', 'duplicate', 'recipient']);
    expect(result.hits.every((hit) => hit.client === 'Yahoo Mail')).toBe(true);
  });

  test('H5 five links in one second are scanner clicks', async () => {
    const token = await newMessage();
    const links = [];
    for (let n = 1; n <= 5; n += 1) links.push(await trackedLink(token, n));
    at(43_000);
    for (const url of links) {
      await follow(url, UA.chromeWindows, IP.cloudVm);
      tracker.clock.advance(200);
    }
    const result = await reportSent(token);

    expect(result.clicks.recipient).toBe(0);
    expect(result.clicks.scanner).toBe(5);
    expect(new Set(result.hits.map((hit) => hit.label))).toEqual(new Set(['scanner']));
  });

  test('H6 load before sending is "while composing"', async () => {
    const token = await newMessage();
    at(-20_000);
    await pixel(token, UA.gmailProxy, IP.googleProxy);
    at(MINUTE);
    const result = await reportSent(token);

    expect(result.opens.recipient).toBe(0);
    expect(result.opens.before_send).toBe(1);
    expect(result.hits[0].label).toBe('before_send');
  });

  test('H7 load during a reported self-view is the sender\'s own', async () => {
    const token = await newMessage();
    at(MINUTE);
    await reportSent(token);
    at(10 * MINUTE);
    await pixel(token, UA.gmailProxy, IP.googleProxy);
    tracker.clock.advance(3_000);
    const result = await api<MessageSummary>('POST', `api/messages/${token}/self-views`, {});

    expect(result.opens.recipient).toBe(0);
    expect(result.opens.self).toBe(1);
    expect(result.hits[0].label).toBe('self');
  });

  test('H8 HEAD with no user agent redirects but is no click', async () => {
    const token = await newMessage();
    const url = await trackedLink(token, 1);
    at(2 * HOUR);
    const response = await follow(url, '', IP.microsoftOther, 'HEAD');
    expect(response.headers.location).toBe('https://example.com/page-1');
    const result = await reportSent(token);

    expect(result.clicks.recipient).toBe(0);
    expect(result.clicks.scanner).toBe(1);
    expect(result.hits[0].label).toBe('scanner');
  });

  test('H9 Apple Mail on iPhone with a GB location', async () => {
    const token = await newMessage();
    at(3 * HOUR);
    await pixel(token, UA.iphoneMail, IP.gb);
    const result = await reportSent(token);

    expect(result.opens.recipient).toBe(1);
    expect(result.hits[0].client).toBe('Apple Mail');
    expect(result.hits[0].os).toBe('iOS');
    expect(result.hits[0].device).toBe('mobile');
    expect(result.hits[0].location?.country).toBe('GB');
  });

  test('H10 re-open two days later is a second open', async () => {
    const token = await newMessage();
    at(40 * MINUTE);
    await pixel(token, UA.gmailProxy, IP.googleProxy);
    const first = new Date(tracker.clock.now()).toISOString();
    at(2 * 24 * HOUR + 40 * MINUTE);
    await pixel(token, UA.gmailProxy, IP.googleProxy);
    const second = new Date(tracker.clock.now()).toISOString();
    await reportSent(token);
    const result = await summary(token);

    expect(result.opens.recipient).toBe(2);
    expect(result.firstOpenAt).toBe(first);
    expect(result.lastOpenAt).toBe(second);
    expect(result.hits.map((hit) => hit.at)).toEqual([second, first]);
  });
});

describe('relabel after a committed batch', () => {
  test('duplicates are labelled without any report', async () => {
    const tracker = await startTestTracker({ listen: true, env: { TRUST_PROXY_HOPS: '1' } });
    try {
      const created = await send('POST', `${tracker.url}api/messages`, { authorization: `Bearer ${tracker.tokenFor(SENDER)}`, 'content-type': 'application/json' }, '{}');
      const token = (JSON.parse(created.body) as { token: string }).token;
      for (const step of [0, 1_000, 1_000]) {
        tracker.clock.advance(step);
        await send('GET', `${tracker.url}o/${token}.gif`, { 'user-agent': UA.yahooProxy, 'x-forwarded-for': IP.yahoo });
      }
      // Closing the app waits for queued commits and relabels.
      await tracker.app.close();

      const data = await tracker.store.summary(token, 10);
      expect(data?.counts.open.recipient).toBe(1);
      expect(data?.counts.open.duplicate).toBe(2);
    } finally {
      await tracker.close();
    }
  });
});
