import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HitRecord } from '../tracker/store/types';
import { SqliteStore } from '../tracker/store/sqlite';
import { Relabeller, relabelMessage, RELABEL_LOOKBACK_MS } from '../tracker/classify/relabel';
import { UA } from './fixtures/hits-corpus';

const TOKEN = 'C'.repeat(32);
const CREATED = Date.UTC(2026, 3, 1, 8, 0, 0);
const SENT = CREATED + 60_000;

function open(id: string, at: number, label: HitRecord['label'] = 'recipient'): HitRecord {
  return {
    id,
    token: TOKEN,
    kind: 'open',
    at,
    method: 'GET',
    url: null,
    ip: '74.6.231.0',
    userAgent: UA.yahooProxy,
    location: null,
    proxy: 'yahoo',
    client: 'Yahoo Mail',
    os: null,
    device: null,
    label,
  };
}

describe('relabelMessage through SqliteStore', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'classify-relabel-'));
    store = new SqliteStore({ path: join(dir, 'tracker.sqlite'), retentionDays: 30 });
    await store.createMessage({ token: TOKEN, owner: 'ana@example.com', createdAt: CREATED, subject: null, recipients: [], sentAt: SENT, expiresAt: CREATED + 86_400_000 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('full relabel stores labels and moves the totals', async () => {
    await store.recordHits([open('h1', SENT - 5_000), open('h2', SENT + 600_000), open('h3', SENT + 601_000)]);

    const changes = await relabelMessage(store, TOKEN);
    expect(changes).toEqual([
      { id: 'h1', label: 'before_send' },
      { id: 'h3', label: 'duplicate' },
    ]);
    const summary = await store.summary(TOKEN, 10);
    expect(summary?.counts.open.recipient).toBe(1);
    expect(summary?.counts.open.before_send).toBe(1);
    expect(summary?.counts.open.duplicate).toBe(1);
    expect(await relabelMessage(store, TOKEN)).toEqual([]);
  });

  test('windowed relabel changes only hits in the window', async () => {
    const batchAt = SENT + 3_600_000;
    // h1 is wrongly labelled but before the look-back; h2 is context; h3 is new.
    await store.recordHits([open('h1', SENT - 5_000), open('h2', batchAt - 2_000), open('h3', batchAt)]);

    const changes = await relabelMessage(store, TOKEN, batchAt);
    expect(changes).toEqual([{ id: 'h3', label: 'duplicate' }]);
    const labels = (await store.listHits(TOKEN)).map((hit) => [hit.id, hit.label]);
    expect(labels).toEqual([
      ['h1', 'recipient'],
      ['h2', 'recipient'],
      ['h3', 'duplicate'],
    ]);
  });

  test('look-back reaches the previous kept open', async () => {
    const batchAt = SENT + 7_200_000;
    await store.recordHits([open('h1', batchAt - 9_000), open('h2', batchAt)]);
    expect(RELABEL_LOOKBACK_MS).toBeGreaterThan(9_000);
    expect(await relabelMessage(store, TOKEN, batchAt)).toEqual([{ id: 'h2', label: 'duplicate' }]);
  });

  test('unknown message changes nothing', async () => {
    expect(await relabelMessage(store, 'D'.repeat(32))).toEqual([]);
  });

  test('Relabeller ends with the newest facts applied', async () => {
    const errors: object[] = [];
    const relabeller = new Relabeller(store, { error: (details) => errors.push(details) });
    await store.recordHits([open('h1', SENT + 10_000)]);

    // A windowed relabel queued first must not undo the full one queued after
    // a new send time.
    relabeller.afterCommit([open('h1', SENT + 10_000)]);
    await store.updateMessage(TOKEN, { sentAt: SENT + 60_000 });
    const full = relabeller.relabel(TOKEN);
    await relabeller.drain();

    await full;
    expect((await store.listHits(TOKEN))[0].label).toBe('before_send');
    expect((await store.summary(TOKEN, 1))?.counts.open).toMatchObject({ recipient: 0, before_send: 1 });
    expect(errors).toEqual([]);
  });

  test('Relabeller logs a failed relabel', async () => {
    const errors: { event?: string }[] = [];
    const relabeller = new Relabeller(store, { error: (details) => errors.push(details as { event?: string }) });
    await store.close();

    // Clicks always get a windowed relabel; opens only near a self-view.
    relabeller.afterCommit([{ ...open('h1', SENT + 10_000), kind: 'click', url: 'https://example.com/' }]);
    await relabeller.drain();
    expect(errors.map((entry) => entry.event)).toEqual(['relabel.failed']);
    store = new SqliteStore({ path: join(dir, 'tracker.sqlite'), retentionDays: 30 });
  });

  test('Relabeller marks a repeat open on arrival', () => {
    const relabeller = new Relabeller(store, { error: () => undefined });
    expect(relabeller.labelArrival(open('h1', SENT + 10_000))).toBe('recipient');
    expect(relabeller.labelArrival(open('h2', SENT + 15_000))).toBe('duplicate');
    expect(relabeller.labelArrival({ ...open('h3', SENT + 16_000), ip: '198.51.100.0' })).toBe('recipient');
    expect(relabeller.labelArrival(open('h4', SENT + 21_000))).toBe('recipient');
  });

  test('Relabeller relabels opens near a self-view', async () => {
    const relabeller = new Relabeller(store, { error: () => undefined }, 60_000);
    await store.addSelfView({ token: TOKEN, at: SENT + 100_000 });
    const hit = { ...open('h1', SENT + 103_000), proxy: 'gmail' as const };
    await store.recordHits([hit]);

    relabeller.afterCommit([hit]);
    await relabeller.drain();
    expect((await store.listHits(TOKEN))[0].label).toBe('recipient');

    relabeller.noteSelfView(TOKEN, SENT + 100_000);
    relabeller.afterCommit([hit]);
    await relabeller.drain();
    expect((await store.listHits(TOKEN))[0].label).toBe('self');
  });
});
