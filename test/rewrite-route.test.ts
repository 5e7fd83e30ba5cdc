import type { RewriteResponse } from '../shared/api';
import { pixelHtml } from '../shared/urls';
import { startTestTracker, type TestTracker } from './support/tracker';

describe('POST /api/rewrite', () => {
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

  function post(payload: unknown, headers: Record<string, string> = auth()) {
    return tracker.app.inject({ method: 'POST', url: '/api/rewrite', headers, payload: payload as object });
  }

  test('rewrites links and inserts the pixel', async () => {
    const html = '<p>See <a href="https://example.com/a?b=1&amp;c=2">this</a> or <a href="mailto:x@example.org">mail</a></p>';
    const response = await post({ token, html });
    expect(response.statusCode).toBe(200);
    const body = response.json<RewriteResponse>();
    expect(body.pixel).toBe('inserted');
    expect(body.html.startsWith(pixelHtml(tracker.config.publicBaseUrl, token))).toBe(true);
    expect(body.links).toHaveLength(2);
    expect(body.links[0]).toEqual({
      href: 'https://example.com/a?b=1&c=2',
      tracked: true,
      destination: 'https://example.com/a?b=1&c=2',
      trackedUrl: expect.stringMatching(new RegExp(`^${tracker.config.publicBaseUrl}l/${token}/`)),
    });
    expect(body.links[1]).toEqual({ href: 'mailto:x@example.org', tracked: false, reason: 'scheme', message: 'mailto: links are not tracked' });
    expect(body.html).toContain(`<a href="${body.links[0].trackedUrl}">this</a>`);
  });

  test('leaves the pixel out for snippets', async () => {
    const html = '<a href="https://example.com/">x</a>';
    const body = (await post({ token, html, insertPixel: false })).json<RewriteResponse>();
    expect(body.pixel).toBe('not_requested');
    expect(body.html).toBe(`<a href="${body.links[0].trackedUrl}">x</a>`);
  });

  test('requires an identity token', async () => {
    const response = await post({ token, html: '<p>x</p>' }, {});
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('unauthenticated');
  });

  test('hides messages of other senders', async () => {
    const response = await post({ token, html: '<p>x</p>' }, auth('eve@example.com'));
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toBe('message_not_found');
  });

  test('reports an unknown token as not found', async () => {
    const response = await post({ token: 'A'.repeat(32), html: '<p>x</p>' });
    expect(response.statusCode).toBe(404);
  });

  test.each([
    ['missing html', { token: 'A'.repeat(32) }],
    ['malformed token', { token: 'short', html: '<p>x</p>' }],
    ['html not a string', { token: 'A'.repeat(32), html: { text: 'x' } }],
    ['insertPixel not a boolean', { token: 'A'.repeat(32), html: '', insertPixel: 'perhaps' }],
  ])('rejects %s', async (_name, payload) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_request');
  });
});
