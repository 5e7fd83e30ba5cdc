import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { HitCollector, replayHits } from '../tracker/cli/replay';
import { TRANSPARENT_GIF } from '../tracker/gif';
import { FirestoreStore } from '../tracker/store/firestore';
import { SqliteStore } from '../tracker/store/sqlite';
import type { Store } from '../tracker/store/types';
import { describeFirestore, startFirestoreEmulator, type RunningEmulator } from './support/firestoreEmulator';
import { loadIndex, memoryLogger, sendLoad } from './support/pixelLoad';
import { startTestTracker, type TestTracker } from './support/tracker';

/*
 * When the store fails, readers must not notice: the pixel still returns the
 * GIF and tracked links still redirect to their signed destination. Each hit
 * is logged as a replayable line, and replay stores it once the store is back.
 */

const PIXELS = 20;
const CLICKS = 10;
const DESTINATION = 'https://example.com/report?id=42#part-2';

interface Setup {
  tracker: TestTracker;
  lines: string[];
  token: string;
  trackedUrl: string;
}

async function startWith(store: (sqlitePath: string) => Store): Promise<Setup> {
  const { logger, lines } = memoryLogger('info');
  const tracker = await startTestTracker({ listen: true, store: (config) => store(config.sqlitePath), env: { COMMIT_DEADLINE_MS: '800' }, deps: { logger } });
  const auth = { authorization: `Bearer ${tracker.tokenFor('ana@example.com')}` };
  const token = (await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth, payload: { recipients: ['bo@example.org'] } })).json().token as string;
  const link = await tracker.app.inject({ method: 'POST', url: '/api/links', headers: auth, payload: { token, url: DESTINATION } });
  expect(link.statusCode).toBe(201);
  return { tracker, lines, token, trackedUrl: link.json().trackedUrl as string };
}

/** Loads the pixel and the tracked link while the store fails; checks what readers get. */
async function readWhileFailing(setup: Setup): Promise<void> {
  const pixels = await sendLoad((index) => `${setup.tracker.url}o/${setup.token}.gif?n=${index}`, PIXELS, 10);
  for (const result of pixels) {
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('image/gif');
  }
  const body = await fetch(`${setup.tracker.url}o/${setup.token}.gif`, { headers: { 'user-agent': 'load-999' } });
  expect(body.status).toBe(200);
  expect(Buffer.from(await body.arrayBuffer()).equals(TRANSPARENT_GIF)).toBe(true);

  const clicks = await sendLoad(() => setup.trackedUrl, CLICKS, 5);
  for (const result of clicks) {
    expect(result.status).toBe(302);
    expect(result.location).toBe(DESTINATION);
  }
}

function unsavedCollector(lines: string[]): HitCollector {
  const collector = new HitCollector();
  lines.forEach((line, index) => collector.addLine(line, index + 1));
  return collector;
}

async function expectReplayStoresAll(store: Store, lines: string[], token: string): Promise<void> {
  const logged = unsavedCollector(lines);
  // PIXELS + 1 opens (the GIF body check) and CLICKS clicks.
  expect(logged.hits.size).toBe(PIXELS + 1 + CLICKS);
  expect(logged.report.invalid).toEqual([]);

  for (let round = 0; round < 2; round += 1) {
    const report = await replayHits(store, unsavedCollector(lines));
    expect(report.stored).toBe(PIXELS + 1 + CLICKS);
    expect(report.orphaned).toBe(0);
  }
  const hits = await store.listHits(token);
  expect(hits).toHaveLength(PIXELS + 1 + CLICKS);
  expect(new Set(hits.map((hit) => hit.id)).size).toBe(hits.length);
  expect(hits.filter((hit) => hit.kind === 'click').every((hit) => hit.url === DESTINATION)).toBe(true);
  expect(hits.filter((hit) => hit.kind === 'open').map((hit) => loadIndex(hit.userAgent))).toEqual(expect.arrayContaining([0, PIXELS - 1, 999]));
  expect((await store.summary(token, 0))?.totalHits).toBe(PIXELS + 1 + CLICKS);
}

describe('store failure on SQLite', () => {
  test('readers unaffected, hits replayable', async () => {
    let path = '';
    let real: SqliteStore | null = null;
    const setup = await startWith((sqlitePath) => {
      path = sqlitePath;
      real = new SqliteStore({ path: sqlitePath, retentionDays: 30 });
      return real;
    });
    try {
      // Closing the real store's database makes every write fail inside better-sqlite3.
      await real!.close();
      await readWhileFailing(setup);
      expect(setup.lines.filter((line) => line.includes('"hit.unsaved"')).every((line) => JSON.parse(line).severity === 'WARNING')).toBe(true);

      const reopened = new SqliteStore({ path, retentionDays: 30 });
      try {
        await expectReplayStoresAll(reopened, setup.lines, setup.token);
      } finally {
        await reopened.close();
      }
    } finally {
      await setup.tracker.app.close();
    }
  }, 60_000);
});

describeFirestore('store failure on Firestore', () => {
  let emulator: RunningEmulator;
  let replacement: RunningEmulator | null = null;

  beforeAll(async () => {
    // An emulator of this file's own, since the test stops it.
    emulator = await startFirestoreEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
    await replacement?.stop();
  });

  test('readers unaffected with emulator stopped, hits replayable', async () => {
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
    const projectId = `failure-${randomUUID().slice(0, 8)}`;
    const firestore = new Firestore({ projectId, ignoreUndefinedProperties: true });
    const setup = await startWith(() => new FirestoreStore({ firestore, retentionDays: 30 }));
    const message = await setup.tracker.store.getMessage(setup.token);
    expect(message).not.toBeNull();

    await emulator.stop();
    const started = Date.now();
    await readWhileFailing(setup);
    // Each response waited at most the commit deadline, not for Firestore's retries.
    expect(Date.now() - started).toBeLessThan(15_000);

    const closing = Date.now();
    await setup.tracker.app.close();
    expect(Date.now() - closing).toBeLessThan(10_000);

    // The stopped emulator's data is gone: a new one gets the message back,
    // as a restored database would have it, and replay stores the hits.
    replacement = await startFirestoreEmulator();
    process.env.FIRESTORE_EMULATOR_HOST = replacement.host;
    const restored = new Firestore({ projectId, ignoreUndefinedProperties: true });
    const store = new FirestoreStore({ firestore: restored, retentionDays: 30 });
    await store.createMessage(message!);
    await expectReplayStoresAll(store, setup.lines, setup.token);
    await restored.terminate();
    await firestore.terminate().catch(() => undefined);
  }, 180_000);
});
