import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { systemClock } from '../tracker/app';
import { HitCollector, replayHits } from '../tracker/cli/replay';
import { FirestoreStore } from '../tracker/store/firestore';
import type { HitRecord, Store } from '../tracker/store/types';
import { describeFirestore } from './support/firestoreEmulator';
import { loadIndex, memoryLogger, sendLoad } from './support/pixelLoad';
import { startTestTracker, type TestTracker } from './support/tracker';

/*
 * Floods one pixel with concurrent requests through a real port, group commit
 * on, and checks that each acknowledged request has exactly one stored hit,
 * counting also the hits logged for replay.
 */

const REQUESTS = 3000;
const CONCURRENCY = 64;

function perRequest(hits: HitRecord[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const hit of hits) {
    const index = loadIndex(hit.userAgent);
    if (index !== null) counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  return counts;
}

/** Floods a tracker on `openStore`'s store, or on SQLite in a temp folder when it is omitted. */
async function floodAndCheck(openStore?: () => Store): Promise<void> {
  const { logger, lines } = memoryLogger('warn');
  const tracker: TestTracker = await startTestTracker({
    listen: true,
    store: openStore,
    env: { BATCH_MAX_WAIT_MS: '5', BATCH_MAX_HITS: '200', COMMIT_DEADLINE_MS: '5000' },
    deps: { logger, clock: systemClock },
  });
  let closed = false;
  try {
    const created = await tracker.app.inject({
      method: 'POST',
      url: '/api/messages',
      headers: { authorization: `Bearer ${tracker.tokenFor('ana@example.com')}` },
      payload: { recipients: ['bo@example.org'] },
    });
    const token = created.json().token as string;

    const results = await sendLoad((index) => `${tracker.url}o/${token}.gif?n=${index}`, REQUESTS, CONCURRENCY);
    const acknowledged = results.filter((result) => result.status === 200);
    expect(acknowledged).toHaveLength(REQUESTS);
    expect(new Set(acknowledged.map((result) => result.contentType))).toEqual(new Set(['image/gif']));

    const stats = { ...tracker.app.context.hitWriter.stats };
    await tracker.app.close();
    closed = true;

    // Hits logged past their deadline may have been committed after all;
    // replaying them must not store them twice.
    const collector = new HitCollector();
    lines.forEach((line, index) => collector.addLine(line, index + 1));
    await replayHits(tracker.store, collector);

    const counts = perRequest(await tracker.store.listHits(token));
    const missing = acknowledged.filter((result) => counts.get(result.index) !== 1).map((result) => result.index);
    expect(missing).toEqual([]);
    expect(counts.size).toBe(REQUESTS);
    expect((await tracker.store.summary(token, 0))?.totalHits).toBe(REQUESTS);
    // Group commit took effect: far fewer commits than hits.
    expect(stats.hits).toBe(REQUESTS);
    expect(stats.commits).toBeLessThan(REQUESTS / 2);
  } finally {
    if (!closed) await tracker.app.close();
    await tracker.close();
  }
}

describe('pixel flood on SQLite', () => {
  test('every acknowledged hit stored once', async () => {
    await floodAndCheck();
  }, 120_000);
});

describeFirestore('pixel flood on Firestore', () => {
  test('every acknowledged hit stored once', async () => {
    const firestore = new Firestore({ projectId: `flood-${randomUUID().slice(0, 8)}`, ignoreUndefinedProperties: true });
    await floodAndCheck(() => new FirestoreStore({ firestore, retentionDays: 30 }));
    await firestore.terminate();
  }, 180_000);
});
