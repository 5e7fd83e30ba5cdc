/// <reference types="google-apps-script" />
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Implements } from './cardService';

/*
 * A UrlFetchApp that makes real, blocking HTTP requests, as Apps Script's does:
 * each request runs in a child Node process (fetchHelper.js) and the caller waits
 * for it with spawnSync. A server under test must therefore run in another
 * process, because a server in this process could not respond while it waits. Only URLs under a prefix of the built
 * manifest's urlFetchWhitelist are fetched; others throw, as in a published add-on.
 */

type Options = GoogleAppsScript.URL_Fetch.URLFetchRequestOptions;

const HELPER = resolve(__dirname, 'fetchHelper.js');
/** Apps Script's UrlFetchApp gives up after about 60 seconds; tests use less. */
const TIMEOUT_MS = 20000;
const MAX_REDIRECTS = 5;

export interface FetchRecord {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  options: Options;
  status: number | null;
}

export class FakeHttpResponse
  implements Implements<GoogleAppsScript.URL_Fetch.HTTPResponse, 'getResponseCode' | 'getContentText' | 'getHeaders' | 'getAllHeaders'>
{
  constructor(
    private readonly status: number,
    private readonly headers: Record<string, string | string[]>,
    private readonly body: Buffer,
  ) {}
  getResponseCode(): number {
    return this.status;
  }
  getContentText(): string {
    return this.body.toString('utf8');
  }
  getHeaders(): object {
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.headers)) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    return flat;
  }
  getAllHeaders(): object {
    return { ...this.headers };
  }
}

export class FakeUrlFetchApp implements Implements<GoogleAppsScript.URL_Fetch.UrlFetchApp, 'fetch'> {
  /** Every request the add-on made, in order. */
  readonly requests: FetchRecord[] = [];

  constructor(private readonly allowlist: readonly string[]) {}

  fetch(url: string, options: Options = {}): GoogleAppsScript.URL_Fetch.HTTPResponse {
    const method = (options.method ?? 'get').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = String(value);
    if (options.contentType) headers['Content-Type'] = options.contentType;
    let body: string | null = null;
    if (typeof options.payload === 'string') body = options.payload;
    else if (options.payload !== undefined) body = JSON.stringify(options.payload);

    let target = url;
    for (let redirects = 0; ; redirects++) {
      this.checkAllowed(target);
      const record: FetchRecord = { url: target, method, headers, body, options, status: null };
      this.requests.push(record);
      const response = this.send(target, method, headers, body);
      record.status = response.getResponseCode();

      const location = (response.getHeaders() as Record<string, string>).location;
      const followRedirects = options.followRedirects ?? true;
      if (followRedirects && location && record.status >= 300 && record.status < 400 && redirects < MAX_REDIRECTS) {
        target = new URL(location, target).href;
        continue;
      }
      if (!options.muteHttpExceptions && record.status >= 400) {
        throw new Error(`Exception: Request failed for ${target} returned code ${record.status}. Truncated server response: ${response.getContentText().slice(0, 200)}`);
      }
      return response as unknown as GoogleAppsScript.URL_Fetch.HTTPResponse;
    }
  }

  private checkAllowed(url: string): void {
    if (!this.allowlist.some((prefix) => url.startsWith(prefix))) {
      throw new Error(`Exception: ${url} is not under any urlFetchWhitelist prefix of the manifest (${this.allowlist.join(', ') || 'none'})`);
    }
  }

  private send(url: string, method: string, headers: Record<string, string>, body: string | null): FakeHttpResponse {
    const input = JSON.stringify({ url, method, headers, body: body === null ? null : Buffer.from(body).toString('base64'), timeoutMs: TIMEOUT_MS });
    const child = spawnSync(process.execPath, [HELPER], { input, encoding: 'utf8', timeout: TIMEOUT_MS + 5000 });
    if (child.error) throw new Error(`Exception: the fetch helper failed for ${url}: ${child.error.message}`);
    let result: { status?: number; headers?: Record<string, string | string[]>; body?: string; error?: string };
    try {
      result = JSON.parse(child.stdout) as typeof result;
    } catch {
      throw new Error(`Exception: the fetch helper printed no result for ${url} (exit ${child.status}): ${child.stderr}`);
    }
    // Apps Script reports a failed connection as an exception, never as a response.
    if (result.error || result.status === undefined) throw new Error(`Exception: Address unavailable: ${url} (${result.error ?? 'no status'})`);
    return new FakeHttpResponse(result.status, result.headers ?? {}, Buffer.from(result.body ?? '', 'base64'));
  }
}
