import pino from 'pino';
import Database from 'better-sqlite3';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { HIT_LABELS } from '../shared/labels';
import { loadOrCreateDevKey, signDevIdToken } from '../tracker/auth/devSignin';
import { LOCAL_AUDIENCE } from '../tracker/config';
import { TRANSPARENT_GIF } from '../tracker/gif';
import { UNSAVED_HIT_EVENT } from '../tracker/hitWriter';
import { loggerOptions } from '../tracker/logger';
import { SqliteStore } from '../tracker/store/sqlite';
import type { HitRecord, Store } from '../tracker/store/types';
import { startTestTracker, type TestTracker } from './support/tracker';
import { startTrackerProcess, type TrackerProcess } from './support/trackerProcess';

/*
 * Faults on SQLite: the store failing and coming back, a store slower than
 * the commit deadline, and the tracker killed with SIGKILL and restarted on
 * the same file while under load. Throughout, pixels return the GIF, tracked
 * links redirect to their destination, and every hit whose request got a
 * response is either stored or logged as a complete "hit.unsaved" line.
 */

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const DESTINATION = 'https://shop.example.com/spring?ref=mail';

/** Returns why `value` is not a complete HitRecord, or null. */
function hitRecordProblem(value: Record<string, unknown>): string | null {
  const strings = ['id', 'token', 'method'];
  const nullableStrings = ['url', 'ip', 'userAgent', 'proxy', 'client', 'os', 'device'];
  for (const field of strings) if (typeof value[field] !== 'string') return `${field} is not a string`;
  for (const field of nullableStrings) {
    if (!(field in value)) return `${field} is missing`;
    if (value[field] !== null && typeof value[field] !== 'string') return `${field} is not a string or null`;
  }
  if (value.kind !== 'open' && value.kind !== 'click') return `kind is ${String(value.kind)}`;
  if (!Number.isSafeInteger(value.at)) return 'at is not epoch milliseconds';
  if (!('location' in value)) return 'location is missing';
  if (!HIT_LABELS.includes(value.label as never)) return `label is ${String(value.label)}`;
  return null;
}

/** Collects the hits of every "hit.unsaved" line, checking that each is a complete HitRecord. */
function unsavedHits(lines: string[]): HitRecord[] {
  const hits: HitRecord[] = [];
  for (const line of lines) {
    if (!line.includes(UNSAVED_HIT_EVENT)) continue;
    const entry = JSON.parse(line) as { event: string; hit: Record<string, unknown> };
    if (entry.event !== UNSAVED_HIT_EVENT) continue;
    expect(hitRecordProblem(entry.hit)).toBeNull();
    hits.push(entry.hit as unknown as HitRecord);
  }
  return hits;
}

function capturingLogger(): { logger: FastifyBaseLogger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino(loggerOptions('info') as pino.LoggerOptions, stream) as unknown as FastifyBaseLogger, lines };
}

/**
 * A SqliteStore whose writes fail while `down` is set, and take `delayMs`
 * longer than usual otherwise, standing in for an unreachable or slow disk.
 */
class FaultyStore extends SqliteStore {
  down = false;
  delayMs = 0;

  override async recordHits(hits: HitRecord[]) {
    if (this.down) throw new Error('SQLITE_IOERR: disk I/O error');
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.recordHits(hits);
  }

  override async summary(token: string, recentLimit: number) {
    if (this.down) throw new Error('SQLITE_IOERR: disk I/O error');
    return super.summary(token, recentLimit);
  }
}

/** Sums a kind's counts over every label: relabelling moves hits between labels, never out. */
function kindTotal(counts: Record<string, number> | undefined): number {
  return Object.values(counts ?? {}).reduce((sum, count) => sum + count, 0);
}

async function storedHitCount(store: Store, token: string): Promise<number> {
  return (await store.summary(token, 0))?.totalHits ?? 0;
}

