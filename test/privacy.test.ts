import Database from 'better-sqlite3';
import pino from 'pino';
import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { loggerOptions } from '../tracker/logger';
import { startRetentionPurge } from '../tracker/retention';
import { SqliteStore } from '../tracker/store/sqlite';
import { startTestTracker, type TestTracker } from './support/tracker';
import { startTrackerProcess, type TrackerProcess } from './support/trackerProcess';
import { loadOrCreateDevKey, signDevIdToken } from '../tracker/auth/devSignin';
import { LOCAL_AUDIENCE } from '../tracker/config';
import { join } from 'node:path';

/* What the tracker keeps about readers and senders, for how long, and what it logs. */

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const DAY_MS = 86_400_000;

/** Creates a pino logger with the tracker's options that collects its JSON lines in an array. */
function capturingLogger(level = 'trace'): { logger: FastifyBaseLogger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino(loggerOptions(level) as pino.LoggerOptions, stream) as unknown as FastifyBaseLogger;
  return { logger, lines };
}

async function createMessage(tracker: TestTracker, email = 'ana@example.com'): Promise<string> {
  const response = await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: { authorization: `Bearer ${tracker.tokenFor(email)}` }, payload: {} });
  expect(response.statusCode).toBe(201);
  return response.json().token;
}

describe('reader addresses', () => {
  const cases: Array<[string, Record<string, string>, string, string | null]> = [
    ['IPv4 truncated by default', {}, '198.51.100.77', '198.51.100.0'],
    ['IPv6 truncated by default', {}, '2001:db8:1234:5678:9abc::1', '2001:db8:1234::'],
    ['IPv4-mapped IPv6 truncated', {}, '::ffff:198.51.100.77', '198.51.100.0'],
    ['not stored with IP_STORAGE=none', { IP_STORAGE: 'none' }, '198.51.100.77', null],
    ['stored whole with IP_STORAGE=full', { IP_STORAGE: 'full' }, '198.51.100.77', '198.51.100.77'],
  ];

  test.each(cases)('%s', async (_name, env, address, stored) => {
    const tracker = await startTestTracker({ env: { TRUST_PROXY_HOPS: '1', ...env } });
    try {
      const token = await createMessage(tracker);
      await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'x-forwarded-for': address, 'user-agent': CHROME } });
      const hits = await tracker.store.listHits(token);
      expect(hits).toHaveLength(1);
      expect(hits[0].ip).toBe(stored);
    } finally {
      await tracker.close();
    }
  });
});

