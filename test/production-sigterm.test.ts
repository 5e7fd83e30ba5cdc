import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { FirestoreStore } from '../tracker/store/firestore';
import { issueToken } from '../tracker/tokens';
import { describeFirestore, freePort } from './support/firestoreEmulator';
import { loadIndex, sendLoad, type LoadResult } from './support/pixelLoad';
import { buildBundles, REPO_ROOT, startTrackerProcess } from './support/productionProcess';

/*
 * Cloud Run stops an instance with SIGTERM. The tracker must then stop
 * accepting requests, commit or log every hit it acknowledged, and exit; the
 * logged hits are stored by `npm run replay`.
 */

const SECRET = 'sigterm-test-signing-secret-0123456789abcdef';
const REQUESTS = 6000;
const CONCURRENCY = 48;
/** SIGTERM goes out once this many responses have arrived, while requests keep coming. */
const SIGNAL_AFTER = 400;

describeFirestore('tracker process on SIGTERM', () => {
  let dir: string;
  let bundles: { main: string; replay: string };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracker-sigterm-'));
    bundles = buildBundles(join(REPO_ROOT, 'build', `test-sigterm-${process.pid}`));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(REPO_ROOT, 'build', `test-sigterm-${process.pid}`), { recursive: true, force: true });
  });

  test('acknowledged hits stored or replayable', async () => {
    const projectId = `sigterm-${randomUUID().slice(0, 8)}`;
    const firestore = new Firestore({ projectId, ignoreUndefinedProperties: true });
    const store = new FirestoreStore({ firestore, retentionDays: 30 });
    const token = issueToken(SECRET);
    const now = Date.now();
    await store.createMessage({ token, owner: 'ana@example.com', createdAt: now, subject: null, recipients: [], sentAt: null, expiresAt: now + 30 * 86_400_000 });

    const port = await freePort();
    const env = {
      PROFILE: 'local',
      STORE: 'firestore',
      FIRESTORE_PROJECT_ID: projectId,
      FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST!,
      SIGNING_SECRET: SECRET,
      DATA_DIR: dir,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      BATCH_MAX_WAIT_MS: '5',
      COMMIT_DEADLINE_MS: '800',
    };
    const tracker = startTrackerProcess(bundles.main, env);
    await tracker.waitForLine(/"server\.started"/);

    let responses = 0;
    let signalled = false;
    let signalledAt = 0;
    const results = await sendLoad(
      (index) => `http://127.0.0.1:${port}/o/${token}.gif?n=${index}`,
      REQUESTS,
      CONCURRENCY,
      () => tracker.child.exitCode !== null,
      (result: LoadResult) => {
        if (result.status !== null) responses += 1;
        if (!signalled && responses >= SIGNAL_AFTER) {
          signalled = true;
          signalledAt = Date.now();
          tracker.child.kill('SIGTERM');
        }
      },
    );
    expect(signalled).toBe(true);
    expect(await tracker.exited).toBe(0);
    // Cloud Run sends SIGKILL 10 seconds after SIGTERM.
    const stopSeconds = (Date.now() - signalledAt) / 1000;
    expect(stopSeconds).toBeLessThan(10);
    expect(tracker.lines.some((line) => line.includes('"server.stopped"'))).toBe(true);
    for (const line of tracker.lines) expect(typeof JSON.parse(line).severity).toBe('string');

    const acknowledged = results.filter((result) => result.status === 200).map((result) => result.index);
    const refused = results.filter((result) => result.status === null);
    expect(acknowledged.length).toBeGreaterThanOrEqual(SIGNAL_AFTER);
    // Requests after the stop were refused; none got an error status.
    expect(results.filter((result) => result.status !== null && result.status !== 200)).toEqual([]);
    expect(refused.length).toBeGreaterThan(0);

    // Before replay: each acknowledged hit is stored or logged as unsaved.
    const storedIndexes = async () => {
      const counts = new Map<number, number>();
      for (const hit of await store.listHits(token)) {
        const index = loadIndex(hit.userAgent);
        if (index !== null) counts.set(index, (counts.get(index) ?? 0) + 1);
      }
      return counts;
    };
    const logged = new Set<number>();
    for (const line of tracker.lines) {
      const entry = JSON.parse(line);
      if (entry.event === 'hit.unsaved') logged.add(loadIndex(entry.hit.userAgent)!);
    }
    const before = await storedIndexes();
    expect(acknowledged.filter((index) => !before.has(index) && !logged.has(index))).toEqual([]);

    // Replay the log twice, as Cloud Logging would export it; each hit is stored once.
    const logFile = join(dir, 'tracker-log.jsonl');
    writeFileSync(logFile, tracker.lines.map((line) => JSON.stringify({ jsonPayload: JSON.parse(line), severity: 'INFO' })).join('\n') + '\n');
    for (let round = 0; round < 2; round += 1) {
      const replay = spawnSync(process.execPath, [bundles.replay, logFile], { env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env }, encoding: 'utf8' });
      expect(replay.stderr).toBe('');
      expect(replay.status).toBe(0);
      expect(JSON.parse(replay.stdout.trim()).hits).toBe(logged.size);
    }

    const after = await storedIndexes();
    expect(acknowledged.filter((index) => after.get(index) !== 1)).toEqual([]);
    expect([...after.values()].filter((count) => count !== 1)).toEqual([]);
    await firestore.terminate();
  }, 180_000);
});
