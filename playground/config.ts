import { resolve } from 'node:path';
import { LOCAL_AUDIENCE } from '../tracker/config';
import { normaliseBaseUrl } from '../shared/urls';

/*
 * Settings of the playground process, from environment variables. The
 * playground is a local tool: it listens on loopback only and talks to a
 * tracker on the local profile with the development sign-in.
 */

export interface PlaygroundConfig {
  host: string;
  port: number;
  /** Where the page is opened, ending with "/". */
  baseUrl: string;
  /** The tracker's PUBLIC_BASE_URL, ending with "/"; the add-on is built for it. */
  trackerBaseUrl: string;
  /** The tracker's development sign-in key (PEM), which signs the sender's identity tokens. */
  devSigninKeyFile: string;
  audience: string;
  sender: string;
  logLevel: string;
}

export class PlaygroundConfigError extends Error {
  constructor(variable: string, value: string, accepted: string) {
    super(`${variable} is "${value}"; expected ${accepted}`);
    this.name = 'PlaygroundConfigError';
  }
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
export const DEFAULT_PLAYGROUND_PORT = 8090;
export const PLAYGROUND_SENDER = 'you@playground.local';

export function loadPlaygroundConfig(env: Record<string, string | undefined>): PlaygroundConfig {
  const host = env.PLAYGROUND_HOST || '127.0.0.1';
  if (!LOOPBACK_HOSTS.includes(host)) {
    throw new PlaygroundConfigError('PLAYGROUND_HOST', host, `a loopback address (${LOOPBACK_HOSTS.join(', ')}): the playground signs in as its sender without a password`);
  }

  const rawPort = env.PLAYGROUND_PORT || String(DEFAULT_PLAYGROUND_PORT);
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) throw new PlaygroundConfigError('PLAYGROUND_PORT', rawPort, 'a port number from 1 to 65535');

  const rawTracker = env.TRACKER_BASE_URL || 'http://localhost:8080/';
  let tracker: URL;
  try {
    tracker = new URL(rawTracker);
  } catch {
    throw new PlaygroundConfigError('TRACKER_BASE_URL', rawTracker, "the local tracker's PUBLIC_BASE_URL, such as http://localhost:8080/");
  }
  if (tracker.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(tracker.hostname)) {
    throw new PlaygroundConfigError('TRACKER_BASE_URL', rawTracker, 'an http:// URL on 127.0.0.1 or localhost, such as http://localhost:8080/: the playground works with a local tracker only');
  }

  const dataDir = resolve(env.DATA_DIR || './data');
  return {
    host,
    port,
    baseUrl: `http://${host === '::1' ? '[::1]' : 'localhost'}:${port}/`,
    trackerBaseUrl: normaliseBaseUrl(rawTracker),
    devSigninKeyFile: resolve(env.DEV_SIGNIN_KEY_FILE || resolve(dataDir, 'dev-signin-key.pem')),
    audience: env.ID_TOKEN_AUDIENCE || LOCAL_AUDIENCE,
    sender: env.PLAYGROUND_SENDER || PLAYGROUND_SENDER,
    logLevel: env.LOG_LEVEL || 'info',
  };
}
