import { randomInt } from 'node:crypto';
import {
  FieldValue,
  Firestore,
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  type Transaction,
} from '@google-cloud/firestore';
import { HIT_LABELS, type HitKind, type HitLabel } from '../../shared/labels';
import { decodeActivityCursor, emptyCounts, encodeActivityCursor } from './common';
import { buildQuery } from './firestore-queries';
import type {
  ActivityEntry,
  ActivityPage,
  HitRecord,
  LabelChange,
  MessageRecord,
  RecordResult,
  SelfView,
  Store,
  SummaryData,
} from './types';

/*
 * The production store on Firestore. docs/firestore.md explains the data model;
 * in short:
 *
 *   messages/{token}                message fields, owner, lastActivityAt, and
 *                                   counter slot "m" (counts, storedHits)
 *   messages/{token}/counters/{0-3} counter shards: counts, storedHits,
 *                                   lastActivityAt (maximum)
 *   messages/{token}/hits/{hitId}   one document per stored hit
 *   messages/{token}/selfViews/{at} one document per self-view
 *
 * A batch of hits costs one document write per new hit plus one counter write
 * per message in the batch. That counter write goes to the message document
 * when its lastActivityAt is at least ACTIVITY_STEP_MS older than the batch,
 * and to a random shard otherwise. So the feed's sort key and the expiry move
 * forward without a write of their own, and the message document takes about
 * one write a second at most. Every document has an `expiresAt` Timestamp for
 * a TTL policy.
 */

export const COUNTER_SHARDS = 4;
/** Minimum step of hit time between two counter writes to the message document. */
export const ACTIVITY_STEP_MS = 1000;
/** Hits per transaction: each new hit is one write and each message one more, under Firestore's 500 writes per commit. */
const HITS_PER_TRANSACTION = 240;
/** Documents deleted per page in deleteOwner and purgeExpired. */
const DELETE_PAGE_SIZE = 300;

const DEFAULT_WRITE_TIMEOUT_MS = 5000;

const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

export interface FirestoreStoreOptions {
  /** An existing client (tests); otherwise one is made from projectId and databaseId. */
  firestore?: Firestore;
  /** Google Cloud project; null lets the client library find it (Cloud Run, or the emulator). */
  projectId?: string | null;
  databaseId?: string;
  retentionDays: number;
  /** Hits stored one by one per message; later hits only move the totals. */
  maxStoredHitsPerMessage?: number;
  /**
   * Milliseconds after which recordHits rejects although Firestore may still
   * commit. The client library retries an unreachable backend for minutes,
   * which would hold the group-commit slots and the shutdown that long.
   */
  writeTimeoutMs?: number;
}

type Counts = Record<HitKind, Record<HitLabel, number>>;

interface CounterFields {
  counts?: Partial<Record<HitKind, Partial<Record<HitLabel, number>>>>;
  storedHits?: number;
  lastActivityAt?: number;
}

/** Counter increments of one batch for one message. */
interface CounterDelta {
  counts: Map<string, number>;
  storedHits: number;
  maxAt: number;
}

