/**
 * Relabels the stored hits of one message through the Store interface.
 */
import type { HitLabel } from '../../shared/labels';
import type { HitRecord, LabelChange, Store } from '../store/types';
import { DUPLICATE_WINDOW_MS, SCANNER_BURST_WINDOW_MS, SELF_VIEW_AFTER_MS, SELF_VIEW_BEFORE_MS, labelMessageHits } from './labels';

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

/** Entries kept in each of the Relabeller's in-memory maps; a full map is emptied. */
const MAX_REMEMBERED = 50_000;

/**
 * Keeps the labels of a message's hits up to date as hits and facts arrive.
 *
 * Opens get the duplicate rule on arrival, from the readers this process saw
 * in the last DUPLICATE_WINDOW_MS, so a busy pixel costs no relabel. Clicks,
 * and opens near a self-view reported to this process, get a windowed relabel
 * RELABEL_DELAY_MS after their commit. The scheduled relabels run one at a
 * time, yielding to the event loop in between, so a timer firing for many
 * messages at once does not hold up pixel responses.
 *
 * NOTE: with several tracker instances each one sees only its own hits and
 * reports, so a repeat fetch that reaches another instance stays a recipient
 * open until the next full relabel, which every send-time or self-view report
 * from the add-on triggers.
 *
 * Relabels of one message run one after another, so a windowed relabel computed
 * before a new fact cannot overwrite the labels of the full relabel that the
 * fact triggered. Different messages relabel concurrently.
 */
export class Relabeller {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly scheduled = new Map<string, { sinceAt: number; timer: NodeJS.Timeout | null }>();
  private readonly ready: string[] = [];
  private pumping: Promise<void> | null = null;
  /** Last kept open per message, stored address and user agent, in epoch milliseconds. */
  private readonly lastOpens = new Map<string, number>();
  /** Latest self-view reported to this process per message. */
  private readonly selfViews = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly log: RelabelLog,
    private readonly delayMs = RELABEL_DELAY_MS,
  ) {}

  /**
   * Returns the label of an arriving hit: its arrival label, or "duplicate" for
   * an open from a reader whose last kept open of the message is at most
   * DUPLICATE_WINDOW_MS old. Keys match `labelMessageHits`, which a full
   * relabel runs with every stored hit.
   */
  labelArrival(hit: HitRecord): HitLabel {
    if (hit.kind !== 'open' || hit.label !== 'recipient') return hit.label;
    const key = `${hit.token}|${hit.ip ?? ''}|${hit.userAgent ?? ''}`;
    const last = this.lastOpens.get(key);
    if (last !== undefined && hit.at >= last && hit.at - last <= DUPLICATE_WINDOW_MS) return 'duplicate';
    remember(this.lastOpens, key, hit.at);
    return hit.label;
  }

  /** Records a self-view, so opens arriving within its window get a windowed relabel. */
  noteSelfView(token: string, at: number): void {
    remember(this.selfViews, token, Math.max(at, this.selfViews.get(token) ?? at));
  }

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
   * Schedules a windowed relabel of the messages of a committed batch whose
   * labels may depend on other hits: those with a click, or with an open near a
   * self-view. A relabel already scheduled for a message takes the new hits in.
   * Failures are logged, not raised: the hits are stored, and the next relabel
   * of the message corrects their labels.
   */
  afterCommit(hits: HitRecord[]): void {
    for (const hit of hits) {
      if (!this.needsContext(hit)) continue;
      const scheduled = this.scheduled.get(hit.token);
      if (scheduled) {
        scheduled.sinceAt = Math.min(scheduled.sinceAt, hit.at);
        continue;
      }
      const timer = setTimeout(() => this.makeReady(hit.token), this.delayMs);
      timer.unref();
      this.scheduled.set(hit.token, { sinceAt: hit.at, timer });
    }
  }

  private needsContext(hit: HitRecord): boolean {
    if (hit.kind === 'click') return true;
    const view = this.selfViews.get(hit.token);
    return view !== undefined && hit.at >= view - SELF_VIEW_BEFORE_MS && hit.at <= view + SELF_VIEW_AFTER_MS;
  }

  private makeReady(token: string): void {
    const scheduled = this.scheduled.get(token);
    if (!scheduled || scheduled.timer === null) return;
    clearTimeout(scheduled.timer);
    scheduled.timer = null;
    this.ready.push(token);
    if (!this.pumping) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  private async pump(): Promise<void> {
    for (let token = this.ready.shift(); token !== undefined; token = this.ready.shift()) {
      const scheduled = this.scheduled.get(token);
      this.scheduled.delete(token);
      if (!scheduled) continue;
      await this.relabel(token, scheduled.sinceAt).catch((error: Error) => {
        this.log.error({ event: 'relabel.failed', token, err: error }, `relabelling message ${token} after a batch failed`);
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Runs the scheduled relabels now and resolves when every relabel has finished. */
  async drain(): Promise<void> {
    for (const token of [...this.scheduled.keys()]) this.makeReady(token);
    while (this.pumping || this.queues.size > 0) {
      await this.pumping;
      await Promise.all([...this.queues.values()]);
    }
  }
}

function remember(map: Map<string, number>, key: string, value: number): void {
  if (map.size >= MAX_REMEMBERED && !map.has(key)) map.clear();
  map.set(key, value);
}
