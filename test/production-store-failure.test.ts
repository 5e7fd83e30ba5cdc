import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { trackedLinkUrl } from '../shared/urls';
import { HitCollector, replayHits } from '../tracker/cli/replay';
import { TRANSPARENT_GIF } from '../tracker/gif';
import { FirestoreStore } from '../tracker/store/firestore';
import { SqliteStore } from '../tracker/store/sqlite';
import type { Store } from '../tracker/store/types';
import { issueToken, signLink } from '../tracker/tokens';
import { describeFirestore, freePort, startFirestoreEmulator, type RunningEmulator } from './support/firestoreEmulator';
import { loadIndex, memoryLogger, sendLoad } from './support/pixelLoad';
import { startTestTracker } from './support/tracker';
import { buildBundles, REPO_ROOT, startTrackerProcess } from './support/productionProcess';

/*
 * When the store fails, readers must not notice: the pixel still returns the
 * GIF and tracked links still redirect to their signed destination. Each hit
 * is logged as a replayable line, and replay stores it once the store is back.
 */

const PIXELS = 20;
const CLICKS = 10;
const DESTINATION = 'https://example.com/report?id=42#part-2';

interface Target {
  /** Base URL of the tracker, ending with "/". */
  url: string;
  token: string;
  trackedUrl: string;
}

/** Loads the pixel and the tracked link while the store fails; checks what readers get. */
async function readWhileFailing(setup: Target): Promise<void> {
  const pixels = await sendLoad((index) => `${setup.url}o/${setup.token}.gif?n=${index}`, PIXELS, 10);
  for (const result of pixels) {
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('image/gif');
  }
  const body = await fetch(`${setup.url}o/${setup.token}.gif`, { headers: { 'user-agent': 'load-999' } });
  expect(body.status).toBe(200);
  expect(Buffer.from(await body.arrayBuffer()).equals(TRANSPARENT_GIF)).toBe(true);

  const clicks = await sendLoad(() => setup.trackedUrl, CLICKS, 5);
  for (const result of clicks) {
    expect(result.status).toBe(302);
    expect(result.location).toBe(DESTINATION);
  }
}

function unsavedCollector(lines: string[]): HitCollector {
  const collector = new HitCollector();
  lines.forEach((line, index) => collector.addLine(line, index + 1));
  return collector;
}

async function expectReplayStoresAll(store: Store, lines: string[], token: string): Promise<void> {
  const logged = unsavedCollector(lines);
  // PIXELS + 1 opens (the GIF body check) and CLICKS clicks.
  expect(logged.hits.size).toBe(PIXELS + 1 + CLICKS);
  expect(logged.report.invalid).toEqual([]);

  for (let round = 0; round < 2; round += 1) {
    const report = await replayHits(store, unsavedCollector(lines));
    expect(report.stored).toBe(PIXELS + 1 + CLICKS);
    expect(report.orphaned).toBe(0);
  }
  const hits = await store.listHits(token);
  expect(hits).toHaveLength(PIXELS + 1 + CLICKS);
  expect(new Set(hits.map((hit) => hit.id)).size).toBe(hits.length);
  expect(hits.filter((hit) => hit.kind === 'click').every((hit) => hit.url === DESTINATION)).toBe(true);
  expect(hits.filter((hit) => hit.kind === 'open').map((hit) => loadIndex(hit.userAgent))).toEqual(expect.arrayContaining([0, PIXELS - 1, 999]));
  expect((await store.summary(token, 0))?.totalHits).toBe(PIXELS + 1 + CLICKS);
}

