import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signDevIdToken } from '../tracker/auth/devSignin';
import { LOCAL_AUDIENCE } from '../tracker/config';

/*
 * Creating tracked messages and links through a running tracker's API, as the
 * add-on does, with an identity token from the development sign-in.
 */

export interface ApiClient {
  base: string;
  authorization: string;
}

export function apiClient(port: number, dataDir: string, email = 'bench@example.com'): ApiClient {
  const key = readFileSync(join(dataDir, 'dev-signin-key.pem'), 'utf8');
  // Long-lived, so runs of any length can keep using it.
  const idToken = signDevIdToken(key, { email, audience: LOCAL_AUDIENCE, lifetimeSeconds: 24 * 3600 });
  return { base: `http://127.0.0.1:${port}`, authorization: `Bearer ${idToken}` };
}

async function postJson(client: ApiClient, path: string, body: unknown): Promise<Record<string, string>> {
  const response = await fetch(`${client.base}${path}`, {
    method: 'POST',
    headers: { authorization: client.authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST ${path} returned ${response.status}: ${text}`);
  return JSON.parse(text) as Record<string, string>;
}

export async function createMessage(client: ApiClient): Promise<string> {
  return (await postJson(client, '/api/messages', { recipients: ['reader@example.org'] })).token;
}

/** Returns the path of a tracked link to `url` in message `token`. */
export async function createLinkPath(client: ApiClient, token: string, url: string): Promise<string> {
  const { trackedUrl } = await postJson(client, '/api/links', { token, url });
  return new URL(trackedUrl).pathname;
}

export interface Fixtures {
  tokens: string[];
  pixelPaths: string[];
  linkPaths: string[];
}

/** Creates `count` messages with one tracked link each. */
export async function createFixtures(client: ApiClient, count: number): Promise<Fixtures> {
  const tokens: string[] = [];
  const linkPaths: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const token = await createMessage(client);
    tokens.push(token);
    linkPaths.push(await createLinkPath(client, token, `https://shop.example.com/item/${i}?ref=mail`));
  }
  return { tokens, pixelPaths: tokens.map((token) => `/o/${token}.gif`), linkPaths };
}
