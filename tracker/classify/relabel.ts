/**
 * Relabels the stored hits of one message through the Store interface.
 */
import type { HitRecord, LabelChange, Store } from '../store/types';
import { DUPLICATE_WINDOW_MS, SCANNER_BURST_WINDOW_MS, labelMessageHits } from './labels';

/**
 * How far before `sinceAt` a windowed relabel reads hits, so that a new hit is
 * compared with the hits just before it (duplicate and burst rules). Several
 * times the longest backward-looking window, so that the hits it reads have
 * their own predecessors too.
 */
export const RELABEL_LOOKBACK_MS = 3 * Math.max(DUPLICATE_WINDOW_MS, SCANNER_BURST_WINDOW_MS);

/**
 * Default wait between a commit and the windowed relabel of its messages.
 * Commits on one message meanwhile share that relabel, and each relabel reads
 * the delay plus RELABEL_LOOKBACK_MS of hits, so a busy message costs about
 * (1 + lookback / delay) reads per hit: 4 at 10 s, 31 at 1 s. Until it runs, a
 * new hit shows its arrival label, which the duplicate and burst rules may
 * still change.
 */
export const RELABEL_DELAY_MS = 10_000;

/**
 * Reads a message, its self-views and its hits, runs `labelMessageHits` and
 * stores the changes with `store.setLabels`, which moves the per-label totals.
 *
 * Without `sinceAt` every hit is relabelled (after a new fact about the
 * message). With `sinceAt` (after a batch of new hits) only hits at or after it
 * may change, and hits from RELABEL_LOOKBACK_MS earlier are read as context.
 * Returns the changes stored; an unknown token changes nothing.
 */
export async function relabelMessage(store: Store, token: string, sinceAt?: number): Promise<LabelChange[]> {
  const message = await store.getMessage(token);
  if (message === null) return [];

  const windowed = sinceAt !== undefined;
  const [selfViews, hits] = await Promise.all([
    store.listSelfViews(token),
    windowed ? store.listHits(token, sinceAt - RELABEL_LOOKBACK_MS) : store.listHits(token),
  ]);

  let changes = labelMessageHits({ sentAt: message.sentAt }, selfViews, hits);
  if (windowed) {
    // Hits in the look-back part were read without their own predecessors, so
    // their new labels could be wrong; only the window's hits are updated.
    const inWindow = new Set(hits.filter((hit) => hit.at >= sinceAt).map((hit) => hit.id));
    changes = changes.filter((change) => inWindow.has(change.id));
  }

  if (changes.length > 0) await store.setLabels(token, changes);
  return changes;
}

/** The logger calls the Relabeller needs (pino and Fastify loggers have them). */
export interface RelabelLog {
  error(details: object, message: string): void;
}

/**
 * Runs relabels one after another per message, so a windowed relabel computed
 * before a new fact cannot overwrite the labels of the full relabel that the
 * fact triggered. Different messages relabel concurrently.
 */
export class Relabeller {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly scheduled = new Map<string, { sinceAt: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly store: Store,
    private readonly log: RelabelLog,
    private readonly delayMs = RELABEL_DELAY_MS,
  ) {}

  /** Relabels one message in its turn (all hits, or those at or after `sinceAt`) and returns the changes. */
  relabel(token: string, sinceAt?: number): Promise<LabelChange[]> {
    const previous = this.queues.get(token) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => relabelMessage(this.store, token, sinceAt));
    const settled = run.catch(() => undefined).finally(() => {
      if (this.queues.get(token) === settled) this.queues.delete(token);
    });
    this.queues.set(token, settled);
    return run;
  }

  /**
   * Schedules a windowed relabel of each message in a committed batch,
   * RELABEL_DELAY_MS later, merged with any relabel already scheduled for that
   * message. Failures are logged, not raised: the hits are stored, and the next
   * relabel of the message corrects their labels.
   */
  afterCommit(hits: HitRecord[]): void {
    for (const hit of hits) {
      const scheduled = this.scheduled.get(hit.token);
      if (scheduled) {
        scheduled.sinceAt = Math.min(scheduled.sinceAt, hit.at);
        continue;
      }
      const timer = setTimeout(() => this.runScheduled(hit.token), this.delayMs);
      timer.unref();
      this.scheduled.set(hit.token, { sinceAt: hit.at, timer });
    }
  }

  private runScheduled(token: string): void {
    const scheduled = this.scheduled.get(token);
    if (!scheduled) return;
    clearTimeout(scheduled.timer);
    this.scheduled.delete(token);
    this.relabel(token, scheduled.sinceAt).catch((error: Error) => {
      this.log.error({ event: 'relabel.failed', token, err: error }, `relabelling message ${token} after a batch failed`);
    });
  }

  /** Runs the scheduled relabels now and resolves when every relabel has finished. */
  async drain(): Promise<void> {
    for (const token of [...this.scheduled.keys()]) this.runScheduled(token);
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }
}
