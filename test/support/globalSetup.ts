import { emulatorMissingReason, startFirestoreEmulator, type RunningEmulator } from './firestoreEmulator';

/*
 * Starts one Firestore emulator for the whole jest run. Test workers start
 * after this and inherit FIRESTORE_EMULATOR_HOST. A missing or failing
 * emulator never fails the run: it is recorded in FIRESTORE_EMULATOR_MISSING
 * and the Firestore suites report themselves skipped with that reason.
 */

declare global {
  // eslint-disable-next-line no-var
  var firestoreEmulator: RunningEmulator | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  if (process.env.FIRESTORE_EMULATOR_HOST) return;

  const missing = emulatorMissingReason();
  if (missing) {
    process.env.FIRESTORE_EMULATOR_MISSING = missing;
    return;
  }
  try {
    globalThis.firestoreEmulator = await startFirestoreEmulator();
    process.env.FIRESTORE_EMULATOR_HOST = globalThis.firestoreEmulator.host;
  } catch (error) {
    process.env.FIRESTORE_EMULATOR_MISSING = `Firestore emulator failed to start: ${(error as Error).message.split('\n')[0]}`;
  }
}
