import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { HIT_LABELS, type HitKind, type HitLabel } from '../../shared/labels';
import type {
  ActivityPage,
  HitRecord,
  LabelChange,
  MessageRecord,
  RecordResult,
  SelfView,
  Store,
  SummaryData,
} from './types';
import { decodeActivityCursor, encodeActivityCursor, emptyCounts } from './common';

/*
 * The embedded store: one SQLite file, created on first start. Per-label totals
 * live in their own table and move in the same transaction as the hits they
 * count, so a summary reads a handful of rows however many hits a message has.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  token TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  subject TEXT,
  recipients TEXT NOT NULL,
  sent_at INTEGER,
  expires_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  stored_hits INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_owner_activity ON messages (owner, last_activity_at DESC, token DESC);
CREATE INDEX IF NOT EXISTS messages_expiry ON messages (expires_at);

CREATE TABLE IF NOT EXISTS hits (
  id TEXT PRIMARY KEY,
  token TEXT NOT NULL REFERENCES messages (token) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  method TEXT NOT NULL,
  url TEXT,
  ip TEXT,
  user_agent TEXT,
  location TEXT,
  proxy TEXT,
  client TEXT,
  os TEXT,
  device TEXT,
  label TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS hits_token_at ON hits (token, at);
CREATE INDEX IF NOT EXISTS hits_token_kind_label_at ON hits (token, kind, label, at);

CREATE TABLE IF NOT EXISTS hit_counts (
  token TEXT NOT NULL REFERENCES messages (token) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (token, kind, label)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS self_views (
  token TEXT NOT NULL REFERENCES messages (token) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  PRIMARY KEY (token, at)
) WITHOUT ROWID;
`;

interface MessageRow {
  token: string;
  owner: string;
  created_at: number;
  subject: string | null;
  recipients: string;
  sent_at: number | null;
  expires_at: number;
  last_activity_at: number;
  stored_hits: number;
}

interface HitRow {
  id: string;
  token: string;
  kind: HitKind;
  at: number;
  method: string;
  url: string | null;
  ip: string | null;
  user_agent: string | null;
  location: string | null;
  proxy: HitRecord['proxy'];
  client: string | null;
  os: string | null;
  device: string | null;
  label: HitLabel;
}

function toMessage(row: MessageRow): MessageRecord {
  return {
    token: row.token,
    owner: row.owner,
    createdAt: row.created_at,
    subject: row.subject,
    recipients: JSON.parse(row.recipients) as string[],
    sentAt: row.sent_at,
    expiresAt: row.expires_at,
  };
}

function toHit(row: HitRow): HitRecord {
  return {
    id: row.id,
    token: row.token,
    kind: row.kind,
    at: row.at,
    method: row.method,
    url: row.url,
    ip: row.ip,
    userAgent: row.user_agent,
    location: row.location ? JSON.parse(row.location) : null,
    proxy: row.proxy,
    client: row.client,
    os: row.os,
    device: row.device,
    label: row.label,
  };
}

export interface SqliteStoreOptions {
  path: string;
  retentionDays: number;
  /** Hits stored one by one per message; later hits only move the totals. */
  maxStoredHitsPerMessage?: number;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly retentionMs: number;
  private readonly maxStoredHits: number;
  private readonly statements;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Checkpoint every 10,000 WAL pages (about 40 MiB) instead of SQLite's 1,000: hits land
    // at random places in four B-trees, so rarer checkpoints write each hot page once for many
    // commits. In batches of 64 this cut the store's CPU per hit from 129-228 us to 91-123 us
    // as a file grew to 38,000 hits (2-core AMD EPYC VM, the benchmark machine).
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.exec(SCHEMA);
    this.retentionMs = options.retentionDays * 86_400_000;
    this.maxStoredHits = options.maxStoredHitsPerMessage ?? Number.MAX_SAFE_INTEGER;

    const db = this.db;
    this.statements = {
      insertMessage: db.prepare(
        `INSERT INTO messages (token, owner, created_at, subject, recipients, sent_at, expires_at, last_activity_at)
         VALUES (@token, @owner, @createdAt, @subject, @recipients, @sentAt, @expiresAt, @createdAt)`,
      ),
      getMessage: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE token = ?'),
      insertHit: db.prepare(
        `INSERT OR IGNORE INTO hits (id, token, kind, at, method, url, ip, user_agent, location, proxy, client, os, device, label)
         VALUES (@id, @token, @kind, @at, @method, @url, @ip, @userAgent, @location, @proxy, @client, @os, @device, @label)`,
      ),
      hitExists: db.prepare<[string], { id: string }>('SELECT id FROM hits WHERE id = ?'),
      addCount: db.prepare(
        `INSERT INTO hit_counts (token, kind, label, count) VALUES (?, ?, ?, ?)
         ON CONFLICT (token, kind, label) DO UPDATE SET count = count + excluded.count`,
      ),
      touchMessage: db.prepare(
        `UPDATE messages SET last_activity_at = MAX(last_activity_at, @at),
           expires_at = MAX(expires_at, @expiresAt), stored_hits = stored_hits + @stored
         WHERE token = @token`,
      ),
      counts: db.prepare<[string], { kind: HitKind; label: HitLabel; count: number }>(
        'SELECT kind, label, count FROM hit_counts WHERE token = ?',
      ),
      // Two subqueries, because SQLite resolves a lone MIN or MAX with one index seek but
      // scans every matching index entry when both are in one query (2 ms at 10,000 hits).
      recipientOpenRange: db.prepare<{ token: string }, { first: number | null; last: number | null }>(
        `SELECT (SELECT MIN(at) FROM hits WHERE token = @token AND kind = 'open' AND label = 'recipient') AS first,
                (SELECT MAX(at) FROM hits WHERE token = @token AND kind = 'open' AND label = 'recipient') AS last`,
      ),
      recentHits: db.prepare<[string, number], HitRow>('SELECT * FROM hits WHERE token = ? ORDER BY at DESC, id DESC LIMIT ?'),
      allHits: db.prepare<[string, number], HitRow>('SELECT * FROM hits WHERE token = ? AND at >= ? ORDER BY at ASC, id ASC'),
      hitLabel: db.prepare<[string, string], { kind: HitKind; label: HitLabel }>('SELECT kind, label FROM hits WHERE id = ? AND token = ?'),
      setLabel: db.prepare('UPDATE hits SET label = ? WHERE id = ?'),
      addSelfView: db.prepare('INSERT OR IGNORE INTO self_views (token, at) VALUES (?, ?)'),
      selfViews: db.prepare<[string], { token: string; at: number }>('SELECT token, at FROM self_views WHERE token = ? ORDER BY at'),
      activity: db.prepare<[string, number, number, string, number], MessageRow>(
        `SELECT * FROM messages WHERE owner = ?
           AND (last_activity_at < ? OR (last_activity_at = ? AND token < ?))
         ORDER BY last_activity_at DESC, token DESC LIMIT ?`,
      ),
      deleteOwner: db.prepare('DELETE FROM messages WHERE owner = ?'),
      purge: db.prepare('DELETE FROM messages WHERE expires_at <= ?'),
    };
  }

  async createMessage(message: MessageRecord): Promise<void> {
    this.statements.insertMessage.run({ ...message, recipients: JSON.stringify(message.recipients) });
  }

  async getMessage(token: string): Promise<MessageRecord | null> {
    const row = this.statements.getMessage.get(token);
    return row ? toMessage(row) : null;
  }

  async updateMessage(token: string, patch: { sentAt?: number | null; subject?: string | null }): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = { token };
    if (patch.sentAt !== undefined) {
      sets.push('sent_at = @sentAt');
      values.sentAt = patch.sentAt;
    }
    if (patch.subject !== undefined) {
      sets.push('subject = @subject');
      values.subject = patch.subject;
    }
    if (sets.length === 0) return;
    this.db.prepare(`UPDATE messages SET ${sets.join(', ')} WHERE token = @token`).run(values);
  }

  async addSelfView(view: SelfView): Promise<void> {
    this.statements.addSelfView.run(view.token, view.at);
  }

  async listSelfViews(token: string): Promise<SelfView[]> {
    return this.statements.selfViews.all(token);
  }

  async recordHits(hits: HitRecord[]): Promise<RecordResult> {
    const result: RecordResult = { stored: [], orphaned: [] };
    const write = this.db.transaction((batch: HitRecord[]) => {
      const known = new Map<string, MessageRow | undefined>();
      for (const hit of batch) {
        if (!known.has(hit.token)) known.set(hit.token, this.statements.getMessage.get(hit.token));
        const message = known.get(hit.token);
        if (!message) {
          result.orphaned.push(hit.id);
          continue;
        }
        if (this.statements.hitExists.get(hit.id)) {
          result.stored.push(hit.id);
          continue;
        }

        // Beyond the per-message cap a hit only moves the totals, so a flood on
        // one pixel cannot grow the store without bound and still goes counted.
        let stored = 0;
        if (message.stored_hits < this.maxStoredHits) {
          this.statements.insertHit.run({ ...hit, location: hit.location ? JSON.stringify(hit.location) : null });
          message.stored_hits += 1;
          stored = 1;
        }
        this.statements.addCount.run(hit.token, hit.kind, hit.label, 1);
        this.statements.touchMessage.run({ token: hit.token, at: hit.at, expiresAt: hit.at + this.retentionMs, stored });
        result.stored.push(hit.id);
      }
    });
    write(hits);
    return result;
  }

  async summary(token: string, recentLimit: number): Promise<SummaryData | null> {
    const row = this.statements.getMessage.get(token);
    if (!row) return null;
    const counts = emptyCounts();
    let totalCounted = 0;
    for (const { kind, label, count } of this.statements.counts.all(token)) {
      counts[kind][label] = count;
      totalCounted += count;
    }
    const range = this.statements.recipientOpenRange.get({ token });
    return {
      message: toMessage(row),
      counts,
      firstRecipientOpenAt: range?.first ?? null,
      lastRecipientOpenAt: range?.last ?? null,
      recentHits: this.statements.recentHits.all(token, recentLimit).map(toHit),
      totalHits: totalCounted,
    };
  }

  async listHits(token: string, sinceAt?: number): Promise<HitRecord[]> {
    return this.statements.allHits.all(token, sinceAt ?? Number.MIN_SAFE_INTEGER).map(toHit);
  }

  async setLabels(token: string, changes: LabelChange[]): Promise<void> {
    const apply = this.db.transaction((list: LabelChange[]) => {
      for (const change of list) {
        if (!HIT_LABELS.includes(change.label)) throw new Error(`unknown hit label "${change.label}"`);
        const current = this.statements.hitLabel.get(change.id, token);
        if (!current || current.label === change.label) continue;
        this.statements.setLabel.run(change.label, change.id);
        this.statements.addCount.run(token, current.kind, current.label, -1);
        this.statements.addCount.run(token, current.kind, change.label, 1);
      }
    });
    apply(changes);
  }

  async activity(owner: string, limit: number, cursor: string | null): Promise<ActivityPage> {
    const after = cursor ? decodeActivityCursor(cursor) : { lastActivityAt: Number.MAX_SAFE_INTEGER, token: '\uffff' };
    const rows = this.statements.activity.all(owner, after.lastActivityAt, after.lastActivityAt, after.token, limit + 1);
    const page = rows.slice(0, limit);
    const entries = page.map((row) => {
      const counts = emptyCounts();
      for (const { kind, label, count } of this.statements.counts.all(row.token)) counts[kind][label] = count;
      return {
        message: toMessage(row),
        lastActivityAt: row.last_activity_at,
        recipientOpens: counts.open.recipient,
        recipientClicks: counts.click.recipient,
      };
    });
    const last = page[page.length - 1];
    const next = rows.length > limit && last ? encodeActivityCursor({ lastActivityAt: last.last_activity_at, token: last.token }) : null;
    return { entries, next };
  }

  async deleteOwner(owner: string): Promise<number> {
    return this.statements.deleteOwner.run(owner).changes;
  }

  async purgeExpired(now: number): Promise<number> {
    return this.statements.purge.run(now).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
