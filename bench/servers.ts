import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { NO_CACHE, TRANSPARENT_GIF } from '../tracker/gif';

/*
 * Starting and stopping the servers under test. Every server runs pinned to
 * SERVER_CORE with taskset and listens on a free port of 127.0.0.1.
 */

export const SERVER_CORE = '0';
export const GENERATOR_CORE = '1';

export const FIRESTORE_EMULATOR =
  '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator';

export interface Server {
  name: string;
  port: number;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr. */
  output: () => string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves with the status of a GET to `path`, or null when the connection fails. */
export function probe(port: number, path: string, timeoutMs = 1000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
    req.end();
  });
}

/** Polls `path` every `everyMs` until it returns 200; rejects after `timeoutMs` or when the process exits. */
export async function waitUntilServing(server: Server, path: string, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.process.exitCode !== null || server.process.signalCode !== null) {
      throw new Error(`${server.name} exited with ${server.process.exitCode ?? server.process.signalCode} before serving:\n${server.output()}`);
    }
    if ((await probe(server.port, path)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`${server.name} did not serve ${path} on port ${server.port} within ${timeoutMs} ms:\n${server.output()}`);
}

/**
 * Spawns `command` pinned to the server core, in its own process group so
 * stopping it also stops any children it starts (the emulator starts a JVM).
 */
export function spawnPinned(name: string, port: number, command: string, args: string[], env: Record<string, string> = {}): Server {
  const child = spawn('taskset', ['-c', SERVER_CORE, command, ...args], {
    env: { ...process.env, METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    // Only the tail is kept: the tracker logs a line per unsaved hit under faults.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    port,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-(child.pid as number), 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGKILL');
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts nginx serving the pixel GIF for every `/o/...` path, with the tracker's cache headers. */
export async function startNginx(dir: string): Promise<Server> {
  const port = await freePort();
  mkdirSync(join(dir, 'root'), { recursive: true });
  writeFileSync(join(dir, 'root', 'pixel.gif'), TRANSPARENT_GIF);
  // One process (no master), to match the single Node.js process it is compared with
  // and so its CPU time can be read from one /proc entry.
  const config = `
master_process off;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/root;
    location /o/ {
      default_type image/gif;
      add_header Cache-Control "${NO_CACHE}";
      try_files /pixel.gif =404;
    }
    location = /healthz { default_type text/plain; return 200 "ok"; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const server = spawnPinned('nginx', port, 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;']);
  await waitUntilServing(server, '/healthz', 10_000);
  return server;
}

export async function startBareFastify(script: string): Promise<Server> {
  const port = await freePort();
  const server = spawnPinned('bare Fastify', port, process.execPath, [script, String(port)]);
  await waitUntilServing(server, '/healthz', 10_000);
  return server;
}

/** Starts the built tracker with a data folder and extra environment; resolves once it serves `/healthz`. */
export async function startTracker(script: string, dataDir: string, env: Record<string, string> = {}, name = 'tracker'): Promise<Server> {
  const port = await freePort();
  mkdirSync(dataDir, { recursive: true });
  const server = spawnPinned(name, port, process.execPath, [script], {
    DATA_DIR: dataDir,
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}/`,
    // Setting up the runs creates hundreds of messages and links through the API.
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  });
  await waitUntilServing(server, '/healthz', 60_000);
  return server;
}

/** Starts Google's Firestore emulator; null when it is not installed here. */
export async function startFirestoreEmulator(): Promise<Server | null> {
  if (!existsSync(FIRESTORE_EMULATOR)) return null;
  const port = await freePort();
  const server = spawnPinned('Firestore emulator', port, FIRESTORE_EMULATOR, ['start', '--host=127.0.0.1', `--port=${port}`]);
  await waitUntilServing(server, '/', 90_000, 250);
  return server;
}
