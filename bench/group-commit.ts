import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { systemClock } from '../tracker/app';
import { FirestoreStore } from '../tracker/store/firestore';
import type { Store } from '../tracker/store/types';
import { startFirestoreEmulator, type RunningEmulator } from '../test/support/firestoreEmulator';
import { memoryLogger, sendLoad } from '../test/support/pixelLoad';
import { startTestTracker } from '../test/support/tracker';

/*
 * Measures group commit: floods one pixel of an in-process tracker on a real
 * loopback port and prints, per store, how many hits each commit carried.
 *
 *   npm run bench:group-commit -- [REQUESTS] [CONCURRENCY]
 *
 * Firestore runs against the local emulator (started here unless
 * FIRESTORE_EMULATOR_HOST is set), whose latencies are not production's.
 */

process.env.METADATA_SERVER_DETECTION = 'none';

interface Row {
  store: string;
  requests: number;
  concurrency: number;
  seconds: number;
  requestsPerSecond: number;
  commits: number;
  hitsPerCommit: number;
  loggedForReplay: number;
}

async function measure(name: string, requests: number, concurrency: number, openStore?: () => Store): Promise<Row> {
  const { logger, lines } = memoryLogger('warn');
  const tracker = await startTestTracker({
    listen: true,
    ...(openStore ? { store: openStore } : {}),
    env: { BATCH_MAX_WAIT_MS: '5', BATCH_MAX_HITS: '200', COMMIT_DEADLINE_MS: '800' },
    deps: { logger, clock: systemClock },
  });
  try {
    const created = await tracker.app.inject({
      method: 'POST',
      url: '/api/messages',
      headers: { authorization: `Bearer ${tracker.tokenFor('bench@example.com')}` },
      payload: { recipients: ['reader@example.org'] },
    });
    const token = created.json().token as string;

    const started = process.hrtime.bigint();
    const results = await sendLoad((index) => `${tracker.url}o/${token}.gif?n=${index}`, requests, concurrency);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await tracker.app.close();

    const failed = results.filter((result) => result.status !== 200).length;
    if (failed > 0) throw new Error(`${failed} of ${requests} pixel requests did not get 200`);
    const { commits, hits } = tracker.app.context.hitWriter.stats;
    return {
      store: name,
      requests,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      requestsPerSecond: Math.round(requests / seconds),
      commits,
      hitsPerCommit: Number((hits / Math.max(commits, 1)).toFixed(1)),
      loggedForReplay: lines.filter((line) => line.includes('"hit.unsaved"')).length,
    };
  } finally {
    await tracker.close();
  }
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 3000);
  const concurrency = Number(process.argv[3] ?? 64);
  if (!Number.isInteger(requests) || requests < 1 || requests > 100_000) throw new Error(`REQUESTS is "${process.argv[2]}"; expected a whole number from 1 to 100000`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 512) throw new Error(`CONCURRENCY is "${process.argv[3]}"; expected a whole number from 1 to 512`);

  const rows: Row[] = [await measure('sqlite', requests, concurrency)];

  let emulator: RunningEmulator | null = null;
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    emulator = await startFirestoreEmulator();
    process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  }
  try {
    const firestore = new Firestore({ projectId: `bench-${randomUUID().slice(0, 8)}`, ignoreUndefinedProperties: true });
    rows.push(await measure('firestore-emulator', requests, concurrency, () => new FirestoreStore({ firestore, retentionDays: 30 })));
    await firestore.terminate();
  } finally {
    await emulator?.stop();
  }
  console.table(rows);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
