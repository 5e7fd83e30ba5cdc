import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/*
 * Google's Firestore emulator for tests, started straight from the Cloud SDK's
 * script (gcloud would try to reach Google) and bound to 127.0.0.1 only.
 * jest's globalSetup starts one for the whole run and exports its address in
 * FIRESTORE_EMULATOR_HOST; a test that must stop an emulator starts its own.
 * Where the emulator is missing, FIRESTORE_EMULATOR_MISSING holds the reason
 * and `describeFirestore` reports the suite as skipped with it.
 */

export const EMULATOR_SCRIPT =
  process.env.FIRESTORE_EMULATOR_SCRIPT ?? '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator';
const START_TIMEOUT_MS = 60_000;

export interface RunningEmulator {
  /** host:port, the value FIRESTORE_EMULATOR_HOST takes. */
  host: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}

/** The reason the emulator cannot run here, or null when it can. */
export function emulatorMissingReason(): string | null {
  if (!existsSync(EMULATOR_SCRIPT)) {
    return `Firestore emulator not installed at ${EMULATOR_SCRIPT}; install it with "gcloud components install cloud-firestore-emulator" or the apt package google-cloud-cli-firestore-emulator`;
  }
  return null;
}

async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Firestore emulator exited with code ${child.exitCode} while starting:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Firestore emulator did not answer ${url} within ${START_TIMEOUT_MS} ms:\n${output()}`);
}

/** Starts an emulator on a free loopback port and resolves once it answers HTTP. */
export async function startFirestoreEmulator(): Promise<RunningEmulator> {
  const missing = emulatorMissingReason();
  if (missing) throw new Error(missing);

  const port = await freePort();
  // Its own process group, because the script runs java as a child and
  // stopping only the script would leave the JVM behind.
  const child = spawn(EMULATOR_SCRIPT, ['start', '--host=127.0.0.1', `--port=${port}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilAnswering(`http://127.0.0.1:${port}/`, child, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host: `127.0.0.1:${port}`, stop };
}

/** `describe` when the run has an emulator; otherwise `describe.skip` with the reason in the name. */
export function describeFirestore(name: string, body: () => void): void {
  const missing = process.env.FIRESTORE_EMULATOR_MISSING;
  if (missing || !process.env.FIRESTORE_EMULATOR_HOST) {
    describe.skip(`${name} (skipped: ${missing || 'FIRESTORE_EMULATOR_HOST is not set'})`, body);
  } else {
    describe(name, body);
  }
}
