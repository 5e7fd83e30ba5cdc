import { startTestTracker, type TestTracker } from './support/tracker';
import { UA } from './fixtures/hits-corpus';

describe('facts API', () => {
  let tracker: TestTracker;
  let token: string;
  const auth = (email = 'ana@example.com') => ({ authorization: `Bearer ${tracker.tokenFor(email)}` });
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeEach(async () => {
    tracker = await startTestTracker();
    const created = await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth(), payload: { recipients: ['bo@example.org'] } });
    token = created.json().token;
  });
  afterEach(async () => {
    await tracker.close();
  });

  async function pixel(userAgent: string) {
    const response = await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': userAgent } });
    expect(response.statusCode).toBe(200);
  }

  function facts(payload: object, email?: string) {
    return tracker.app.inject({ method: 'POST', url: `/api/messages/${token}/facts`, headers: auth(email), payload });
  }

  function selfView(payload?: object, email?: string) {
    return tracker.app.inject({ method: 'POST', url: `/api/messages/${token}/self-views`, headers: auth(email), ...(payload ? { payload } : {}) });
  }

  test('send time relabels earlier loads as before send', async () => {
    await pixel(UA.gmailProxy);
    tracker.clock.advance(60_000);
    const sentAt = tracker.clock.now();
    tracker.clock.advance(600_000);
    await pixel(UA.gmailProxy);

    const response = await facts({ sentAt: iso(sentAt), subject: 'Quarterly numbers' });
    expect(response.statusCode).toBe(200);
    const summary = response.json();
    expect(summary.sentAt).toBe(iso(sentAt));
    expect(summary.subject).toBe('Quarterly numbers');
    expect(summary.opens.recipient).toBe(1);
    expect(summary.opens.before_send).toBe(1);
    expect(summary.hits.map((hit: { label: string }) => hit.label)).toEqual(['recipient', 'before_send']);
  });

  test('stored summary follows the relabel', async () => {
    await pixel(UA.gmailProxy);
    await facts({ sentAt: iso(tracker.clock.now() + 5_000) });
    const summary = (await tracker.app.inject({ url: `/api/messages/${token}/summary`, headers: auth() })).json();
    expect(summary.opens.recipient).toBe(0);
    expect(summary.opens.before_send).toBe(1);
    expect(summary.firstOpenAt).toBeNull();
  });

  test('self-view at the tracker clock marks the load as self', async () => {
    await facts({ sentAt: iso(tracker.clock.now() - 3_600_000) });
    await pixel(UA.gmailProxy);
    tracker.clock.advance(3_000);

    const response = await selfView();
    expect(response.statusCode).toBe(200);
    expect(response.json().opens.self).toBe(1);
    expect(response.json().opens.recipient).toBe(0);
  });

  test('self-view with an explicit time and quoted flag', async () => {
    await facts({ sentAt: iso(tracker.clock.now() - 3_600_000) });
    const viewedAt = tracker.clock.now();
    tracker.clock.advance(120_000);
    await pixel(UA.gmailProxy);

    const early = await selfView({ at: iso(viewedAt), quoted: true });
    expect(early.json().opens.recipient).toBe(1);
    const matching = await selfView({ at: iso(tracker.clock.now() + 2_000), quoted: false });
    expect(matching.json().opens.self).toBe(1);
  });

  test('another sender gets 404 for both reports', async () => {
    const otherFacts = await facts({ sentAt: iso(tracker.clock.now()) }, 'eve@example.com');
    expect(otherFacts.statusCode).toBe(404);
    expect(otherFacts.json().error).toBe('message_not_found');
    const otherView = await selfView({}, 'eve@example.com');
    expect(otherView.statusCode).toBe(404);
    const stored = await tracker.store.getMessage(token);
    expect(stored?.sentAt).toBeNull();
    expect(await tracker.store.listSelfViews(token)).toEqual([]);
  });

  test('missing identity token is rejected', async () => {
    const response = await tracker.app.inject({ method: 'POST', url: `/api/messages/${token}/facts`, payload: { sentAt: iso(tracker.clock.now()) } });
    expect(response.statusCode).toBe(401);
  });

  test('unknown token is not found', async () => {
    const response = await tracker.app.inject({
      method: 'POST',
      url: `/api/messages/${'Z'.repeat(32)}/facts`,
      headers: auth(),
      payload: { sentAt: iso(tracker.clock.now()) },
    });
    expect(response.statusCode).toBe(404);
  });

  test('invalid send time names the value', async () => {
    const response = await facts({ sentAt: 'yesterday' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_sent_at');
    expect(response.json().message).toContain('sentAt "yesterday" is not an ISO 8601 date-time');
  });

  test('send time far ahead of the clock is rejected', async () => {
    const response = await facts({ sentAt: iso(tracker.clock.now() + 3_600_000) });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('ahead of the tracker');
    expect((await tracker.store.getMessage(token))?.sentAt).toBeNull();
  });

  test('missing send time is rejected', async () => {
    const response = await facts({ subject: 'x' });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('sentAt');
  });

  test('invalid self-view time names the value', async () => {
    const response = await selfView({ at: '2026-13-45T99:00:00Z' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_at');
    expect(response.json().message).toContain('at "2026-13-45T99:00:00Z"');
  });
});
