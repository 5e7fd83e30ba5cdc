import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { normaliseBaseUrl } from '../shared/urls';
import { RELABEL_DELAY_MS } from './classify/relabel';

/*
 * All configuration is read and validated here, from environment variables.
 * Two profiles: `local` (the default: embedded SQLite under ./data, plain http on
 * localhost, development sign-in) and `production` (Cloud Run: https base URL,
 * explicit secret and audience, Google-signed identity tokens only).
 */

export type Profile = 'local' | 'production';
export type StoreKind = 'sqlite' | 'firestore';
export type IpStorage = 'truncated' | 'full' | 'none';

export interface Config {
  profile: Profile;
  host: string;
  port: number;
  /** Public base URL of the tracker, ending with "/". */
  publicBaseUrl: string;
  signingSecret: string;
  /** Expected `aud` of identity tokens: the Apps Script project's OAuth client id. */
  idTokenAudience: string;
  /** URL of Google's PEM signing certificates, used unless the development sign-in is on. */
  idTokenCertsUrl: string;
  /** PEM file of the development sign-in's RSA private key; null when that sign-in is off. */
  devSigninKeyFile: string | null;
  /** Number of proxies in front of the tracker whose X-Forwarded-For entries are trusted. */
  trustProxyHops: number;
  store: StoreKind;
  sqlitePath: string;
  firestoreProjectId: string | null;
  firestoreDatabaseId: string;
  retentionDays: number;
  ipStorage: IpStorage;
  /** Group commit: a batch is committed after this many milliseconds or hits, whichever comes first. */
  batchMaxWaitMs: number;
  batchMaxHits: number;
  /** How long a pixel or redirect response waits for its hit's commit. */
  commitDeadlineMs: number;
  /** How long after a commit the duplicate and burst rules run on its messages. */
  relabelDelayMs: number;
  /** Hits stored one by one per message; beyond it they are only counted. */
  maxStoredHitsPerMessage: number;
  /** API requests allowed per minute for each sender (or client address when unauthenticated). */
  apiRateLimitPerMinute: number;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string, accepted: string) {
    super(`${variable} ${problem}; expected ${accepted}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const GOOGLE_CERTS_URL = 'https://www.googleapis.com/oauth2/v1/certs';
export const LOCAL_AUDIENCE = 'local-dev-client';

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `is "${raw}"`, `one of ${values.join(', ')}`);
  }
  return raw as T;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `is "${raw}"`, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function baseUrl(env: Env, name: string, fallback: string | null, requireHttps: boolean): string {
  const raw = env[name] || fallback;
  const accepted = requireHttps
    ? 'an https:// URL with a host, such as https://t.example.com/'
    : 'an http:// or https:// URL, such as http://localhost:8080/';
  if (!raw) throw new ConfigError(name, 'is missing', accepted);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `is "${raw}", which is not a URL`, accepted);
  }
  const httpsOk = url.protocol === 'https:';
  if (requireHttps ? !httpsOk : !(httpsOk || url.protocol === 'http:')) {
    throw new ConfigError(name, `is "${raw}"`, accepted);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(name, `is "${raw}", which has a query, fragment or credentials`, accepted);
  }
  return normaliseBaseUrl(url.toString());
}

/** Reads a secret from the data folder, creating it on first start (local profile only). */
function localSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Env = process.env): Config {
  const profile = oneOf(env, 'PROFILE', ['local', 'production'] as const, 'local');
  const production = profile === 'production';
  const dataDir = resolve(env.DATA_DIR || './data');
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST || (production ? '0.0.0.0' : '127.0.0.1');

  const devSignin = oneOf(env, 'DEV_SIGNIN', ['on', 'off'] as const, production ? 'off' : 'on');
  if (production && devSignin === 'on') {
    throw new ConfigError('DEV_SIGNIN', 'is "on" with PROFILE=production', '"off": the development sign-in accepts tokens anyone can mint');
  }

  let signingSecret = env.SIGNING_SECRET ?? '';
  if (!signingSecret) {
    if (production) throw new ConfigError('SIGNING_SECRET', 'is missing', 'a random string of at least 32 characters');
    signingSecret = localSecret(resolve(dataDir, 'signing-secret'));
  }
  if (signingSecret.length < 32) {
    throw new ConfigError('SIGNING_SECRET', `has ${signingSecret.length} characters`, 'a random string of at least 32 characters');
  }

  const idTokenAudience = env.ID_TOKEN_AUDIENCE || (production ? '' : LOCAL_AUDIENCE);
  if (!idTokenAudience) {
    throw new ConfigError('ID_TOKEN_AUDIENCE', 'is missing', "the OAuth client id of the add-on's Apps Script project");
  }

  const store = oneOf(env, 'STORE', ['sqlite', 'firestore'] as const, production ? 'firestore' : 'sqlite');
  const retentionDays = integer(env, 'RETENTION_DAYS', 180, 1, 3650);

  return {
    profile,
    host,
    port,
    publicBaseUrl: baseUrl(env, 'PUBLIC_BASE_URL', production ? null : `http://localhost:${port}/`, production),
    signingSecret,
    idTokenAudience,
    idTokenCertsUrl: env.ID_TOKEN_CERTS_URL || GOOGLE_CERTS_URL,
    devSigninKeyFile: devSignin === 'on' ? resolve(env.DEV_SIGNIN_KEY_FILE || resolve(dataDir, 'dev-signin-key.pem')) : null,
    trustProxyHops: integer(env, 'TRUST_PROXY_HOPS', production ? 1 : 0, 0, 10),
    store,
    sqlitePath: resolve(env.SQLITE_PATH || resolve(dataDir, 'tracker.sqlite')),
    firestoreProjectId: env.FIRESTORE_PROJECT_ID || env.GOOGLE_CLOUD_PROJECT || null,
    firestoreDatabaseId: env.FIRESTORE_DATABASE_ID || '(default)',
    retentionDays,
    ipStorage: oneOf(env, 'IP_STORAGE', ['truncated', 'full', 'none'] as const, 'truncated'),
    batchMaxWaitMs: integer(env, 'BATCH_MAX_WAIT_MS', 5, 0, 1000),
    batchMaxHits: integer(env, 'BATCH_MAX_HITS', 200, 1, 500),
    commitDeadlineMs: integer(env, 'COMMIT_DEADLINE_MS', 800, 1, 10000),
    relabelDelayMs: integer(env, 'RELABEL_DELAY_MS', RELABEL_DELAY_MS, 0, 600000),
    maxStoredHitsPerMessage: integer(env, 'MAX_STORED_HITS_PER_MESSAGE', 10000, 10, 1000000),
    apiRateLimitPerMinute: integer(env, 'API_RATE_LIMIT_PER_MINUTE', 600, 1, 1000000),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  };
}
