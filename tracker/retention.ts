import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './app';
import type { Store } from './store/types';

/** How often expired messages are deleted: hourly keeps the overshoot past the retention period under an hour. */
export const PURGE_INTERVAL_MS = 3_600_000;

export interface RetentionPurge {
  /** Deletes the messages expired at the clock's current time; returns how many. */
  runOnce(): Promise<number>;
  stop(): void;
  /** The interval timer, unref'd. */
  timer: NodeJS.Timeout;
}

/**
 * Starts deleting expired messages (and their hits) every `intervalMs`. The
 * timer is unref'd, so it never keeps the process alive on its own. A failed
 * purge is logged and tried again at the next interval.
 */
export function startRetentionPurge(store: Store, clock: Clock, log: FastifyBaseLogger, intervalMs = PURGE_INTERVAL_MS): RetentionPurge {
  const runOnce = async (): Promise<number> => {
    const now = clock.now();
    const deleted = await store.purgeExpired(now);
    log.info({ event: 'retention.purged', deletedMessages: deleted, before: new Date(now).toISOString() }, `retention purge deleted ${deleted} expired messages`);
    return deleted;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => {
      log.error({ event: 'retention.failed', err: error }, 'retention purge failed; retrying at the next interval');
    });
  }, intervalMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer), timer };
}
