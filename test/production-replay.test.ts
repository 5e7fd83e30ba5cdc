import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { collectHits, HitCollector, hitProblem, replayHits } from '../tracker/cli/replay';
import { SqliteStore } from '../tracker/store/sqlite';
import type { HitRecord } from '../tracker/store/types';

/* Reading unsaved-hit log lines in each export format, and replaying them into a real SQLite file. */

const T0 = Date.parse('2026-03-02T09:00:00Z');

function hit(id: string, token = 'tok-a'): HitRecord {
  return {
    id,
    token,
    kind: 'open',
    at: T0 + 1000,
    method: 'GET',
    url: null,
    ip: '81.2.69.0',
    userAgent: 'Mozilla/5.0',
    location: { country: 'GB', region: null, city: null, timeZone: null },
    proxy: null,
    client: null,
    os: null,
    device: null,
    label: 'recipient',
  };
}

const logLine = (record: HitRecord) => JSON.stringify({ severity: 'WARNING', event: 'hit.unsaved', reason: 'store write failed', hit: record, message: 'hit not saved' });

describe('replay input', () => {
  test('reads tracker lines and Cloud Logging entries', async () => {
    const input = [
      logLine(hit('h-1')),
      JSON.stringify({ jsonPayload: JSON.parse(logLine(hit('h-2'))), severity: 'WARNING', resource: { type: 'cloud_run_revision' } }),
      JSON.stringify({ severity: 'INFO', event: 'server.started' }),
      '',
      logLine(hit('h-1')),
    ].join('\n');
    const collector = await collectHits(Readable.from([input]));
    expect([...collector.hits.keys()].sort()).toEqual(['h-1', 'h-2']);
    expect(collector.report.entries).toBe(4);
    expect(collector.report.skipped).toBe(1);
    expect(collector.report.invalid).toEqual([]);
    expect(collector.hits.get('h-2')).toEqual(hit('h-2'));
  });

  test('reads a gcloud JSON array export', async () => {
    const entries = [hit('h-1'), hit('h-2')].map((record) => ({ jsonPayload: JSON.parse(logLine(record)) }));
    const collector = await collectHits(Readable.from([JSON.stringify(entries, null, 2)]));
    expect([...collector.hits.keys()].sort()).toEqual(['h-1', 'h-2']);
    expect(collector.report.invalid).toEqual([]);
  });

  test('reports bad lines with numbers', async () => {
    const collector = await collectHits(Readable.from([['not json', logLine({ ...hit('h-1'), kind: 'view' as never })].join('\n')]));
    expect(collector.hits.size).toBe(0);
    expect(collector.report.invalid).toHaveLength(2);
    expect(collector.report.invalid[0].line).toBe(1);
    expect(collector.report.invalid[0].error).toMatch(/not JSON/);
    expect(collector.report.invalid[1]).toEqual({ line: 2, error: 'hit.kind is "view", expected "open" or "click"' });
  });

  test('hitProblem rejects malformed fields', () => {
    expect(hitProblem(hit('h-1'))).toBeNull();
    expect(hitProblem({ ...hit('h-1'), id: '' })).toMatch(/hit.id/);
    expect(hitProblem({ ...hit('h-1'), id: 'a/b' })).toMatch(/hit.id/);
    expect(hitProblem({ ...hit('h-1'), token: 'tok a' })).toMatch(/hit.token/);
    expect(hitProblem({ ...hit('h-1'), at: '2026-03-02' })).toMatch(/hit.at/);
    expect(hitProblem({ ...hit('h-1'), label: 'reader' })).toMatch(/hit.label is "reader"/);
    expect(hitProblem({ ...hit('h-1'), userAgent: 42 })).toMatch(/hit.userAgent/);
    expect(hitProblem({ ...hit('h-1'), location: 'GB' })).toMatch(/hit.location/);
    expect(hitProblem(null)).toMatch(/not an object/);
  });
});

describe('replay into SQLite', () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'replay-'));
    store = new SqliteStore({ path: join(dir, 'tracker.sqlite'), retentionDays: 30 });
    await store.createMessage({ token: 'tok-a', owner: 'ana@example.com', createdAt: T0, subject: null, recipients: [], sentAt: null, expiresAt: T0 + 30 * 86_400_000 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('replaying twice stores each hit once', async () => {
    const lines = [logLine(hit('h-1')), logLine(hit('h-2')), logLine(hit('h-3', 'tok-deleted'))];
    for (let round = 0; round < 2; round += 1) {
      const collector = new HitCollector();
      lines.forEach((line, index) => collector.addLine(line, index + 1));
      const report = await replayHits(store, collector);
      expect(report.hits).toBe(3);
      expect(report.stored).toBe(2);
      expect(report.orphaned).toBe(1);
    }
    expect((await store.listHits('tok-a')).map((record) => record.id).sort()).toEqual(['h-1', 'h-2']);
    expect((await store.summary('tok-a', 0))?.totalHits).toBe(2);
    expect(await store.getMessage('tok-deleted')).toBeNull();
  });
});
