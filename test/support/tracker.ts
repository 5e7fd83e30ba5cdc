import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps, type Clock } from '../../tracker/app';
import { loadConfig, LOCAL_AUDIENCE, type Config } from '../../tracker/config';
import { loadOrCreateDevKey, signDevIdToken } from '../../tracker/auth/devSignin';
import { SqliteStore } from '../../tracker/store/sqlite';
import type { Store } from '../../tracker/store/types';

/** A clock that tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-03-02T09:00:00Z')) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface TestTracker {
  app: FastifyInstance;
  config: Config;
  store: Store;
  clock: ManualClock;
  dir: string;
  /** Base URL of the listening server, ending with "/" (only after `listen`). */
  url: string;
  tokenFor(email: string): string;
  close(): Promise<void>;
}

/**
 * Starts a tracker on the local profile with a fresh SQLite file in a temp
 * folder, a manual clock and the development sign-in. With `listen`, it serves
 * on a random loopback port and its public base URL is that port's.
 */
export async function startTestTracker(
  options: { listen?: boolean; env?: Record<string, string>; store?: (config: Config) => Store; deps?: Partial<AppDeps> } = {},
): Promise<TestTracker> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-test-'));
  const baseEnv = { DATA_DIR: dir, LOG_LEVEL: 'silent', BATCH_MAX_WAIT_MS: '1', RELABEL_DELAY_MS: '0', ...options.env };
  let config = loadConfig(baseEnv);
  const store = options.store ? options.store(config) : new SqliteStore({ path: config.sqlitePath, retentionDays: config.retentionDays, maxStoredHitsPerMessage: config.maxStoredHitsPerMessage });
  const clock = new ManualClock();
  let app = buildApp(config, { store, clock, ...options.deps });
  let url = '';
  if (options.listen) {
    // The public base URL must name the port, which is known only after listening,
    // so a first server finds a free port and the real one is built for it.
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    await app.close();
    config = loadConfig({ ...baseEnv, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}/` });
    app = buildApp(config, { store, clock, ...options.deps });
    await app.listen({ host: '127.0.0.1', port });
    url = config.publicBaseUrl;
  }
  const key = loadOrCreateDevKey(config.devSigninKeyFile as string);
  return {
    app,
    config,
    store,
    clock,
    dir,
    url,
    tokenFor: (email) => signDevIdToken(key, { email, audience: LOCAL_AUDIENCE }),
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
