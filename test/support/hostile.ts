import { createPublicKey, createSign, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../tracker/store/sqlite';
import { startTrackerProcess, type TrackerProcess } from './trackerProcess';

/*
 * Helpers for tests that attack the tracker. A loopback server publishes an
 * RSA key's certificate the way Google's v1 certs endpoint does
 * (`{ kid: PEM }`), and the built tracker runs on the production profile,
 * verifying identity tokens against that server. Raw HTTP over a socket
 * sends the requests that HTTP clients refuse to send.
 */

export function newRsaKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export interface CertServer {
  url: string;
  /** Count of requests the server has received. */
  requests: () => number;
  close(): Promise<void>;
}

/** Serves `{ kid: PEM certificate }` for each key at `/oauth2/v1/certs` on a random loopback port. */
export async function startCertServer(keys: Record<string, string>): Promise<CertServer> {
  const certs = Object.fromEntries(
    Object.entries(keys).map(([kid, privateKey]) => [kid, createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()]),
  );
  let served = 0;
  const server: Server = createServer((request, response) => {
    served += 1;
    if (request.url !== '/oauth2/v1/certs') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
    response.end(JSON.stringify(certs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/oauth2/v1/certs`,
    requests: () => served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Signs a JWT with arbitrary header and payload (RS256), for claims `signDevIdToken` always sets. */
export function signJwt(privateKey: string, header: object, payload: object): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

export interface ProductionTracker extends TrackerProcess {
  signingSecret: string;
  /** The tracker's SQLite file, opened a second time for checks (WAL lets both processes use it). */
  store: SqliteStore;
  close(): Promise<void>;
}

export const PRODUCTION_AUDIENCE = 'hostile-test-client.apps.googleusercontent.com';
const SIGNING_SECRET = 'hostile-test-signing-secret-0123456789abcdef';

/**
 * Starts the built tracker on the production profile (development sign-in
 * off, identity tokens verified by google-auth-library against `certsUrl`)
 * with SQLite in a fresh folder.
 */
export async function startProductionTracker(certsUrl: string, env: Record<string, string> = {}): Promise<ProductionTracker> {
  const dir = mkdtempSync(join(tmpdir(), 'tracker-hostile-'));
  const sqlitePath = join(dir, 'tracker.sqlite');
  const trackerProcess = await startTrackerProcess(
    {
      PROFILE: 'production',
      STORE: 'sqlite',
      SQLITE_PATH: sqlitePath,
      SIGNING_SECRET,
      ID_TOKEN_AUDIENCE: PRODUCTION_AUDIENCE,
      ID_TOKEN_CERTS_URL: certsUrl,
      PUBLIC_BASE_URL: 'https://t.example.com/',
      LOG_LEVEL: 'info',
      BATCH_MAX_WAIT_MS: '1',
      ...env,
    },
    dir,
  );
  const store = new SqliteStore({ path: sqlitePath, retentionDays: 180 });
  return {
    ...trackerProcess,
    signingSecret: SIGNING_SECRET,
    store,
    async close() {
      await trackerProcess.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends raw bytes to 127.0.0.1:`port` and resolves with everything the server
 * sent back before closing the connection (or after `timeoutMs`).
 */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may reset the connection after responding to an oversized request.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(request);
  });
}

/** Status code of the first response in raw HTTP output, or 0 when there is none. */
export function rawStatus(response: string): number {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(response);
  return match ? Number(match[1]) : 0;
}
