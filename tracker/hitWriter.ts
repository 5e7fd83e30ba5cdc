import type { FastifyBaseLogger } from 'fastify';
import type { HitRecord, Store } from './store/types';

/*
 * Group commit: hits arriving together are written in one call to
 * `Store.recordHits`: one SQLite transaction, or Firestore transactions of up
 * to 240 hits each. A batch is committed when it has `maxHits` hits or
 * `maxWaitMs` after its first hit, whichever comes first.
 *
 * A pixel or redirect response waits for its hit's commit up to `deadlineMs`,
 * because Cloud Run may throttle the CPU once the response is sent. If the
 * commit fails or the deadline passes, the hit is logged as one JSON line with
 * event "hit.unsaved" and the full hit under `hit`. `npm run replay` imports
 * such lines. Stores are idempotent by hit id, so a hit that was logged and
 * later committed anyway is stored once.
 */

export type HitOutcome = 'stored' | 'orphaned' | 'logged';

export interface HitWriterOptions {
  maxWaitMs: number;
  maxHits: number;
  deadlineMs: number;
  /** Batches committing at the same time; later hits wait and join bigger batches. */
  maxInFlight?: number;
  /** Hits waiting for a commit; past this, new hits are logged for replay at once. */
  maxPending?: number;
}

export const UNSAVED_HIT_EVENT = 'hit.unsaved';

interface Pending {
  hit: HitRecord;
  settle: (outcome: HitOutcome) => void;
  settled: boolean;
}

export interface CommitStats {
  commits: number;
  hits: number;
}

export class HitWriter {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<Promise<void>>();
  private readonly maxInFlight: number;
  readonly stats: CommitStats = { commits: 0, hits: 0 };

  constructor(
    private readonly store: Store,
    private readonly options: HitWriterOptions,
    private readonly log: FastifyBaseLogger,
    private readonly onCommitted: (hits: HitRecord[]) => void = () => {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 4;
  }

  /** Queues a hit; resolves when it is committed, dropped as orphaned, or logged for replay. */
  record(hit: HitRecord): Promise<HitOutcome> {
    // A store that hangs must not let the queue, and the process's memory, grow
    // without bound; the log keeps the hit for replay.
    if (this.pending.length >= (this.options.maxPending ?? 10_000)) {
      this.logUnsaved(hit, `${this.pending.length} hits already wait for the store`);
      return Promise.resolve('logged');
    }
    return new Promise<HitOutcome>((resolve) => {
      const entry: Pending = { hit, settled: false, settle: () => {} };
      entry.settle = (outcome) => {
        if (entry.settled) return;
        entry.settled = true;
        clearTimeout(deadline);
        resolve(outcome);
      };
      const deadline = setTimeout(() => {
        if (entry.settled) return;
        this.logUnsaved(hit, `commit did not finish within ${this.options.deadlineMs} ms`);
        entry.settle('logged');
      }, this.options.deadlineMs);

      this.pending.push(entry);
      if (this.pending.length >= this.options.maxHits) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Starts committing the queued hits, unless too many batches are already committing. */
  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0 || this.inFlight.size >= this.maxInFlight) return;

    const batch = this.pending.splice(0, this.options.maxHits);
    const commit = this.commit(batch).finally(() => {
      this.inFlight.delete(commit);
      if (this.pending.length > 0) this.flush();
    });
    this.inFlight.add(commit);
  }

  private async commit(batch: Pending[]): Promise<void> {
    const hits = batch.map((entry) => entry.hit);
    try {
      const result = await this.store.recordHits(hits);
      this.stats.commits += 1;
      this.stats.hits += hits.length;
      const orphaned = new Set(result.orphaned);
      for (const entry of batch) entry.settle(orphaned.has(entry.hit.id) ? 'orphaned' : 'stored');
      if (orphaned.size > 0) {
        this.log.info({ event: 'hit.orphaned', tokens: [...new Set(hits.filter((h) => orphaned.has(h.id)).map((h) => h.token))] }, 'hits for unknown or deleted messages were not stored');
      }
      this.onCommitted(hits.filter((hit) => !orphaned.has(hit.id)));
    } catch (error) {
      for (const entry of batch) {
        // Hits whose deadline already passed were logged then; log the others now.
        if (!entry.settled) {
          this.logUnsaved(entry.hit, `store write failed: ${(error as Error).message}`);
          entry.settle('logged');
        }
      }
    }
  }

  private logUnsaved(hit: HitRecord, reason: string): void {
    this.log.warn({ event: UNSAVED_HIT_EVENT, reason, hit }, `hit ${hit.id} for message ${hit.token} not saved; replay this line to store it`);
  }

  /** Commits everything queued and waits for every batch in flight (used on shutdown). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      this.flush();
      await Promise.allSettled([...this.inFlight]);
    }
  }
}