describe('store failing in process', () => {
  let tracker: TestTracker;
  let store: FaultyStore;
  let lines: string[];
  let token: string;
  let linkPath: string;

  beforeEach(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    tracker = await startTestTracker({
      env: { COMMIT_DEADLINE_MS: '200' },
      store: (config) => (store = new FaultyStore({ path: config.sqlitePath, retentionDays: config.retentionDays })),
      deps: { logger: captured.logger },
    });
    const auth = { authorization: `Bearer ${tracker.tokenFor('ana@example.com')}` };
    token = (await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth, payload: {} })).json().token;
    const link = await tracker.app.inject({ method: 'POST', url: '/api/links', headers: auth, payload: { token, url: DESTINATION } });
    linkPath = new URL(link.json().trackedUrl).pathname;
  });
  afterEach(async () => {
    await tracker.close();
  });

  async function openAndClick(times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      const pixel = await tracker.app.inject({ url: `/o/${token}.gif`, headers: { 'user-agent': CHROME } });
      expect(pixel.statusCode).toBe(200);
      expect(pixel.rawPayload.equals(TRANSPARENT_GIF)).toBe(true);
      const click = await tracker.app.inject({ url: linkPath, headers: { 'user-agent': CHROME } });
      expect(click.statusCode).toBe(302);
      expect(click.headers.location).toBe(DESTINATION);
    }
  }

  test('hits survive the store going down and back', async () => {
    await openAndClick(3);
    store.down = true;
    await openAndClick(5);
    store.down = false;
    await openAndClick(2);

    const logged = unsavedHits(lines);
    expect(logged).toHaveLength(10);
    expect(await storedHitCount(store, token)).toBe(10);

    // Replaying the logged lines (stores are idempotent by hit id) accounts for every response.
    await store.recordHits(logged);
    expect(await storedHitCount(store, token)).toBe(20);
    const summary = await store.summary(token, 0);
    expect(kindTotal(summary?.counts.open)).toBe(10);
    expect(kindTotal(summary?.counts.click)).toBe(10);
  });

  test('slow commits are logged and stored once', async () => {
    store.delayMs = 400;
    await openAndClick(2);
    // The commits finish after their responses' 200 ms deadline.
    await new Promise((resolve) => setTimeout(resolve, 600));

    const logged = unsavedHits(lines);
    expect(logged).toHaveLength(4);
    expect(await storedHitCount(store, token)).toBe(4);
    store.delayMs = 0;
    await store.recordHits(logged);
    expect(await storedHitCount(store, token)).toBe(4);
  });

  test('summary fails cleanly while down', async () => {
    store.down = true;
    const response = await tracker.app.inject({ url: `/api/messages/${token}/summary`, headers: { authorization: `Bearer ${tracker.tokenFor('ana@example.com')}` } });
    expect(response.statusCode).toBe(500);
    expect(response.json().message).toContain('try again later');
    expect(response.body).not.toContain('SQLITE_IOERR');
  });
});

interface Tally {
  /** Pixel responses with status 200 and the GIF, per message token. */
  opens: Map<string, number>;
  /** Redirects to the signed destination, per message token. */
  clicks: Map<string, number>;
  /** Responses that were neither (must stay 0). */
  wrong: string[];
  /** Requests that got no response (connection refused or reset). */
  failed: number;
}