function isGrpcCode(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function toTimestamp(ms: number): Timestamp {
  return Timestamp.fromMillis(ms);
}

function addCounts(target: Counts, fields: CounterFields | undefined): void {
  if (!fields?.counts) return;
  for (const kind of ['open', 'click'] as const) {
    for (const label of HIT_LABELS) {
      const value = fields.counts[kind]?.[label];
      if (typeof value === 'number') target[kind][label] += value;
    }
  }
}

function toMessage(snapshot: DocumentSnapshot): MessageRecord {
  const data = snapshot.data() as DocumentData;
  return {
    token: snapshot.id,
    owner: data.owner,
    createdAt: data.createdAt,
    subject: data.subject ?? null,
    recipients: data.recipients ?? [],
    sentAt: data.sentAt ?? null,
    expiresAt: (data.expiresAt as Timestamp).toMillis(),
  };
}

function toHit(token: string, snapshot: DocumentSnapshot): HitRecord {
  const data = snapshot.data() as DocumentData;
  return {
    id: snapshot.id,
    token,
    kind: data.kind,
    at: data.at,
    method: data.method,
    url: data.url ?? null,
    ip: data.ip ?? null,
    userAgent: data.userAgent ?? null,
    location: data.location ?? null,
    proxy: data.proxy ?? null,
    client: data.client ?? null,
    os: data.os ?? null,
    device: data.device ?? null,
    label: data.label,
  };
}

function hitFields(hit: HitRecord, expiresAt: Timestamp): DocumentData {
  return {
    kind: hit.kind,
    at: hit.at,
    method: hit.method,
    url: hit.url,
    ip: hit.ip,
    userAgent: hit.userAgent,
    location: hit.location,
    proxy: hit.proxy,
    client: hit.client,
    os: hit.os,
    device: hit.device,
    label: hit.label,
    expiresAt,
  };
}

/** Zero-padded so that document IDs sort in time order. */
function selfViewId(at: number): string {
  return String(at).padStart(16, '0');
}

export class FirestoreStore implements Store {
  private readonly db: Firestore;
  private readonly ownsClient: boolean;
  private readonly retentionMs: number;
  private readonly maxStoredHits: number;
  private readonly writeTimeoutMs: number;
  /**
   * Messages whose document a transaction of this process is writing. Others
   * send their counters to shards meanwhile: two transactions that both read
   * and then write one document deadlock, and one of them must retry.
   */
  private readonly messageWrites = new Set<string>();
  /** recordHits calls not yet settled, including those past their timeout. */
  private writesInFlight = 0;

  constructor(options: FirestoreStoreOptions) {
    this.ownsClient = !options.firestore;
    this.db =
      options.firestore ??
      new Firestore({
        ...(options.projectId ? { projectId: options.projectId } : {}),
        databaseId: options.databaseId ?? '(default)',
        ignoreUndefinedProperties: true,
      });
    this.retentionMs = options.retentionDays * 86_400_000;
    this.maxStoredHits = options.maxStoredHitsPerMessage ?? Number.MAX_SAFE_INTEGER;
    this.writeTimeoutMs = options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS;
  }

  private messages() {
    return this.db.collection('messages');
  }

  private messageRef(token: string): DocumentReference {
    return this.messages().doc(token);
  }

  private shardRefs(token: string): DocumentReference[] {
    const counters = this.messageRef(token).collection('counters');
    return Array.from({ length: COUNTER_SHARDS }, (_, index) => counters.doc(String(index)));
  }

  async createMessage(message: MessageRecord): Promise<void> {
    await this.messageRef(message.token).create({
      owner: message.owner,
      createdAt: message.createdAt,
      subject: message.subject,
      recipients: message.recipients,
      sentAt: message.sentAt,
      expiresAt: toTimestamp(message.expiresAt),
      lastActivityAt: message.createdAt,
      storedHits: 0,
    });
  }

  async getMessage(token: string): Promise<MessageRecord | null> {
    const snapshot = await this.messageRef(token).get();
    return snapshot.exists ? toMessage(snapshot) : null;
  }

  async updateMessage(token: string, patch: { sentAt?: number | null; subject?: string | null }): Promise<void> {
    const fields: DocumentData = {};
    if (patch.sentAt !== undefined) fields.sentAt = patch.sentAt;
    if (patch.subject !== undefined) fields.subject = patch.subject;
    if (Object.keys(fields).length === 0) return;
    try {
      await this.messageRef(token).update(fields);
    } catch (error) {
      // Like an SQL UPDATE of no row: updating a message that does not exist changes nothing.
      if (!isGrpcCode(error, NOT_FOUND)) throw error;
    }
  }

  async addSelfView(view: SelfView): Promise<void> {
    // In a transaction with a read of the message, so a self-view never lands
    // under a message that deleteOwner has just removed.
    const messageRef = this.messageRef(view.token);
    await this.db.runTransaction(async (tx) => {
      const message = await tx.get(messageRef);
      if (!message.exists) throw new Error(`message ${view.token} not found; a self-view needs an existing message`);
      tx.set(messageRef.collection('selfViews').doc(selfViewId(view.at)), {
        at: view.at,
        expiresAt: toTimestamp(view.at + this.retentionMs),
      });
    });
  }

  async listSelfViews(token: string): Promise<SelfView[]> {
    const snapshot = await buildQuery(this.messageRef(token).collection('selfViews'), 'selfViews').get();
    return snapshot.docs.map((doc) => ({ token, at: doc.get('at') as number }));
  }

  async recordHits(hits: HitRecord[]): Promise<RecordResult> {
    const result: RecordResult = { stored: [], orphaned: [] };
    for (let start = 0; start < hits.length; start += HITS_PER_TRANSACTION) {
      const chunk = hits.slice(start, start + HITS_PER_TRANSACTION);
      this.writesInFlight += 1;
      const work = this.recordChunk(chunk).finally(() => {
        this.writesInFlight -= 1;
      });
      const part = await this.withTimeout(work, `committing ${chunk.length} hits`);
      result.stored.push(...part.stored);
      result.orphaned.push(...part.orphaned);
    }
    return result;
  }

  /**
   * Rejects when `work` takes longer than the write timeout. A write that
   * commits after that is harmless: the hit writer has logged its hits, and
   * replaying them later stores each once.
   */
  private async withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Firestore timed out ${what} after ${this.writeTimeoutMs} ms`)), this.writeTimeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stored hit counts per message from the shards, read outside the transaction (see the NOTE below). */
  private async shardStoredHits(tokens: string[]): Promise<Map<string, number>> {
    const stored = new Map<string, number>(tokens.map((token) => [token, 0]));
    if (this.maxStoredHits === Number.MAX_SAFE_INTEGER || tokens.length === 0) return stored;
    const snapshots = await this.db.getAll(...tokens.flatMap((token) => this.shardRefs(token)));
    for (const snapshot of snapshots) {
      const token = snapshot.ref.parent.parent!.id;
      stored.set(token, (stored.get(token) ?? 0) + ((snapshot.get('storedHits') as number | undefined) ?? 0));
    }
    return stored;
  }

  private async recordChunk(hits: HitRecord[]): Promise<RecordResult> {
    const tokens = [...new Set(hits.map((hit) => hit.token))];
    // NOTE: the per-message cap reads the shards outside the transaction, so
    // batches committing at the same moment can each store up to their own
    // size past it. Reading the shards inside would make every concurrent
    // batch of a busy message conflict.
    const shardStored = await this.shardStoredHits(tokens);

    const claimed = new Set<string>();
    try {
      return await this.db.runTransaction(async (tx) => {
        for (const token of claimed) this.messageWrites.delete(token);
        claimed.clear();
        return this.recordInTransaction(tx, hits, tokens, shardStored, claimed);
      });
    } finally {
      for (const token of claimed) this.messageWrites.delete(token);
    }
  }

  private async recordInTransaction(
    tx: Transaction,
    hits: HitRecord[],
    tokens: string[],
    shardStored: Map<string, number>,
    claimed: Set<string>,
  ): Promise<RecordResult> {
    const result: RecordResult = { stored: [], orphaned: [] };
    const messageSnapshots = await tx.getAll(...tokens.map((token) => this.messageRef(token)));
    const messages = new Map(messageSnapshots.filter((s) => s.exists).map((s) => [s.id, s]));

    const candidates = hits.filter((hit) => messages.has(hit.token));
    const seen = new Set<string>();
    const unique = candidates.filter((hit) => !seen.has(hit.id) && seen.add(hit.id));
    const existing = new Set<string>();
    if (unique.length > 0) {
      const hitSnapshots = await tx.getAll(...unique.map((hit) => this.messageRef(hit.token).collection('hits').doc(hit.id)));
      for (const snapshot of hitSnapshots) if (snapshot.exists) existing.add(`${snapshot.ref.parent.parent!.id}/${snapshot.id}`);
    }

    const storedCount = new Map<string, number>();
    for (const [token, snapshot] of messages) {
      storedCount.set(token, ((snapshot.get('storedHits') as number | undefined) ?? 0) + (shardStored.get(token) ?? 0));
    }
    const deltas = new Map<string, CounterDelta>();
    const written = new Set<string>();

    for (const hit of hits) {
      if (!messages.has(hit.token)) {
        result.orphaned.push(hit.id);
        continue;
      }
      const key = `${hit.token}/${hit.id}`;
      result.stored.push(hit.id);
      if (existing.has(key) || written.has(key)) continue;
      written.add(key);

      // Beyond the per-message cap a hit only moves the totals.
      const delta = deltas.get(hit.token) ?? { counts: new Map<string, number>(), storedHits: 0, maxAt: Number.MIN_SAFE_INTEGER };
      deltas.set(hit.token, delta);
      const countKey = `${hit.kind}.${hit.label}`;
      delta.counts.set(countKey, (delta.counts.get(countKey) ?? 0) + 1);
      delta.maxAt = Math.max(delta.maxAt, hit.at);
      const stored = storedCount.get(hit.token) ?? 0;
      if (stored < this.maxStoredHits) {
        tx.create(this.messageRef(hit.token).collection('hits').doc(hit.id), hitFields(hit, toTimestamp(hit.at + this.retentionMs)));
        storedCount.set(hit.token, stored + 1);
        delta.storedHits += 1;
      }
    }

    for (const [token, delta] of deltas) this.writeCounters(tx, messages.get(token)!, delta, claimed);
    return result;
  }

  /** Writes one batch's counter increments for one message: to the message document or to a random shard. */
  private writeCounters(tx: Transaction, message: DocumentSnapshot, delta: CounterDelta, claimed: Set<string>): void {
    const increments: DocumentData = {};
    for (const [countKey, value] of delta.counts) increments[`counts.${countKey}`] = FieldValue.increment(value);
    if (delta.storedHits > 0) increments.storedHits = FieldValue.increment(delta.storedHits);

    const lastActivityAt = message.get('lastActivityAt') as number;
    if (delta.maxAt >= lastActivityAt + ACTIVITY_STEP_MS && !this.messageWrites.has(message.id)) {
      this.messageWrites.add(message.id);
      claimed.add(message.id);
      const expiresAt = Math.max((message.get('expiresAt') as Timestamp).toMillis(), delta.maxAt + this.retentionMs);
      tx.update(message.ref, { ...increments, lastActivityAt: delta.maxAt, expiresAt: toTimestamp(expiresAt) });
      return;
    }

    // `set` with merge takes dotted keys literally, so the shard gets nested maps.
    const shard = this.shardRefs(message.id)[randomInt(COUNTER_SHARDS)];
    const counts: Record<string, Record<string, FieldValue>> = {};
    for (const [countKey, value] of delta.counts) {
      const [kind, label] = countKey.split('.');
      counts[kind] = { ...counts[kind], [label]: FieldValue.increment(value) };
    }
    tx.set(
      shard,
      {
        counts,
        ...(delta.storedHits > 0 ? { storedHits: FieldValue.increment(delta.storedHits) } : {}),
        lastActivityAt: FieldValue.maximum(delta.maxAt),
        expiresAt: toTimestamp(delta.maxAt + this.retentionMs),
      },
      { merge: true },
    );
  }

  /** Reads the counters of messages: the message document's slot plus every shard. */
  private async readCounters(messages: DocumentSnapshot[]): Promise<Map<string, { counts: Counts; lastActivityAt: number }>> {
    const totals = new Map<string, { counts: Counts; lastActivityAt: number }>();
    for (const message of messages) {
      const counts = emptyCounts();
      addCounts(counts, message.data() as CounterFields);
      totals.set(message.id, { counts, lastActivityAt: message.get('lastActivityAt') as number });
    }
    if (messages.length === 0) return totals;

    const shards = await this.db.getAll(...messages.flatMap((message) => this.shardRefs(message.id)));
    for (const shard of shards) {
      if (!shard.exists) continue;
      const total = totals.get(shard.ref.parent.parent!.id)!;
      const fields = shard.data() as CounterFields;
      addCounts(total.counts, fields);
      if (typeof fields.lastActivityAt === 'number') total.lastActivityAt = Math.max(total.lastActivityAt, fields.lastActivityAt);
    }
    return totals;
  }

  /**
   * Reads one message's summary in 3 + COUNTER_SHARDS document reads plus one
   * per recent hit returned, however many hits the message has.
   */
  async summary(token: string, recentLimit: number): Promise<SummaryData | null> {
    const messageRef = this.messageRef(token);
    const message = await messageRef.get();
    if (!message.exists) return null;

    const hits = messageRef.collection('hits');
    const recipientOpens = { equals: ['open', 'recipient'] };
    const [counters, first, last, recent] = await Promise.all([
      this.readCounters([message]),
      buildQuery(hits, 'firstRecipientOpen', recipientOpens).limit(1).get(),
      buildQuery(hits, 'lastRecipientOpen', recipientOpens).limit(1).get(),
      recentLimit > 0 ? buildQuery(hits, 'recentHits').limit(recentLimit).get() : null,
    ]);

    const counts = counters.get(token)!.counts;
    let totalHits = 0;
    for (const kind of ['open', 'click'] as const) for (const label of HIT_LABELS) totalHits += counts[kind][label];
    return {
      message: toMessage(message),
      counts,
      firstRecipientOpenAt: first.empty ? null : (first.docs[0].get('at') as number),
      lastRecipientOpenAt: last.empty ? null : (last.docs[0].get('at') as number),
      recentHits: recent ? recent.docs.map((doc) => toHit(token, doc)) : [],
      totalHits,
    };
  }

  async listHits(token: string, sinceAt?: number): Promise<HitRecord[]> {
    const hits = this.messageRef(token).collection('hits');
    const snapshot = await buildQuery(hits, 'hitsSince', { range: sinceAt ?? Number.MIN_SAFE_INTEGER }).get();
    return snapshot.docs.map((doc) => toHit(token, doc));
  }

  async setLabels(token: string, changes: LabelChange[]): Promise<void> {
    for (const change of changes) {
      if (!HIT_LABELS.includes(change.label)) throw new Error(`unknown hit label "${change.label}"; expected one of ${HIT_LABELS.join(', ')}`);
    }
    if (changes.length === 0) return;

    const hits = this.messageRef(token).collection('hits');
    await this.db.runTransaction(async (tx) => {
      // The last change of a hit wins, as when changes are applied in order.
      const latest = new Map(changes.map((change) => [change.id, change.label]));
      const snapshots = await tx.getAll(...[...latest.keys()].map((id) => hits.doc(id)));

      const increments: DocumentData = {};
      const move = (path: string, by: number) => {
        increments[path] = (increments[path] ?? 0) + by;
      };
      for (const snapshot of snapshots) {
        if (!snapshot.exists) continue;
        const kind = snapshot.get('kind') as HitKind;
        const from = snapshot.get('label') as HitLabel;
        const to = latest.get(snapshot.id)!;
        if (from === to) continue;
        tx.update(snapshot.ref, { label: to });
        move(`${kind}.${from}`, -1);
        move(`${kind}.${to}`, 1);
      }

      // The -1/+1 pairs go to one random shard: totals are sums over all shards,
      // so it does not matter which shard counted the hit first.
      const counts: Record<string, Record<string, FieldValue>> = {};
      for (const [path, by] of Object.entries(increments) as Array<[string, number]>) {
        if (by === 0) continue;
        const [kind, label] = path.split('.');
        counts[kind] = { ...counts[kind], [label]: FieldValue.increment(by) };
      }
      if (Object.keys(counts).length > 0) tx.set(this.shardRefs(token)[randomInt(COUNTER_SHARDS)], { counts }, { merge: true });
    });
  }

  /**
   * Reads one page of the feed with one indexed query on the messages, then
   * reads each listed message's shards for its exact totals.
   */
  async activity(owner: string, limit: number, cursor: string | null): Promise<ActivityPage> {
    let query = buildQuery(this.messages(), 'activityPage', { equals: [owner] });
    if (cursor) {
      const after = decodeActivityCursor(cursor);
      query = query.startAfter(after.lastActivityAt, after.token);
    }
    const snapshot = await query.limit(limit + 1).get();
    const page = snapshot.docs.slice(0, limit);
    const counters = await this.readCounters(page);

    const entries: ActivityEntry[] = page.map((doc) => {
      const total = counters.get(doc.id)!;
      return {
        message: toMessage(doc),
        lastActivityAt: total.lastActivityAt,
        recipientOpens: total.counts.open.recipient,
        recipientClicks: total.counts.click.recipient,
      };
    });
    // The cursor contains the indexed sort key, which may trail the exact
    // lastActivityAt reported above by less than ACTIVITY_STEP_MS.
    const last = page[page.length - 1];
    const next =
      snapshot.docs.length > limit && last ? encodeActivityCursor({ lastActivityAt: last.get('lastActivityAt') as number, token: last.id }) : null;
    return { entries, next };
  }

  /**
   * Deletes each message document first and its subcollections after, so a
   * hit batch committing meanwhile either finds the message gone (and drops
   * its hits) or commits before the subcollections are listed for deletion.
   */
  private async deleteMessages(refs: DocumentReference[], preconditions?: Map<string, Timestamp>): Promise<number> {
    const writer = this.db.bulkWriter();
    try {
      const results = refs.map((ref) => {
        const updateTime = preconditions?.get(ref.id);
        return writer
          .delete(ref, updateTime ? { lastUpdateTime: updateTime } : undefined)
          .then(() => ref)
          .catch((error: unknown) => {
            // A purge skips a message that was written after it was read as expired.
            if (preconditions && isGrpcCode(error, FAILED_PRECONDITION)) return null;
            throw error;
          });
      });
      await writer.flush();
      const removed = (await Promise.all(results)).filter((ref): ref is DocumentReference => ref !== null);
      await Promise.all(removed.map((ref) => this.db.recursiveDelete(ref, writer)));
      return removed.length;
    } finally {
      await writer.close();
    }
  }

  async deleteOwner(owner: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const snapshot = await buildQuery(this.messages(), 'ownerMessages', { equals: [owner] }).select().limit(DELETE_PAGE_SIZE).get();
      if (snapshot.empty) return deleted;
      deleted += await this.deleteMessages(snapshot.docs.map((doc) => doc.ref));
    }
  }

  /**
   * Deletes expired messages with everything under them, as SQLite does. In
   * production the TTL policies do this work; this exists for tests and for
   * deployments without TTL policies.
   */
  async purgeExpired(now: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const snapshot = await buildQuery(this.messages(), 'expiredMessages', { range: toTimestamp(now) }).select().limit(DELETE_PAGE_SIZE).get();
      if (snapshot.empty) return deleted;
      const preconditions = new Map(snapshot.docs.map((doc) => [doc.id, doc.updateTime!]));
      const removed = await this.deleteMessages(
        snapshot.docs.map((doc) => doc.ref),
        preconditions,
      );
      deleted += removed;
      if (removed === 0) return deleted;
    }
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    // A write past its timeout is still retried inside the client library, and
    // terminating the client under it makes that retry reject unhandled and
    // crash the process. The process is exiting anyway, so leave the client.
    if (this.writesInFlight > 0) return;
    await this.db.terminate();
  }
}
