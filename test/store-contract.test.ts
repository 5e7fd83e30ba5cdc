import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore, Timestamp } from '@google-cloud/firestore';
import { HIT_LABELS, type HitKind, type HitLabel } from '../shared/labels';
import { FirestoreStore } from '../tracker/store/firestore';
import { QUERIES, queriesBuilt, type QueryName } from '../tracker/store/firestore-queries';
import { SqliteStore } from '../tracker/store/sqlite';
import type { HitRecord, MessageRecord, Store } from '../tracker/store/types';
import { describeFirestore } from './support/firestoreEmulator';

/*
 * One suite for the Store interface, run against SQLite (a real file in a temp
 * folder) and Firestore (the emulator). Each test gets an empty store: a new
 * SQLite file, or a new emulator project ID, which the emulator keeps apart.
 */

const DAY = 86_400_000;
const RETENTION_DAYS = 30;
const T0 = Date.parse('2026-03-02T09:00:00Z');

interface Harness {
  open(options?: { maxStoredHitsPerMessage?: number }): Promise<Store>;
  cleanup(): Promise<void>;
}

function sqliteHarness(): Harness {
  const dirs: string[] = [];
  return {
    async open(options = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
      dirs.push(dir);
      return new SqliteStore({ path: join(dir, 'tracker.sqlite'), retentionDays: RETENTION_DAYS, ...options });
    },
    async cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Firestore clients of the stores opened, for reading raw documents. */
const rawClients = new WeakMap<Store, Firestore>();

function firestoreHarness(): Harness {
  const clients: Firestore[] = [];
  return {
    async open(options = {}) {
      const firestore = new Firestore({ projectId: `contract-${randomUUID().slice(0, 8)}`, ignoreUndefinedProperties: true });
      clients.push(firestore);
      const store = new FirestoreStore({ firestore, retentionDays: RETENTION_DAYS, ...options });
      rawClients.set(store, firestore);
      return store;
    },
    async cleanup() {
      for (const client of clients.splice(0)) await client.terminate();
    },
  };
}

function message(token: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    token,
    owner: 'ana@example.com',
    createdAt: T0,
    subject: null,
    recipients: ['bo@example.org'],
    sentAt: null,
    expiresAt: T0 + RETENTION_DAYS * DAY,
    ...overrides,
  };
}

let hitSequence = 0;
function hit(token: string, at: number, overrides: Partial<HitRecord> = {}): HitRecord {
  hitSequence += 1;
  return {
    id: `hit-${hitSequence}-${randomUUID()}`,
    token,
    kind: 'open',
    at,
    method: 'GET',
    url: null,
    ip: '81.2.69.0',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    location: { country: 'GB', region: null, city: null, timeZone: 'Europe/London' },
    proxy: null,
    client: 'Outlook',
    os: 'Windows',
    device: 'desktop',
    label: 'recipient',
    ...overrides,
  };
}

function zeroCounts(): Record<HitKind, Record<HitLabel, number>> {
  const zero = () => Object.fromEntries(HIT_LABELS.map((label) => [label, 0])) as Record<HitLabel, number>;
  return { open: zero(), click: zero() };
}

function contractSuite(harness: Harness): void {
  let store: Store;

  beforeEach(async () => {
    store = await harness.open();
  });
  afterEach(async () => {
    await store.close();
    await harness.cleanup();
  });

  describe('messages', () => {
    test('createMessage then getMessage round trip', async () => {
      const created = message('tok-a', { subject: 'Quarterly report', recipients: ['bo@example.org', 'cy@example.org'], sentAt: T0 + 5000 });
      await store.createMessage(created);
      expect(await store.getMessage('tok-a')).toEqual(created);
    });

    test('getMessage of unknown token is null', async () => {
      expect(await store.getMessage('tok-none')).toBeNull();
    });

    test('createMessage rejects a duplicate token', async () => {
      await store.createMessage(message('tok-a'));
      // Any rejection counts: the error type differs between the stores.
      const outcome = await store.createMessage(message('tok-a', { owner: 'eve@example.com' })).then(
        () => 'stored',
        () => 'rejected',
      );
      expect(outcome).toBe('rejected');
      expect((await store.getMessage('tok-a'))?.owner).toBe('ana@example.com');
    });

    test('updateMessage sets only given fields', async () => {
      await store.createMessage(message('tok-a', { subject: 'Draft' }));
      await store.updateMessage('tok-a', { sentAt: T0 + 60_000 });
      let stored = await store.getMessage('tok-a');
      expect(stored?.sentAt).toBe(T0 + 60_000);
      expect(stored?.subject).toBe('Draft');

      await store.updateMessage('tok-a', { subject: 'Final' });
      stored = await store.getMessage('tok-a');
      expect(stored?.subject).toBe('Final');
      expect(stored?.sentAt).toBe(T0 + 60_000);

      await store.updateMessage('tok-a', { subject: null, sentAt: null });
      stored = await store.getMessage('tok-a');
      expect(stored?.subject).toBeNull();
      expect(stored?.sentAt).toBeNull();
    });

    test('updateMessage of unknown token creates nothing', async () => {
      await store.updateMessage('tok-none', { sentAt: T0 });
      expect(await store.getMessage('tok-none')).toBeNull();
    });
  });

  describe('self-views', () => {
    test('listSelfViews returns views oldest first, once each', async () => {
      await store.createMessage(message('tok-a'));
      await store.createMessage(message('tok-b'));
      await store.addSelfView({ token: 'tok-a', at: T0 + 9000 });
      await store.addSelfView({ token: 'tok-a', at: T0 + 100 });
      await store.addSelfView({ token: 'tok-a', at: T0 + 9000 });
      await store.addSelfView({ token: 'tok-b', at: T0 + 50 });
      expect(await store.listSelfViews('tok-a')).toEqual([
        { token: 'tok-a', at: T0 + 100 },
        { token: 'tok-a', at: T0 + 9000 },
      ]);
    });

    test('self-view of unknown message is not kept', async () => {
      await store.addSelfView({ token: 'tok-none', at: T0 }).catch(() => undefined);
      expect(await store.listSelfViews('tok-none')).toEqual([]);
      expect(await store.getMessage('tok-none')).toBeNull();
    });
  });

  describe('recordHits', () => {
    test('stores hits with every field', async () => {
      await store.createMessage(message('tok-a'));
      const open = hit('tok-a', T0 + 1000, { proxy: 'gmail', location: null, client: 'Gmail', device: null, os: null, ip: null });
      const click = hit('tok-a', T0 + 2000, { kind: 'click', method: 'HEAD', url: 'https://example.com/a?b=1', userAgent: null, label: 'scanner' });
      const result = await store.recordHits([open, click]);
      expect(result.stored.sort()).toEqual([open.id, click.id].sort());
      expect(result.orphaned).toEqual([]);
      expect(await store.listHits('tok-a')).toEqual([open, click]);
    });

    test('replaying a batch stores each hit once', async () => {
      await store.createMessage(message('tok-a'));
      const batch = [hit('tok-a', T0 + 1000), hit('tok-a', T0 + 2000, { kind: 'click', url: 'https://example.com/' })];
      await store.recordHits(batch);
      const again = await store.recordHits(batch);
      expect(again.stored.sort()).toEqual(batch.map((h) => h.id).sort());

      expect(await store.listHits('tok-a')).toHaveLength(2);
      const summary = await store.summary('tok-a', 10);
      expect(summary?.totalHits).toBe(2);
      expect(summary?.counts.open.recipient).toBe(1);
      expect(summary?.counts.click.recipient).toBe(1);
    });

    test('same hit twice in one batch stored once', async () => {
      await store.createMessage(message('tok-a'));
      const once = hit('tok-a', T0 + 1000);
      await store.recordHits([once, once]);
      expect(await store.listHits('tok-a')).toHaveLength(1);
      expect((await store.summary('tok-a', 10))?.totalHits).toBe(1);
    });

    test('hits of unknown messages are orphaned', async () => {
      await store.createMessage(message('tok-a'));
      const kept = hit('tok-a', T0 + 1000);
      const orphan = hit('tok-none', T0 + 1000);
      const result = await store.recordHits([kept, orphan]);
      expect(result.stored).toEqual([kept.id]);
      expect(result.orphaned).toEqual([orphan.id]);
      expect(await store.getMessage('tok-none')).toBeNull();
      expect(await store.listHits('tok-none')).toEqual([]);
    });

    test('hit of deleted message does not restore it', async () => {
      await store.createMessage(message('tok-a'));
      await store.deleteOwner('ana@example.com');
      const late = hit('tok-a', T0 + 5000);
      const result = await store.recordHits([late]);
      expect(result.orphaned).toEqual([late.id]);
      expect(await store.getMessage('tok-a')).toBeNull();
      expect(await store.listHits('tok-a')).toEqual([]);
      expect(await store.activity('ana@example.com', 10, null)).toEqual({ entries: [], next: null });
    });

    test('large batch across messages stored completely', async () => {
      await store.createMessage(message('tok-a'));
      await store.createMessage(message('tok-b'));
      const batch: HitRecord[] = [];
      for (let i = 0; i < 300; i += 1) batch.push(hit(i % 3 === 0 ? 'tok-b' : 'tok-a', T0 + i * 10));
      const result = await store.recordHits(batch);
      expect(result.stored).toHaveLength(300);
      expect(await store.listHits('tok-a')).toHaveLength(200);
      expect(await store.listHits('tok-b')).toHaveLength(100);
      expect((await store.summary('tok-a', 0))?.counts.open.recipient).toBe(200);
    });

    test('hits past the per-message cap are only counted', async () => {
      const capped = await harness.open({ maxStoredHitsPerMessage: 3 });
      try {
        await capped.createMessage(message('tok-a'));
        for (let i = 0; i < 5; i += 1) await capped.recordHits([hit('tok-a', T0 + i * 2000)]);
        expect(await capped.listHits('tok-a')).toHaveLength(3);
        const summary = await capped.summary('tok-a', 10);
        expect(summary?.totalHits).toBe(5);
        expect(summary?.counts.open.recipient).toBe(5);
      } finally {
        await capped.close();
      }
    });
  });

  describe('listHits', () => {
    test('listHits filters from sinceAt, oldest first', async () => {
      await store.createMessage(message('tok-a'));
      const hits = [hit('tok-a', T0 + 3000), hit('tok-a', T0 + 1000), hit('tok-a', T0 + 2000)];
      await store.recordHits(hits);
      expect((await store.listHits('tok-a')).map((h) => h.at)).toEqual([T0 + 1000, T0 + 2000, T0 + 3000]);
      expect((await store.listHits('tok-a', T0 + 2000)).map((h) => h.at)).toEqual([T0 + 2000, T0 + 3000]);
      expect(await store.listHits('tok-a', T0 + 10_000)).toEqual([]);
    });
  });

  describe('summary', () => {
    test('summary of unknown message is null', async () => {
      expect(await store.summary('tok-none', 10)).toBeNull();
    });

    test('summary counts by kind and label', async () => {
      await store.createMessage(message('tok-a', { subject: 'Hello' }));
      await store.recordHits([
        hit('tok-a', T0 + 1000, { label: 'before_send' }),
        hit('tok-a', T0 + 2000),
        hit('tok-a', T0 + 3000, { label: 'prefetch' }),
        hit('tok-a', T0 + 4000),
        hit('tok-a', T0 + 5000, { kind: 'click', url: 'https://example.com/', label: 'scanner' }),
        hit('tok-a', T0 + 6000, { kind: 'click', url: 'https://example.com/' }),
        hit('tok-a', T0 + 7000, { label: 'self' }),
      ]);
      const summary = await store.summary('tok-a', 3);
      const expected = zeroCounts();
      expected.open.before_send = 1;
      expected.open.recipient = 2;
      expected.open.prefetch = 1;
      expected.open.self = 1;
      expected.click.scanner = 1;
      expected.click.recipient = 1;
      expect(summary?.counts).toEqual(expected);
      expect(summary?.totalHits).toBe(7);
      expect(summary?.firstRecipientOpenAt).toBe(T0 + 2000);
      expect(summary?.lastRecipientOpenAt).toBe(T0 + 4000);
      expect(summary?.recentHits.map((h) => h.at)).toEqual([T0 + 7000, T0 + 6000, T0 + 5000]);
      expect(summary?.message.subject).toBe('Hello');
    });

    test('summary without hits has empty totals', async () => {
      await store.createMessage(message('tok-a'));
      const summary = await store.summary('tok-a', 10);
      expect(summary?.counts).toEqual(zeroCounts());
      expect(summary?.totalHits).toBe(0);
      expect(summary?.firstRecipientOpenAt).toBeNull();
      expect(summary?.lastRecipientOpenAt).toBeNull();
      expect(summary?.recentHits).toEqual([]);
    });

    test('summary totals hold for many batches', async () => {
      await store.createMessage(message('tok-a'));
      // Hits close together in time go to the counter shards, hits far apart
      // to the message document: the totals must add up both ways.
      for (let i = 0; i < 20; i += 1) {
        await store.recordHits([hit('tok-a', T0 + i * 300), hit('tok-a', T0 + i * 300 + 1, { kind: 'click', url: 'https://example.com/' })]);
      }
      const summary = await store.summary('tok-a', 5);
      expect(summary?.counts.open.recipient).toBe(20);
      expect(summary?.counts.click.recipient).toBe(20);
      expect(summary?.totalHits).toBe(40);
      expect(summary?.recentHits).toHaveLength(5);
      expect(summary?.lastRecipientOpenAt).toBe(T0 + 19 * 300);
    });
  });

  describe('setLabels', () => {
    test('relabel moves totals and open times', async () => {
      await store.createMessage(message('tok-a'));
      const first = hit('tok-a', T0 + 1000);
      const second = hit('tok-a', T0 + 2000);
      const third = hit('tok-a', T0 + 3000);
      await store.recordHits([first, second, third]);

      await store.setLabels('tok-a', [
        { id: first.id, label: 'self' },
        { id: third.id, label: 'duplicate' },
      ]);
      const summary = await store.summary('tok-a', 10);
      expect(summary?.counts.open.recipient).toBe(1);
      expect(summary?.counts.open.self).toBe(1);
      expect(summary?.counts.open.duplicate).toBe(1);
      expect(summary?.totalHits).toBe(3);
      expect(summary?.firstRecipientOpenAt).toBe(T0 + 2000);
      expect(summary?.lastRecipientOpenAt).toBe(T0 + 2000);
      expect((await store.listHits('tok-a')).map((h) => h.label)).toEqual(['self', 'recipient', 'duplicate']);

      // Back again: totals return to where they started.
      await store.setLabels('tok-a', [
        { id: first.id, label: 'recipient' },
        { id: third.id, label: 'recipient' },
      ]);
      const restored = await store.summary('tok-a', 10);
      const expected = zeroCounts();
      expected.open.recipient = 3;
      expect(restored?.counts).toEqual(expected);
      expect(restored?.firstRecipientOpenAt).toBe(T0 + 1000);
      expect(restored?.lastRecipientOpenAt).toBe(T0 + 3000);
    });

    test('relabel to same label changes nothing', async () => {
      await store.createMessage(message('tok-a'));
      const only = hit('tok-a', T0 + 1000);
      await store.recordHits([only]);
      await store.setLabels('tok-a', [{ id: only.id, label: 'recipient' }]);
      expect((await store.summary('tok-a', 1))?.counts.open.recipient).toBe(1);
    });

    test('relabel ignores unknown and foreign hits', async () => {
      await store.createMessage(message('tok-a'));
      await store.createMessage(message('tok-b'));
      const mine = hit('tok-a', T0 + 1000);
      const other = hit('tok-b', T0 + 1000);
      await store.recordHits([mine, other]);
      await store.setLabels('tok-a', [
        { id: 'hit-missing', label: 'self' },
        { id: other.id, label: 'self' },
      ]);
      expect((await store.summary('tok-a', 1))?.counts.open.recipient).toBe(1);
      expect((await store.summary('tok-b', 1))?.counts.open.recipient).toBe(1);
      expect((await store.listHits('tok-b'))[0].label).toBe('recipient');
    });

    test('relabel rejects unknown label', async () => {
      await store.createMessage(message('tok-a'));
      const only = hit('tok-a', T0 + 1000);
      await store.recordHits([only]);
      await expect(store.setLabels('tok-a', [{ id: only.id, label: 'reader' as HitLabel }])).rejects.toThrow(/reader/);
      expect((await store.listHits('tok-a'))[0].label).toBe('recipient');
    });
  });

  describe('activity', () => {
    test('activity pages newest activity first', async () => {
      for (let i = 0; i < 5; i += 1) await store.createMessage(message(`tok-${i}`, { createdAt: T0 + i * 10_000 }));
      await store.createMessage(message('tok-other', { owner: 'bo@example.com', createdAt: T0 + 99_000 }));
      // An open on the oldest message makes it the most recent activity.
      await store.recordHits([hit('tok-0', T0 + 60_000), hit('tok-0', T0 + 61_000, { label: 'prefetch' })]);
      await store.recordHits([hit('tok-2', T0 + 55_000, { kind: 'click', url: 'https://example.com/' })]);

      const first = await store.activity('ana@example.com', 2, null);
      expect(first.entries.map((e) => e.message.token)).toEqual(['tok-0', 'tok-2']);
      expect(first.entries.map((e) => e.lastActivityAt)).toEqual([T0 + 61_000, T0 + 55_000]);
      expect(first.entries[0].recipientOpens).toBe(1);
      expect(first.entries[0].recipientClicks).toBe(0);
      expect(first.entries[1].recipientClicks).toBe(1);
      expect(first.next).not.toBeNull();

      const second = await store.activity('ana@example.com', 2, first.next);
      expect(second.entries.map((e) => e.message.token)).toEqual(['tok-4', 'tok-3']);
      expect(second.entries[0].lastActivityAt).toBe(T0 + 40_000);
      expect(second.next).not.toBeNull();

      const third = await store.activity('ana@example.com', 2, second.next);
      expect(third.entries.map((e) => e.message.token)).toEqual(['tok-1']);
      expect(third.next).toBeNull();
    });

    test('activity breaks time ties by token', async () => {
      for (const token of ['tok-b', 'tok-c', 'tok-a']) await store.createMessage(message(token));
      const first = await store.activity('ana@example.com', 2, null);
      expect(first.entries.map((e) => e.message.token)).toEqual(['tok-c', 'tok-b']);
      const second = await store.activity('ana@example.com', 2, first.next);
      expect(second.entries.map((e) => e.message.token)).toEqual(['tok-a']);
      expect(second.next).toBeNull();
    });

    test('activity reports exact time of close hits', async () => {
      await store.createMessage(message('tok-a'));
      await store.recordHits([hit('tok-a', T0 + 150)]);
      const page = await store.activity('ana@example.com', 5, null);
      expect(page.entries[0].lastActivityAt).toBe(T0 + 150);
      expect(page.entries[0].recipientOpens).toBe(1);
    });

    test('activity of unknown owner is empty', async () => {
      await store.createMessage(message('tok-a'));
      expect(await store.activity('nobody@example.com', 5, null)).toEqual({ entries: [], next: null });
    });

    test('activity rejects a forged cursor', async () => {
      await expect(store.activity('ana@example.com', 5, 'bm90LWEtY3Vyc29y')).rejects.toThrow(/cursor/);
    });
  });

  describe('deleteOwner', () => {
    test('deleteOwner removes everything of one sender', async () => {
      await store.createMessage(message('tok-a'));
      await store.createMessage(message('tok-b'));
      await store.createMessage(message('tok-keep', { owner: 'bo@example.com' }));
      await store.recordHits([hit('tok-a', T0 + 1000), hit('tok-b', T0 + 2000), hit('tok-keep', T0 + 3000)]);
      await store.addSelfView({ token: 'tok-a', at: T0 + 500 });

      expect(await store.deleteOwner('ana@example.com')).toBe(2);
      expect(await store.getMessage('tok-a')).toBeNull();
      expect(await store.getMessage('tok-b')).toBeNull();
      expect(await store.listHits('tok-a')).toEqual([]);
      expect(await store.listSelfViews('tok-a')).toEqual([]);
      expect(await store.summary('tok-a', 10)).toBeNull();
      expect((await store.activity('ana@example.com', 10, null)).entries).toEqual([]);

      expect(await store.getMessage('tok-keep')).not.toBeNull();
      expect(await store.listHits('tok-keep')).toHaveLength(1);
      expect(await store.deleteOwner('ana@example.com')).toBe(0);
    });

    test('recreated token starts from zero', async () => {
      await store.createMessage(message('tok-a'));
      await store.recordHits([hit('tok-a', T0 + 1000), hit('tok-a', T0 + 1500)]);
      await store.deleteOwner('ana@example.com');
      await store.createMessage(message('tok-a'));
      const summary = await store.summary('tok-a', 10);
      expect(summary?.totalHits).toBe(0);
      expect(summary?.recentHits).toEqual([]);
    });
  });

  describe('purgeExpired', () => {
    test('purgeExpired removes expired messages with hits', async () => {
      const oldStart = T0 - 40 * DAY;
      await store.createMessage(message('tok-old', { createdAt: oldStart, expiresAt: oldStart + RETENTION_DAYS * DAY }));
      await store.createMessage(message('tok-new'));
      await store.recordHits([hit('tok-old', oldStart + DAY)]);
      await store.addSelfView({ token: 'tok-old', at: oldStart + 2 * DAY });

      expect(await store.purgeExpired(T0)).toBe(1);
      expect(await store.getMessage('tok-old')).toBeNull();
      expect(await store.listHits('tok-old')).toEqual([]);
      expect(await store.listSelfViews('tok-old')).toEqual([]);
      expect(await store.getMessage('tok-new')).not.toBeNull();
      expect(await store.purgeExpired(T0)).toBe(0);
    });

    test('a hit extends the retention period', async () => {
      await store.createMessage(message('tok-a', { expiresAt: T0 + RETENTION_DAYS * DAY }));
      const late = T0 + 20 * DAY;
      await store.recordHits([hit('tok-a', late)]);
      expect((await store.getMessage('tok-a'))?.expiresAt).toBe(late + RETENTION_DAYS * DAY);
      expect(await store.purgeExpired(T0 + (RETENTION_DAYS + 1) * DAY)).toBe(0);
      expect(await store.purgeExpired(late + RETENTION_DAYS * DAY)).toBe(1);
    });
  });
}

describe('SqliteStore contract', () => {
  contractSuite(sqliteHarness());
});

describeFirestore('FirestoreStore contract', () => {
  const harness = firestoreHarness();
  contractSuite(harness);

  test('every document kind has an expiresAt Timestamp', async () => {
    const store = await harness.open();
    try {
      await store.createMessage(message('tok-a'));
      await store.addSelfView({ token: 'tok-a', at: T0 + 10 });
      await store.recordHits([hit('tok-a', T0 + 100)]);
      await store.recordHits([hit('tok-a', T0 + 200)]);
      await store.recordHits([hit('tok-a', T0 + 5000)]);

      const db = rawClients.get(store)!;
      const messageRef = db.collection('messages').doc('tok-a');
      const documents = [
        await messageRef.get(),
        ...(await messageRef.collection('hits').get()).docs,
        ...(await messageRef.collection('counters').get()).docs,
        ...(await messageRef.collection('selfViews').get()).docs,
      ];
      const kinds = new Set(documents.map((doc) => doc.ref.parent.id));
      expect([...kinds].sort()).toEqual(['counters', 'hits', 'messages', 'selfViews']);
      for (const doc of documents) {
        expect(doc.get('expiresAt')).toBeInstanceOf(Timestamp);
      }
      const hitDoc = (await messageRef.collection('hits').orderBy('at').limit(1).get()).docs[0];
      expect((hitDoc.get('expiresAt') as Timestamp).toMillis()).toBe(T0 + 100 + RETENTION_DAYS * DAY);
      expect(((await messageRef.get()).get('expiresAt') as Timestamp).toMillis()).toBe(T0 + 5000 + RETENTION_DAYS * DAY);
    } finally {
      await store.close();
      await harness.cleanup();
    }
  });

  afterAll(() => {
    // The index test checks the query table; this checks the store used all of it.
    const unused = (Object.keys(QUERIES) as QueryName[]).filter((name) => !queriesBuilt.has(name));
    expect(unused).toEqual([]);
  });
});