describe('retention', () => {
  let tracker: TestTracker;
  beforeEach(async () => {
    tracker = await startTestTracker({ env: { RETENTION_DAYS: '30' } });
  });
  afterEach(async () => {
    await tracker.close();
  });

  test('purge deletes expired messages and hits', async () => {
    const { logger, lines } = capturingLogger('info');
    const old = await createMessage(tracker);
    await tracker.app.inject({ url: `/o/${old}.gif`, headers: { 'user-agent': CHROME } });
    tracker.clock.advance(20 * DAY_MS);
    const recent = await createMessage(tracker);
    tracker.clock.advance(11 * DAY_MS);

    const purge = startRetentionPurge(tracker.store, tracker.clock, logger);
    try {
      expect(await purge.runOnce()).toBe(1);
    } finally {
      purge.stop();
    }
    expect(await tracker.store.getMessage(old)).toBeNull();
    expect(await tracker.store.listHits(old)).toHaveLength(0);
    expect(await tracker.store.getMessage(recent)).not.toBeNull();
    const line = JSON.parse(lines.find((text) => text.includes('retention.purged')) as string);
    expect(line.deletedMessages).toBe(1);
  });

  test('activity extends retention', async () => {
    const token = await createMessage(tracker);
    tracker.clock.advance(25 * DAY_MS);
    await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': CHROME } });
    tracker.clock.advance(10 * DAY_MS);
    expect(await tracker.store.purgeExpired(tracker.clock.now())).toBe(0);
    tracker.clock.advance(21 * DAY_MS);
    expect(await tracker.store.purgeExpired(tracker.clock.now())).toBe(1);
  });

  test('purge timer does not hold the process', () => {
    const { logger } = capturingLogger('silent');
    const purge = startRetentionPurge(tracker.store, tracker.clock, logger);
    expect(purge.timer.hasRef()).toBe(false);
    purge.stop();
  });

  test('failed purge is logged', async () => {
    const { logger, lines } = capturingLogger('info');
    const failing = Object.create(tracker.store) as SqliteStore;
    failing.purgeExpired = async () => {
      throw new Error('disk I/O error');
    };
    jest.useFakeTimers();
    try {
      const purge = startRetentionPurge(failing, tracker.clock, logger, 1000);
      jest.advanceTimersByTime(1000);
      purge.stop();
    } finally {
      jest.useRealTimers();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const line = lines.find((text) => text.includes('retention.failed'));
    expect(line).toContain('disk I/O error');
  });
});

describe('delete my data', () => {
  test('removes every record of the sender', async () => {
    const tracker = await startTestTracker();
    try {
      const ana = { authorization: `Bearer ${tracker.tokenFor('ana@example.com')}` };
      const mine = [await createMessage(tracker), await createMessage(tracker)];
      const theirs = await createMessage(tracker, 'bo@example.org');
      for (const token of [...mine, theirs]) {
        await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': CHROME } });
        await tracker.store.addSelfView({ token, at: tracker.clock.now() });
      }
      const link = await tracker.app.inject({ method: 'POST', url: '/api/links', headers: ana, payload: { token: mine[0], url: 'https://shop.example.com/' } });
      await tracker.app.inject({ url: new URL(link.json().trackedUrl).pathname });

      const response = await tracker.app.inject({ method: 'DELETE', url: '/api/me/data', headers: ana });
      expect(response.statusCode).toBe(200);
      expect(response.json().deletedMessages).toBe(2);

      const db = new Database(tracker.config.sqlitePath, { readonly: true });
      try {
        for (const table of ['messages', 'hits', 'hit_counts', 'self_views']) {
          const rows = db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE token IN (?, ?)`).get(mine[0], mine[1]) as { n: number };
          expect({ table, rows: rows.n }).toEqual({ table, rows: 0 });
        }
        const owners = db.prepare('SELECT COUNT(*) AS n FROM messages WHERE owner = ?').get('ana@example.com') as { n: number };
        expect(owners.n).toBe(0);
        const kept = db.prepare('SELECT COUNT(*) AS n FROM hits WHERE token = ?').get(theirs) as { n: number };
        expect(kept.n).toBe(1);
      } finally {
        db.close();
      }
      const summary = await tracker.app.inject({ url: `/api/messages/${mine[0]}/summary`, headers: ana });
      expect(summary.statusCode).toBe(404);
    } finally {
      await tracker.close();
    }
  });
});

describe('privacy page', () => {
  test('states retention, IP handling and deletion', async () => {
    const tracker = await startTestTracker({ env: { RETENTION_DAYS: '45' } });
    try {
      const response = await tracker.app.inject({ url: '/privacy' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('<html lang="en">');
      expect(response.body).toContain('45 days after');
      expect(response.body).toContain('first three numbers of an IPv4 address');
      expect(response.body).toContain('DELETE /api/me/data');
    } finally {
      await tracker.close();
    }
  });

  test('follows IP_STORAGE', async () => {
    const tracker = await startTestTracker({ env: { IP_STORAGE: 'none', RETENTION_DAYS: '1' } });
    try {
      const body = (await tracker.app.inject({ url: '/privacy' })).body;
      expect(body).toContain('1 day after');
      expect(body).toContain('used once, when the request arrives');
      expect(body).not.toContain('first three numbers');
    } finally {
      await tracker.close();
    }
  });
});

describe('logs', () => {
  const READER_V4 = '203.0.113.197';
  const READER_V6 = '2001:db8:ab:cd:ef01:2345:6789:abcd';

  test('unsaved hits log no full address', async () => {
    const { logger, lines } = capturingLogger('trace');
    const tracker = await startTestTracker({ env: { TRUST_PROXY_HOPS: '1' }, deps: { logger } });
    try {
      const token = await createMessage(tracker);
      tracker.store.recordHits = async () => {
        throw new Error('database is locked');
      };
      for (const address of [READER_V4, READER_V6]) {
        const response = await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'x-forwarded-for': address, 'user-agent': CHROME } });
        expect(response.statusCode).toBe(200);
      }
      const unsaved = lines.filter((line) => line.includes('"hit.unsaved"')).map((line) => JSON.parse(line));
      expect(unsaved.map((line) => line.hit.ip)).toEqual(['203.0.113.0', '2001:db8:ab::']);
      const text = lines.join('\n');
      expect(text).not.toContain(READER_V4);
      expect(text).not.toContain(READER_V6);
      expect(text).not.toContain(tracker.tokenFor('ana@example.com').split('.')[2]);
    } finally {
      await tracker.close();
    }
  });

  describe('of the running tracker', () => {
    let tracker: TrackerProcess;
    beforeAll(async () => {
      tracker = await startTrackerProcess({ LOG_LEVEL: 'trace', TRUST_PROXY_HOPS: '1', API_RATE_LIMIT_PER_MINUTE: '5' });
    });
    afterAll(async () => {
      await tracker?.stop();
    });

    test('contain no full address or identity token', async () => {
      const key = loadOrCreateDevKey(join(tracker.dataDir, 'dev-signin-key.pem'));
      const idToken = signDevIdToken(key, { email: 'ana@example.com', audience: LOCAL_AUDIENCE });
      const forged = signDevIdToken(key, { email: 'ana@example.com', audience: 'someone-else' });
      const headers = (address: string, token = idToken) => ({ authorization: `Bearer ${token}`, 'x-forwarded-for': address, 'user-agent': CHROME });

      const created = await tracker.inject({ method: 'POST', url: '/api/messages', headers: headers(READER_V4), payload: {} });
      expect(created.statusCode).toBe(201);
      const token = created.json().token;
      const link = await tracker.inject({ method: 'POST', url: '/api/links', headers: headers(READER_V6), payload: { token, url: 'https://shop.example.com/' } });
      const linkPath = new URL(link.json().trackedUrl).pathname;
      for (const address of [READER_V4, READER_V6]) {
        expect((await tracker.inject({ url: `/o/${token}.gif`, headers: headers(address) })).statusCode).toBe(200);
        expect((await tracker.inject({ url: linkPath, headers: headers(address) })).statusCode).toBe(302);
        expect((await tracker.inject({ url: `/o/${token}.gif?x=%ff`, headers: headers(address, forged) })).statusCode).toBe(200);
        expect((await tracker.inject({ method: 'POST', url: '/api/messages', headers: headers(address, forged), payload: {} })).statusCode).toBe(401);
        expect((await tracker.inject({ url: '/api/%ff', headers: headers(address, forged) })).statusCode).toBe(400);
      }
      // Over the limit of 5 per minute, so the rate limiter's log line is covered too.
      for (let i = 0; i < 6; i += 1) await tracker.inject({ url: `/api/messages/${token}/summary`, headers: headers(READER_V4) });

      await tracker.stop();
      const text = tracker.logLines().join('\n');
      expect(text).toContain('api.rate_limited');
      expect(text).toContain('auth.rejected');
      for (const secret of [READER_V4, READER_V6, idToken, forged, ...idToken.split('.'), ...forged.split('.')]) {
        expect(text).not.toContain(secret);
      }
    });
  });
});
