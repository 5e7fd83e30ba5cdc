import { TRANSPARENT_GIF } from '../tracker/gif';
import { issueToken } from '../tracker/tokens';
import { startTestTracker, type TestTracker } from './support/tracker';

const GIF_HEADERS = {
  'content-type': 'image/gif',
  'cache-control': 'no-cache, no-store, must-revalidate, max-age=0',
};

describe('pixel', () => {
  let tracker: TestTracker;
  beforeEach(async () => {
    tracker = await startTestTracker();
  });
  afterEach(async () => {
    await tracker.close();
  });

  async function createMessage(email = 'ana@example.com'): Promise<string> {
    const response = await tracker.app.inject({
      method: 'POST',
      url: '/api/messages',
      headers: { authorization: `Bearer ${tracker.tokenFor(email)}` },
      payload: { recipients: ['bo@example.org'] },
    });
    expect(response.statusCode).toBe(201);
    return response.json().token;
  }

  test('answers GIF and records an open', async () => {
    const token = await createMessage();
    const response = await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject(GIF_HEADERS);
    expect(response.rawPayload.equals(TRANSPARENT_GIF)).toBe(true);

    const summary = await tracker.store.summary(token, 10);
    expect(summary?.counts.open.recipient).toBe(1);
    expect(summary?.recentHits[0].client).toBe('Chrome');
    expect(summary?.recentHits[0].os).toBe('Linux');
  });

  test('answers GIF for a token never issued, without a write', async () => {
    const madeUp = issueToken('another-secret-that-is-long-enough-32+');
    for (const url of [`/o/${madeUp}.gif`, '/o/not-a-token.gif', '/o/..%2F..%2Fetc%2Fpasswd', `/o/${'x'.repeat(5000)}.gif`]) {
      const response = await tracker.app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject(GIF_HEADERS);
    }
    expect(await tracker.store.getMessage(madeUp)).toBeNull();
  });

  test('answers GIF when the store fails', async () => {
    const token = await createMessage();
    tracker.store.recordHits = async () => {
      throw new Error('disk I/O error');
    };
    const response = await tracker.app.inject({ url: `/o/${token}.gif` });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload.equals(TRANSPARENT_GIF)).toBe(true);
  });

  test('does not bring a deleted message back', async () => {
    const token = await createMessage('cy@example.com');
    expect(await tracker.store.deleteOwner('cy@example.com')).toBe(1);
    const response = await tracker.app.inject({ url: `/o/${token}.gif` });
    expect(response.statusCode).toBe(200);
    expect(await tracker.store.getMessage(token)).toBeNull();
    expect(await tracker.store.listHits(token)).toEqual([]);
  });
});

describe('hit writer', () => {
  test('logs hits for replay once the queue is full', async () => {
    const { HitWriter } = await import('../tracker/hitWriter');
    const warnings: Array<{ event?: string }> = [];
    const log = { warn: (details: { event?: string }) => warnings.push(details), info: () => undefined } as unknown as import('fastify').FastifyBaseLogger;
    const hanging = { recordHits: () => new Promise(() => undefined) } as unknown as import('../tracker/store/types').Store;
    const writer = new HitWriter(hanging, { maxWaitMs: 1, maxHits: 2, deadlineMs: 60_000, maxInFlight: 1, maxPending: 3 }, log);
    const hit = (id: string) => ({ id, token: 't', kind: 'open', at: 0, method: 'GET', url: null, ip: null, userAgent: null, location: null, proxy: null, client: null, os: null, device: null, label: 'recipient' }) as const;

    // Two hits fill the one batch in flight, three more wait, the sixth is logged.
    for (const id of ['a', 'b', 'c', 'd', 'e']) void writer.record(hit(id));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await writer.record(hit('f'))).toBe('logged');
    expect(warnings.map((entry) => entry.event)).toEqual(['hit.unsaved']);
  });
});
