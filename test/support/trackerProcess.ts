import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/*
 * The built tracker (`build/tracker/main.js`, made by `npm run build:tracker`,
 * which `npm test` runs first) as a child process on a random loopback port,
 * with its log lines captured. Tests that need the real process use it: the
 * production identity-token path (google-auth-library fetches certificates
 * with a dynamic import that jest's module sandbox cannot run), SIGKILL, load
 * from another process, and log capture.
 */

export const TRACKER_SCRIPT = resolve(__dirname, '..', '..', 'build', 'tracker', 'main.js');

export interface Response {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  rawPayload: Buffer;
  json(): any;
}

export interface InjectOptions {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

export interface TrackerProcess {
  port: number;
  base: string;
  dataDir: string;
  child: ChildProcess;
  /** Every stdout and stderr line so far. */
  logLines(): string[];
  /** Sends one request over a fresh connection; the path is sent as given, without normalisation. */
  inject(options: InjectOptions): Promise<Response>;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export function sendRequest(port: number, options: InjectOptions): Promise<Response> {
  let body: Buffer | undefined;
  const headers: Record<string, string> = { ...options.headers };
  if (Buffer.isBuffer(options.payload)) body = options.payload;
  else if (typeof options.payload === 'string') body = Buffer.from(options.payload);
  else if (options.payload !== undefined) {
    body = Buffer.from(JSON.stringify(options.payload));
    headers['content-type'] ??= 'application/json';
  }
  if (body) headers['content-length'] = String(body.length);

  return new Promise((resolveResponse, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.url, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const rawPayload = Buffer.concat(chunks);
        const text = rawPayload.toString('utf8');
        resolveResponse({ statusCode: res.statusCode ?? 0, headers: res.headers, body: text, rawPayload, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Starts the built tracker with `env` on top of a local-profile default
 * (fresh data folder, random port unless `env.PORT` names one) and waits
 * until `/healthz` returns 200.
 */
export async function startTrackerProcess(env: Record<string, string> = {}, dataDir?: string): Promise<TrackerProcess> {
  if (!existsSync(TRACKER_SCRIPT)) {
    throw new Error(`${TRACKER_SCRIPT} is missing; run \`npm run build:tracker\` (npm test does) before these tests`);
  }
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tracker-process-'));
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [TRACKER_SCRIPT], {
    env: {
      PATH: process.env.PATH,
      METADATA_SERVER_DETECTION: 'none',
      DATA_DIR: dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}/`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((line) => line.length > 0));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));

  const tracker: TrackerProcess = {
    port,
    base: `http://127.0.0.1:${port}`,
    dataDir: dir,
    child,
    logLines: () => (partial ? [...lines, partial] : [...lines]),
    inject: (options) => sendRequest(port, options),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tracker exited with ${child.exitCode}:\n${tracker.logLines().join('\n')}`);
    try {
      if ((await tracker.inject({ url: '/healthz' })).statusCode === 200) return tracker;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
  await tracker.stop('SIGKILL');
  throw new Error(`tracker did not answer /healthz within 30 s:\n${tracker.logLines().join('\n')}`);
}
