/**
 * Measures the time to relabel every hit of one message with 10,000 hits:
 * the pure `labelMessageHits`, and `relabelMessage` through a SqliteStore in a
 * temporary file (read message, self-views and hits, store the changes).
 *
 * Run: npm run bench:relabel
 * The hit mix is synthetic: Gmail proxy opens, Yahoo retries, Apple MPP
 * prefetches, Outlook opens and clicks with scanner bursts, spread over a week.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HitRecord, SelfView } from '../tracker/store/types';
import { describeReader } from '../tracker/classify/reader';
import { labelMessageHits, labelOnArrival } from '../tracker/classify/labels';
import { relabelMessage } from '../tracker/classify/relabel';
import { truncateIp } from '../tracker/classify/ip';
import { SqliteStore } from '../tracker/store/sqlite';

const HIT_COUNT = 10_000;
const PURE_ROUNDS = 20;
const STORE_ROUNDS = 5;
const TOKEN = 'B'.repeat(32);
const CREATED_AT = Date.UTC(2026, 2, 2, 9, 0, 0);
const SENT_AT = CREATED_AT + 60_000;

const READERS: { userAgent: string; ip: string; kind: 'open' | 'click' }[] = [
  { userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)', ip: '66.249.93.17', kind: 'open' },
  { userAgent: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html', ip: '74.6.231.20', kind: 'open' },
  { userAgent: 'Mozilla/5.0', ip: '17.58.63.10', kind: 'open' },
  { userAgent: 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; Microsoft Outlook 16.0.9126; ms-office; MSOffice 16)', ip: '81.2.69.142', kind: 'open' },
  { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', ip: '3.235.1.1', kind: 'click' },
];

/** Builds the hits deterministically (a fixed linear congruential sequence, no Math.random). */
function makeHits(): HitRecord[] {
  const facts = READERS.map((reader) => describeReader(reader.ip, reader.userAgent));
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  const hits: HitRecord[] = [];
  let at = SENT_AT - 30_000;

  for (let index = 0; index < HIT_COUNT; index += 1) {
    at += next() % 120_000;
    const which = index % READERS.length;
    const reader = READERS[which];
    const partial = {
      id: `hit-${String(index).padStart(6, '0')}`,
      token: TOKEN,
      kind: reader.kind,
      at,
      method: 'GET',
      url: reader.kind === 'click' ? `https://example.com/page-${next() % 5}` : null,
      ip: truncateIp(reader.ip),
      userAgent: reader.userAgent,
      ...facts[which],
    };
    hits.push({ ...partial, label: labelOnArrival(partial) });
  }
  return hits;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const hits = makeHits();
  const selfViews: SelfView[] = [0, 1, 2, 3].map((n) => ({ token: TOKEN, at: SENT_AT + n * 3_600_000 }));

  const pureTimes: number[] = [];
  let changed = 0;
  for (let round = 0; round < PURE_ROUNDS; round += 1) {
    const start = performance.now();
    changed = labelMessageHits({ sentAt: SENT_AT }, selfViews, hits).length;
    pureTimes.push(performance.now() - start);
  }

  const dir = mkdtempSync(join(tmpdir(), 'bench-relabel-'));
  const store = new SqliteStore({ path: join(dir, 'tracker.sqlite'), retentionDays: 30 });
  const storeTimes: number[] = [];
  const storeChanges: number[] = [];
  try {
    await store.createMessage({
      token: TOKEN,
      owner: 'bench@example.com',
      createdAt: CREATED_AT,
      subject: null,
      recipients: [],
      sentAt: null,
      expiresAt: CREATED_AT + 30 * 86_400_000,
    });
    await store.recordHits(hits);
    for (const view of selfViews) await store.addSelfView(view);

    // Alternate the send time by three days, so that every round moves about
    // half of the hits into or out of "before send" and writes those changes.
    for (let round = 0; round < STORE_ROUNDS; round += 1) {
      await store.updateMessage(TOKEN, { sentAt: round % 2 === 0 ? SENT_AT + 3 * 86_400_000 : SENT_AT });
      const start = performance.now();
      const changes = await relabelMessage(store, TOKEN);
      storeTimes.push(performance.now() - start);
      storeChanges.push(changes.length);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`relabel of one message with ${HIT_COUNT} hits (${changed} labels change on the first pure run)`);
  console.log(`  labelMessageHits (pure):           median ${median(pureTimes).toFixed(1)} ms, max ${Math.max(...pureTimes).toFixed(1)} ms over ${PURE_ROUNDS} runs`);
  console.log(`  relabelMessage through SqliteStore: median ${median(storeTimes).toFixed(1)} ms, max ${Math.max(...storeTimes).toFixed(1)} ms over ${STORE_ROUNDS} runs (${storeChanges.join(', ')} labels written)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