describe('store failure on SQLite', () => {
  test('readers unaffected, hits replayable', async () => {
    let path = '';
    let real: SqliteStore | null = null;
    const { logger, lines } = memoryLogger('info');
    const tracker = await startTestTracker({
      listen: true,
      store: (config) => {
        path = config.sqlitePath;
        real = new SqliteStore({ path, retentionDays: 30 });
        return real;
      },
      env: { COMMIT_DEADLINE_MS: '800' },
      deps: { logger },
    });
    try {
      const auth = { authorization: `Bearer ${tracker.tokenFor('ana@example.com')}` };
      const token = (await tracker.app.inject({ method: 'POST', url: '/api/messages', headers: auth, payload: { recipients: ['bo@example.org'] } })).json().token as string;
      const link = await tracker.app.inject({ method: 'POST', url: '/api/links', headers: auth, payload: { token, url: DESTINATION } });
      expect(link.statusCode).toBe(201);

      // Closing the real store's database makes every write fail inside better-sqlite3.
      await real!.close();
      await readWhileFailing({ url: tracker.url, token, trackedUrl: link.json().trackedUrl as string });
      expect(lines.filter((line) => line.includes('"hit.unsaved"')).every((line) => JSON.parse(line).severity === 'WARNING')).toBe(true);

      const reopened = new SqliteStore({ path, retentionDays: 30 });
      try {
        await expectReplayStoresAll(reopened, lines, token);
      } finally {
        await reopened.close();
      }
    } finally {
      await tracker.app.close();
    }
  }, 60_000);
});

const SECRET = 'store-failure-test-signing-secret-0123456789';

describeFirestore('store failure on Firestore', () => {
  let emulator: RunningEmulator;
  let replacement: RunningEmulator | null = null;
  let dir: string;
  let bundles: { main: string; replay: string };
  const outDir = join(REPO_ROOT, 'build', `test-store-failure-${process.pid}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tracker-failure-'));
    bundles = buildBundles(outDir);
    // An emulator of this file's own, since the test stops it.
    emulator = await startFirestoreEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
    await replacement?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  test('readers unaffected with emulator stopped, hits replayable', async () => {
    const projectId = `failure-${randomUUID().slice(0, 8)}`;
    const token = issueToken(SECRET);
    const now = Date.now();
    const message = { token, owner: 'ana@example.com', createdAt: now, subject: null, recipients: ['bo@example.org'], sentAt: null, expiresAt: now + 30 * 86_400_000 };
    const openStore = (host: string) => {
      process.env.FIRESTORE_EMULATOR_HOST = host;
      const firestore = new Firestore({ projectId, ignoreUndefinedProperties: true });
      return { firestore, store: new FirestoreStore({ firestore, retentionDays: 30 }) };
    };
    const first = openStore(emulator.host);
    await first.store.createMessage(message);
    await first.firestore.terminate();

    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const env = {
      STORE: 'firestore',
      FIRESTORE_PROJECT_ID: projectId,
      FIRESTORE_EMULATOR_HOST: emulator.host,
      SIGNING_SECRET: SECRET,
      DATA_DIR: dir,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: url,
      LOG_LEVEL: 'info',
      COMMIT_DEADLINE_MS: '800',
    };
    const tracker = startTrackerProcess(bundles.main, env);
    await tracker.waitForLine(/"server\.started"/);

    await emulator.stop();
    const started = Date.now();
    await readWhileFailing({ url, token, trackedUrl: trackedLinkUrl(url, token, signLink(SECRET, token, DESTINATION), DESTINATION) });
    // Each response waited about the commit deadline, not for Firestore's retries.
    expect(Date.now() - started).toBeLessThan(15_000);

    // Cloud Run sends SIGKILL 10 seconds after SIGTERM.
    const stopping = Date.now();
    tracker.child.kill('SIGTERM');
    const code = await tracker.exited;
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(code).toBe(0);
    expect(tracker.lines.filter((line) => line.includes('"hit.unsaved"')).every((line) => JSON.parse(line).severity === 'WARNING')).toBe(true);

    // The stopped emulator's data is gone: a new one gets the message back,
    // as a restored database would have it, and replay stores the hits.
    replacement = await startFirestoreEmulator();
    const second = openStore(replacement.host);
    await second.store.createMessage(message);
    const logFile = join(dir, 'tracker-log.jsonl');
    writeFileSync(logFile, tracker.lines.join('\n') + '\n');
    for (let round = 0; round < 2; round += 1) {
      const replay = spawnSync(process.execPath, [bundles.replay, logFile], {
        env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env, FIRESTORE_EMULATOR_HOST: replacement.host },
        encoding: 'utf8',
      });
      expect(replay.stderr).toBe('');
      expect(replay.status).toBe(0);
      expect(JSON.parse(replay.stdout.trim())).toMatchObject({ hits: PIXELS + 1 + CLICKS, stored: PIXELS + 1 + CLICKS, orphaned: 0 });
    }
    await expectReplayStoresAll(second.store, tracker.lines, token);
    await second.firestore.terminate();
  }, 180_000);
});
