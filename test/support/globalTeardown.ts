/** Stops the emulator that globalSetup started, if any. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.firestoreEmulator?.stop();
  globalThis.firestoreEmulator = undefined;
}
