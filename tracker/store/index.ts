import type { Config } from '../config';
import { SqliteStore } from './sqlite';
import type { Store } from './types';

/** Opens the store the configuration selects. */
export async function openStore(config: Config): Promise<Store> {
  if (config.store === 'sqlite') {
    return new SqliteStore({ path: config.sqlitePath, retentionDays: config.retentionDays, maxStoredHitsPerMessage: config.maxStoredHitsPerMessage });
  }
  throw new Error(`STORE=${config.store} is not available in this build; use STORE=sqlite`);
}
