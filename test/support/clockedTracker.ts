import { spawn, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { loadOrCreateDevKey, signDevIdToken } from '../../tracker/auth/devSignin';
import { LOCAL_AUDIENCE } from '../../tracker/config';

/*
 * A tracker in a child process, on a random loopback port with a SQLite file in
 * `workDir`, whose clock the test sets. The add-on's UrlFetchApp fake blocks this
 * process while it waits, so the tracker must run in another one.
 */

const REPO_ROOT = resolve(__dirname, '../..');
/** Inside the repository, so the bundle's external packages resolve from its node_modules. */
const BUNDLE = join(REPO_ROOT, 'build', 'test', 'clocked-tracker.js');

export interface ClockedTracker {
  base: string;
  child: ChildProcess;
  /** Signs an identity token for `email`, accepted by this tracker's development sign-in. */
  identityToken(email: string): string;
  /** Sets the tracker's clock, in epoch milliseconds. */
  setNow(ms: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export async function startClockedTracker(workDir: string, startMs: number, extraEnv: Record<string, string> = {}): Promise<ClockedTracker> {
  buildSync({
    entryPoints: [resolve(__dirname, 'clockedTrackerMain.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile: BUNDLE,
    logLevel: 'warning',
  });

  const keyFile = join(workDir, 'dev-signin-key.pem');
  const signingKey = loadOrCreateDevKey(keyFile);
  const port = await freePort();
  const controlPort = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  let output = '';
  const child = spawn(process.execPath, [BUNDLE], {
    cwd: workDir,
    env: {
      PATH: process.env.PATH,
      METADATA_SERVER_DETECTION: 'none',
      PROFILE: 'local',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_BASE_URL: base,
      DATA_DIR: workDir,
      STORE: 'sqlite',
      SQLITE_PATH: join(workDir, 'tracker.sqlite'),
      DEV_SIGNIN: 'on',
      DEV_SIGNIN_KEY_FILE: keyFile,
      ID_TOKEN_AUDIENCE: LOCAL_AUDIENCE,
      TRUST_PROXY_HOPS: '1',
      // The tests read labels right after the hits; a short delay keeps them from waiting.
      RELABEL_DELAY_MS: '20',
      LOG_LEVEL: 'warn',
      TEST_CLOCK_START_MS: String(startMs),
      TEST_CLOCK_PORT: String(controlPort),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tracker exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${base}healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`tracker at ${base} did not start within 15 s:\n${output}`);
    await new Promise((done) => setTimeout(done, 100));
  }

  return {
    base,
    child,
    identityToken: (email) => signDevIdToken(signingKey, { email, audience: LOCAL_AUDIENCE }),
    async setNow(ms) {
      const response = await fetch(`http://127.0.0.1:${controlPort}/clock`, { method: 'PUT', body: String(ms) });
      if (response.status !== 204) throw new Error(`setting the tracker clock failed: ${response.status} ${await response.text()}`);
    },
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
