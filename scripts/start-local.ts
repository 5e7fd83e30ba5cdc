import { spawn, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from '../tracker/config';
import { loadPlaygroundConfig, PlaygroundConfigError } from '../playground/config';

/*
 * `npm start`: runs the tracker (build/tracker/main.js, built by the start
 * script just before) and, on the local profile, the playground beside it.
 * Each runs as a child process whose output is forwarded line by line with a
 * prefix. SIGINT or SIGTERM stops both; when either exits, the other is
 * stopped and this process exits too. With PROFILE=production only the
 * tracker runs, because the playground signs in with the development key.
 *
 * Environment: the tracker's variables (PORT, DATA_DIR, ...) and the
 * playground's PLAYGROUND_PORT (default 8090).
 */

const ROOT_DIR = resolve(__dirname, '..', '..');
/** How long each server gets to answer its first request, in milliseconds. */
const READY_TIMEOUT_MS = 60_000;
/** How long a child gets to stop after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

interface Child {
  name: string;
  process: ChildProcess;
}

const children: Child[] = [];
let stopping = false;

function log(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

/** Bundles the playground and puts the sandbox's fetch helper beside it, where the bundled UrlFetchApp looks for it. */
function buildPlayground(): void {
  const outDir = resolve(ROOT_DIR, 'build/playground');
  mkdirSync(outDir, { recursive: true });
  buildSync({
    entryPoints: [resolve(ROOT_DIR, 'playground/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    outfile: resolve(outDir, 'main.js'),
    // scripts/build-addon.ts runs its command line when it is the main module, which
    // it would be inside this bundle; it must not, so require.main never matches.
    define: { 'require.main': 'undefined' },
  });
  copyFileSync(resolve(ROOT_DIR, 'sandbox/fetchHelper.js'), resolve(outDir, 'fetchHelper.js'));
}

function forward(name: string, stream: NodeJS.ReadableStream | null, target: NodeJS.WriteStream): void {
  let pending = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) target.write(`[${name}] ${line}\n`);
  });
  stream?.on('end', () => {
    if (pending) target.write(`[${name}] ${pending}\n`);
  });
}

function startChild(name: string, script: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [resolve(ROOT_DIR, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  forward(name, child.stdout, process.stdout);
  forward(name, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    log(`${name} exited (${signal ?? `code ${code}`}); stopping the rest`);
    void stopAll(code === 0 ? 1 : (code ?? 1));
  });
  const entry = { name, process: child };
  children.push(entry);
  return entry;
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      ({ process: child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(exitCode);
}

/** Polls `url` until it answers with a status below 500; false when `child` exits or time runs out. */
async function waitUntilServing(url: string, child: Child): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !stopping) {
    if (child.process.exitCode !== null) return false;
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status < 500) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

/** The loopback URL the tracker listens on, for the health check: HOST may be 0.0.0.0. */
function trackerLocalUrl(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/`;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(2);
  }

  const tracker = startChild('tracker', 'build/tracker/main.js', process.env);
  if (config.profile !== 'local') {
    log(`profile ${config.profile}: the playground runs on the local profile only, so only the tracker starts`);
    return;
  }

  let playgroundEnv: NodeJS.ProcessEnv;
  let playgroundUrl: string;
  try {
    // The playground signs identity tokens with the tracker's own development key.
    playgroundEnv = {
      ...process.env,
      TRACKER_BASE_URL: config.publicBaseUrl,
      DEV_SIGNIN_KEY_FILE: config.devSigninKeyFile ?? '',
      ID_TOKEN_AUDIENCE: config.idTokenAudience,
    };
    playgroundUrl = loadPlaygroundConfig(playgroundEnv).baseUrl;
    if (!config.devSigninKeyFile) throw new PlaygroundConfigError('DEV_SIGNIN', 'off', '"on": the playground signs in with the development sign-in');
  } catch (error) {
    if (!(error instanceof PlaygroundConfigError)) throw error;
    log(`the playground cannot start: ${error.message}. The tracker keeps running.`);
    return;
  }
  buildPlayground();

  // The tracker creates the development key on start, so the playground starts after it answers.
  if (!(await waitUntilServing(`${trackerLocalUrl(config)}healthz`, tracker))) {
    log(`the tracker did not answer ${trackerLocalUrl(config)}healthz within ${READY_TIMEOUT_MS / 1000} s; stopping`);
    return stopAll(1);
  }
  const playground = startChild('playground', 'build/playground/main.js', playgroundEnv);
  if (!(await waitUntilServing(playgroundUrl, playground))) {
    log(`the playground did not answer ${playgroundUrl} within ${READY_TIMEOUT_MS / 1000} s; stopping`);
    return stopAll(1);
  }

  log(`tracker: ${config.publicBaseUrl}`);
  log(`Playground: ${playgroundUrl}  (open it in a browser; Ctrl+C stops both)`);
}

void main();
