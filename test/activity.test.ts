import { startTestTracker, type TestTracker } from './support/tracker';

describe('activity feed and data deletion', () => {
  let tracker: TestTracker;
  const auth = (email: string) => ({ authorization: `Bearer ${tracker.tokenFor(email)}` });

  beforeEach(async () => {
    tracker = await startTestTracker();
  });
  afterEach(async () => {
    await tracker.close();
  });

  async function createMessage(email: string, recipient: string): Promise<string> {
    const response = await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth(email), payload: { recipients: [recipient] } });
    return response.json().token;
  }

  test('activity lists newest activity first across pages', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      tokens.push(await createMessage('ana@example.com', `r${i}@example.org`));
      tracker.clock.advance(1000);
    }
    await createMessage('bo@example.com', 'someone@example.org');
    // An open on the oldest message makes it the most recent activity.
    await tracker.app.inject({ url: `/o/${tokens[0]}.gif`, headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' } });

    const first = (await tracker.app.inject({ url: '/api/activity?limit=3', headers: auth('ana@example.com') })).json();
    expect(first.items.map((item: { token: string }) => item.token)).toEqual([tokens[0], tokens[4], tokens[3]]);
    expect(first.items[0].recipientOpens).toBe(1);
    expect(first.next).not.toBeNull();

    const second = (await tracker.app.inject({ url: `/api/activity?limit=3&cursor=${first.next}`, headers: auth('ana@example.com') })).json();
    expect(second.items.map((item: { token: string }) => item.token)).toEqual([tokens[2], tokens[1]]);
    expect(second.next).toBeNull();
  });

  test('activity rejects a forged cursor', async () => {
    const response = await tracker.app.inject({ url: '/api/activity?cursor=bm90LWEtY3Vyc29y', headers: auth('ana@example.com') });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('invalid_cursor');
  });

  test('delete removes only the sender’s data', async () => {
    const mine = await createMessage('ana@example.com', 'x@example.org');
    const theirs = await createMessage('bo@example.com', 'y@example.org');
    await tracker.app.inject({ url: `/o/${mine}.gif` });

    const response = await tracker.app.inject({ method: 'DELETE', url: '/api/me/data', headers: auth('ana@example.com') });
    expect(response.json()).toEqual({ deletedMessages: 1 });
    expect(await tracker.store.getMessage(mine)).toBeNull();
    expect(await tracker.store.listHits(mine)).toEqual([]);
    expect(await tracker.store.getMessage(theirs)).not.toBeNull();

    const summary = await tracker.app.inject({ url: `/api/messages/${mine}/summary`, headers: auth('ana@example.com') });
    expect(summary.statusCode).toBe(404);
  });
});
