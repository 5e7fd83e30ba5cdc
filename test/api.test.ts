import { signDevIdToken } from '../tracker/auth/devSignin';
import { generateKeyPairSync } from 'node:crypto';
import { LOCAL_AUDIENCE } from '../tracker/config';
import { startTestTracker, type TestTracker } from './support/tracker';

describe('API', () => {
  let tracker: TestTracker;
  beforeEach(async () => {
    tracker = await startTestTracker();
  });
  afterEach(async () => {
    await tracker.close();
  });

  test('rejects requests without a bearer token', async () => {
    const response = await tracker.app.inject({ method: 'POST', url: '/api/messages', payload: {} });
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toContain('Bearer');
  });

  test('rejects tokens signed with another key', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forged = signDevIdToken(otherKey, { email: 'ana@example.com', audience: LOCAL_AUDIENCE });
    const response = await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: { authorization: `Bearer ${forged}` }, payload: {} });
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain(forged);
  });

  test('summary lists hits newest first for the owner only', async () => {
    const auth = { authorization: `Bearer ${tracker.tokenFor('Ana@Example.com')}` };
    const { token, pixelUrl, pixelHtml } = (await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth, payload: { recipients: ['bo@example.org'] } })).json();
    expect(pixelUrl).toBe(`http://localhost:8080/o/${token}.gif`);
    expect(pixelHtml).toContain(pixelUrl);

    await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' } });
    tracker.clock.advance(60_000);
    await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' } });

    const response = await tracker.app.inject({ url: `/api/messages/${token}/summary`, headers: auth });
    expect(response.statusCode).toBe(200);
    const summary = response.json();
    expect(summary.recipients).toEqual(['bo@example.org']);
    expect(summary.hits.map((hit: { client: string }) => hit.client)).toEqual(['Chrome', 'Gmail']);
    expect(summary.hits[1].proxy).toBe('gmail');
    expect(summary.hits[1].location).toBeNull();
    expect(summary.hits[0]).not.toHaveProperty('ip');
    expect(summary.hits[0]).not.toHaveProperty('userAgent');
    expect(summary.firstOpenAt).toBe('2026-03-02T09:00:00.000Z');
    expect(summary.lastOpenAt).toBe('2026-03-02T09:01:00.000Z');

    const stranger = await tracker.app.inject({ url: `/api/messages/${token}/summary`, headers: { authorization: `Bearer ${tracker.tokenFor('mallory@example.net')}` } });
    expect(stranger.statusCode).toBe(404);
  });

  test('rejects a malformed summary token with 400', async () => {
    const auth = { authorization: `Bearer ${tracker.tokenFor('ana@example.com')}` };
    const response = await tracker.app.inject({ url: '/api/messages/..%2F..%2Fetc/summary', headers: auth });
    expect(response.statusCode).toBe(400);
  });

  test('healthz answers ok', async () => {
    const response = await tracker.app.inject({ url: '/healthz' });
    expect(response.json()).toEqual({ status: 'ok' });
  });
});