function fetchOnce(agent: Agent, port: number, path: string): Promise<{ status: number; location?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { 'user-agent': CHROME } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Keeps `concurrency` requests going over the pixel and link paths until
 * `until()` is true, tallying what came back. Bounded: it stops after
 * `maxMs` even if `until` never becomes true.
 */
async function load(port: number, targets: Array<{ token: string; path: string; kind: 'open' | 'click' }>, tally: Tally, until: () => boolean, maxMs: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (!until() && Date.now() - started < maxMs) {
      const target = targets[next++ % targets.length];
      try {
        const response = await fetchOnce(agent, port, target.path);
        if (target.kind === 'open' && response.status === 200 && response.body.equals(TRANSPARENT_GIF)) {
          tally.opens.set(target.token, (tally.opens.get(target.token) ?? 0) + 1);
        } else if (target.kind === 'click' && response.status === 302 && response.location === DESTINATION) {
          tally.clicks.set(target.token, (tally.clicks.get(target.token) ?? 0) + 1);
        } else {
          tally.wrong.push(`${target.path} -> ${response.status} ${response.location ?? ''}`);
        }
      } catch {
        tally.failed += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  agent.destroy();
}

describe('tracker killed mid-load', () => {
  let first: TrackerProcess | undefined;
  let second: TrackerProcess | undefined;
  afterAll(async () => {
    await first?.stop('SIGKILL');
    await second?.stop('SIGKILL');
  });

  test('SIGKILL and restart lose no answered hit', async () => {
    first = await startTrackerProcess({ LOG_LEVEL: 'info' });
    const key = loadOrCreateDevKey(join(first.dataDir, 'dev-signin-key.pem'));
    const auth = { authorization: `Bearer ${signDevIdToken(key, { email: 'ana@example.com', audience: LOCAL_AUDIENCE })}` };
    const targets: Array<{ token: string; path: string; kind: 'open' | 'click' }> = [];
    for (let i = 0; i < 10; i += 1) {
      const token = (await first.inject({ method: 'POST', url: '/api/messages', headers: auth, payload: {} })).json().token;
      const link = await first.inject({ method: 'POST', url: '/api/links', headers: auth, payload: { token, url: DESTINATION } });
      targets.push({ token, path: `/o/${token}.gif`, kind: 'open' }, { token, path: new URL(link.json().trackedUrl).pathname, kind: 'click' });
    }
    const port = first.port;
    const dataDir = first.dataDir;
    const tally: Tally = { opens: new Map(), clicks: new Map(), wrong: [], failed: 0 };

    // Load for a while, kill the tracker, restart it on the same port and file, and load on.
    let phase: 'first' | 'killed' | 'second' | 'done' = 'first';
    const running = load(port, targets, tally, () => phase === 'done', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const beforeKill = [...tally.opens.values(), ...tally.clicks.values()].reduce((a, b) => a + b, 0);
    phase = 'killed';
    await first.stop('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    second = await startTrackerProcess({ LOG_LEVEL: 'info', PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}/` }, dataDir);
    phase = 'second';
    await new Promise((resolve) => setTimeout(resolve, 1500));
    phase = 'done';
    await running;
    await second.stop('SIGTERM');

    expect(beforeKill).toBeGreaterThan(50);
    expect(tally.wrong).toEqual([]);
    const logged = [...unsavedHits(first.logLines()), ...unsavedHits(second.logLines())];

    const store = new SqliteStore({ path: join(dataDir, 'tracker.sqlite'), retentionDays: 180 });
    try {
      let answered = 0;
      let stored = 0;
      for (const { token } of targets.filter((target) => target.kind === 'open')) {
        const summary = await store.summary(token, 0);
        const loggedOpens = logged.filter((hit) => hit.token === token && hit.kind === 'open').length;
        const loggedClicks = logged.filter((hit) => hit.token === token && hit.kind === 'click').length;
        const opens = tally.opens.get(token) ?? 0;
        const clicks = tally.clicks.get(token) ?? 0;
        // Responses are sent only after the commit (or the unsaved line), so
        // every hit that got a response is stored or logged. The store may hold a few
        // more: hits committed just before the kill whose responses were lost.
        expect(kindTotal(summary?.counts.open) + loggedOpens).toBeGreaterThanOrEqual(opens);
        expect(kindTotal(summary?.counts.click) + loggedClicks).toBeGreaterThanOrEqual(clicks);
        answered += opens + clicks;
        stored += summary?.totalHits ?? 0;
      }
      // At most one request per connection (20) was in flight at the kill.
      expect(stored + logged.length).toBeLessThanOrEqual(answered + 20);
      expect(answered).toBeGreaterThan(beforeKill);
    } finally {
      await store.close();
    }

    // The file is a valid database after the kill.
    const db = new Database(join(dataDir, 'tracker.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
