import type { Config } from '../config';
import { FirestoreStore } from './firestore';
import { SqliteStore } from './sqlite';
import type { Store } from './types';

/** Opens the store the configuration selects. */
export async function openStore(config: Config): Promise<Store> {
  if (config.store === 'firestore') {
    return new FirestoreStore({
      projectId: config.firestoreProjectId,
      databaseId: config.firestoreDatabaseId,
      retentionDays: config.retentionDays,
      maxStoredHitsPerMessage: config.maxStoredHitsPerMessage,
    });
  }
  return new SqliteStore({ path: config.sqlitePath, retentionDays: config.retentionDays, maxStoredHitsPerMessage: config.maxStoredHitsPerMessage });
}
