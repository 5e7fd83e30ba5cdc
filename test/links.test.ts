import { startTestTracker, type TestTracker } from './support/tracker';

describe('tracked link', () => {
  let tracker: TestTracker;
  let token: string;
  const auth = (email = 'ana@example.com') => ({ authorization: `Bearer ${tracker.tokenFor(email)}` });

  beforeEach(async () => {
    tracker = await startTestTracker();
    const created = await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth(), payload: {} });
    token = created.json().token;
  });
  afterEach(async () => {
    await tracker.close();
  });

  async function track(url: string, email?: string) {
    return tracker.app.inject({ method: 'POST', url: '/api/links', headers: auth(email), payload: { token, url, text: 'Pricing & plans' } });
  }

  test('redirects to the signed destination and records a click', async () => {
    const made = await track('https://shop.example.com/p?a=1&b=%2F#top');
    expect(made.statusCode).toBe(201);
    const { trackedUrl, html } = made.json();
    expect(html).toBe(`<a href="${trackedUrl}">Pricing &#38; plans</a>`);

    // A browser's user agent: inject's default one ("lightMyRequest") is labelled a bot.
    const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    const response = await tracker.app.inject({ url: new URL(trackedUrl).pathname, headers: { 'user-agent': browser } });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('https://shop.example.com/p?a=1&b=%2F#top');

    const summary = await tracker.store.summary(token, 10);
    expect(summary?.counts.click.recipient).toBe(1);
    expect(summary?.recentHits[0].url).toBe('https://shop.example.com/p?a=1&b=%2F#top');
  });

  test('rejects an edited destination without echoing it', async () => {
    const { trackedUrl } = (await track('https://shop.example.com/')).json();
    const parts = new URL(trackedUrl).pathname.split('/');
    parts[4] = Buffer.from('https://evil.example.net/').toString('base64url');
    const response = await tracker.app.inject({ url: parts.join('/') });
    expect(response.statusCode).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.body).toContain('This link is invalid');
    expect(response.body).not.toContain('evil.example.net');
  });

  test('rejects a signature from another message', async () => {
    const other = (await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth(), payload: {} })).json().token;
    const { trackedUrl } = (await track('https://shop.example.com/')).json();
    const response = await tracker.app.inject({ url: new URL(trackedUrl).pathname.replace(token, other) });
    expect(response.statusCode).toBe(400);
  });

  test('refuses to track non-http destinations', async () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,hi', 'mailto:a@example.org', '//evil.example.net/', 'https:/\\evil.example.net', 'https://a.example.com/\r\nSet-Cookie: x=1']) {
      const response = await track(url);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_url');
    }
  });

  test('another sender gets 404 for the message', async () => {
    const response = await track('https://shop.example.com/', 'mallory@example.net');
    expect(response.statusCode).toBe(404);
  });

  test('still redirects when the store is down', async () => {
    const { trackedUrl } = (await track('https://shop.example.com/x')).json();
    tracker.store.recordHits = async () => {
      throw new Error('database is locked');
    };
    const response = await tracker.app.inject({ url: new URL(trackedUrl).pathname });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('https://shop.example.com/x');
  });
});
