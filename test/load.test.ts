import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { loadOrCreateDevKey, signDevIdToken } from '../tracker/auth/devSignin';
import { LOCAL_AUDIENCE } from '../tracker/config';
import { UNSAVED_HIT_EVENT } from '../tracker/hitWriter';
import { startTrackerProcess, type TrackerProcess } from './support/trackerProcess';

/*
 * Sustained load on the pixels of many messages: autocannon with 100
 * connections against the built tracker on SQLite, on loopback. Every request
 * must get the GIF, and every response must be accounted for in the store:
 * hits stored plus hits logged as unsaved equal the responses.
 *
 * LOAD_TEST_SECONDS sets the duration (default 60, which with setup and
 * checks takes about 70 s here).
 */

const SECONDS = Number(process.env.LOAD_TEST_SECONDS || 60);
const CONNECTIONS = 100;
const MESSAGES = 200;
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let tracker: TrackerProcess | undefined;

afterAll(async () => {
  await tracker?.stop('SIGKILL');
});

test(
  `pixels hold ${CONNECTIONS} connections for ${SECONDS} s`,
  async () => {
    tracker = await startTrackerProcess({ LOG_LEVEL: 'info', API_RATE_LIMIT_PER_MINUTE: '100000' });
    const key = loadOrCreateDevKey(join(tracker.dataDir, 'dev-signin-key.pem'));
    const auth = { authorization: `Bearer ${signDevIdToken(key, { email: 'load@example.com', audience: LOCAL_AUDIENCE })}` };
    const paths: string[] = [];
    for (let i = 0; i < MESSAGES; i += 1) {
      const created = await tracker.inject({ method: 'POST', url: '/api/messages', headers: auth, payload: {} });
      expect(created.statusCode).toBe(201);
      paths.push(`/o/${created.json().token}.gif`);
    }

    let next = 0;
    const result = await autocannon({
      url: tracker.base,
      connections: CONNECTIONS,
      duration: SECONDS,
      timeout: 10,
      headers: { 'user-agent': CHROME },
      requests: [
        {
          setupRequest: (request) => {
            next = (next + 1) % paths.length;
            return { ...request, path: paths[next] };
          },
        },
      ],
    });
    await tracker.stop('SIGTERM');

    const responses = result.statusCodeStats?.['200']?.count ?? 0;
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(responses).toBe(result.requests.total);
    expect(responses).toBeGreaterThan(SECONDS * 100);

    const logged = new Set<string>();
    for (const line of tracker.logLines()) {
      if (!line.includes(UNSAVED_HIT_EVENT)) continue;
      const entry = JSON.parse(line) as { event: string; hit: { id: string } };
      if (entry.event === UNSAVED_HIT_EVENT) logged.add(entry.hit.id);
    }
    const errors = tracker.logLines().filter((line) => /"severity":"(ERROR|CRITICAL)"/.test(line));
    expect(errors).toEqual([]);

    const db = new Database(join(tracker.dataDir, 'tracker.sqlite'), { readonly: true });
    let accounted: number;
    try {
      const ids = db.prepare('SELECT id FROM hits').pluck().all() as string[];
      const counted = (db.prepare('SELECT SUM(count) FROM hit_counts').pluck().get() as number | null) ?? 0;
      // No message reached the per-message cap, so every stored hit has its own row.
      expect(counted).toBe(ids.length);
      const stored = new Set(ids);
      accounted = stored.size + [...logged].filter((id) => !stored.has(id)).length;
    } finally {
      db.close();
    }

    // Requests still in flight when autocannon stopped (at most one per
    // connection) may have been stored without their response being counted.
    expect(accounted).toBeGreaterThanOrEqual(responses);
    expect(accounted).toBeLessThanOrEqual(result.requests.sent);
    expect(result.requests.sent - responses).toBeLessThanOrEqual(CONNECTIONS);
  },
  (SECONDS + 90) * 1000,
);
