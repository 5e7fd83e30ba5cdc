import { randomUUID } from 'node:crypto';
import { Firestore, Query, Timestamp } from '@google-cloud/firestore';
import { COUNTER_SHARDS, FirestoreStore } from '../tracker/store/firestore';
import type { HitRecord } from '../tracker/store/types';
import { describeFirestore } from './support/firestoreEmulator';

/*
 * Firestore bills per document read and written. These tests count what the
 * store does: the emulator does not bill, so reads are counted by wrapping
 * the client's read calls, and writes by comparing documents' update times.
 */

const T0 = Date.parse('2026-03-02T09:00:00Z');
const SUMMARY_READ_BUDGET = 25;

function hit(token: string, at: number, index: number): HitRecord {
  return {
    id: `cost-${index}-${randomUUID()}`,
    token,
    kind: index % 5 === 0 ? 'click' : 'open',
    at,
    method: 'GET',
    url: index % 5 === 0 ? 'https://example.com/' : null,
    ip: null,
    userAgent: 'cost-test',
    location: null,
    proxy: null,
    client: null,
    os: null,
    device: null,
    label: index % 3 === 0 ? 'prefetch' : 'recipient',
  };
}

describeFirestore('Firestore costs', () => {
  let firestore: Firestore;
  let store: FirestoreStore;

  beforeEach(async () => {
    firestore = new Firestore({ projectId: `costs-${randomUUID().slice(0, 8)}`, ignoreUndefinedProperties: true });
    store = new FirestoreStore({ firestore, retentionDays: 30 });
    await store.createMessage({ token: 'tok-a', owner: 'ana@example.com', createdAt: T0, subject: null, recipients: [], sentAt: null, expiresAt: T0 + 30 * 86_400_000 });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await firestore.terminate();
  });

  test('summary reads stay within budget', async () => {
    // 1200 hits in batches spread over time, so both the message document and the shards count.
    for (let batch = 0; batch < 12; batch += 1) {
      await store.recordHits(Array.from({ length: 100 }, (_, i) => hit('tok-a', T0 + batch * 700 + i, batch * 100 + i)));
    }

    let reads = 0;
    const getAll = firestore.getAll.bind(firestore);
    jest.spyOn(firestore, 'getAll').mockImplementation(async (...refs) => {
      const snapshots = await getAll(...(refs as Parameters<Firestore['getAll']>));
      reads += snapshots.length;
      return snapshots;
    });
    const queryGet = Query.prototype.get;
    jest.spyOn(Query.prototype, 'get').mockImplementation(async function (this: Query) {
      const snapshot = await queryGet.call(this);
      // A query that returns nothing is billed as one read.
      reads += Math.max(snapshot.size, 1);
      return snapshot;
    });

    const recentLimit = SUMMARY_READ_BUDGET - 3 - COUNTER_SHARDS;
    const summary = await store.summary('tok-a', recentLimit);
    expect(summary?.totalHits).toBe(1200);
    expect(summary?.recentHits).toHaveLength(recentLimit);
    expect(reads).toBeLessThanOrEqual(SUMMARY_READ_BUDGET);
    expect(reads).toBe(3 + COUNTER_SHARDS + recentLimit);
  });

  test('hit batch writes one counter document', async () => {
    const counterRefs = [firestore.collection('messages').doc('tok-a'), ...Array.from({ length: COUNTER_SHARDS }, (_, i) => firestore.doc(`messages/tok-a/counters/${i}`))];
    const updateTimes = async () => (await firestore.getAll(...counterRefs)).map((snapshot) => snapshot.updateTime?.toMillis() ?? null);

    // Close in time (shard) and far apart (message document): one counter document each time.
    for (const at of [T0 + 10, T0 + 20, T0 + 60_000, T0 + 60_010]) {
      const before = await updateTimes();
      const batch = Array.from({ length: 10 }, (_, i) => hit('tok-a', at + i, at + i));
      await store.recordHits(batch);
      const after = await updateTimes();
      expect(after.filter((time, index) => time !== before[index])).toHaveLength(1);
    }
    expect((await firestore.collection('messages/tok-a/hits').get()).size).toBe(40);
  });

  test('message document moves at most once per step', async () => {
    const message = firestore.collection('messages').doc('tok-a');
    const writes: number[] = [];
    // 50 batches 100 ms apart in hit time: 5 seconds, so at most 5 or 6 message writes.
    for (let i = 0; i < 50; i += 1) {
      const before = (await message.get()).updateTime as Timestamp;
      await store.recordHits([hit('tok-a', T0 + 1000 + i * 100, i)]);
      const after = (await message.get()).updateTime as Timestamp;
      if (!after.isEqual(before)) writes.push(i);
    }
    expect(writes.length).toBeGreaterThanOrEqual(4);
    expect(writes.length).toBeLessThanOrEqual(6);
  });
});
