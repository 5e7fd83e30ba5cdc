/**
 * Relabels the stored hits of one message through the Store interface.
 */
import type { LabelChange, Store } from '../store/types';
import { DUPLICATE_WINDOW_MS, SCANNER_BURST_WINDOW_MS, labelMessageHits } from './labels';

/**
 * How far before `sinceAt` a windowed relabel reads hits, so that a new hit is
 * compared with the hits just before it (duplicate and burst rules). Several
 * times the longest backward-looking window, so that the hits it reads have
 * their own predecessors too.
 */
export const RELABEL_LOOKBACK_MS = 6 * Math.max(DUPLICATE_WINDOW_MS, SCANNER_BURST_WINDOW_MS);

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
