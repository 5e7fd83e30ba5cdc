import type {
  ActivityResponse,
  ApiError,
  CreateLinkRequest,
  CreateLinkResponse,
  CreateMessageRequest,
  CreateMessageResponse,
  DeleteMyDataResponse,
  MessageFactsRequest,
  MessageSummary,
  RewriteRequest,
  RewriteResponse,
  SelfViewRequest,
} from '../shared/api';

/*
 * Calls to the tracker's JSON API. Every call carries the sender's Google identity
 * token, from which the tracker takes the sender's email address. The add-on stores
 * no other secret. Failures are returned as values, so each card can tell the
 * sender what to do about them.
 */

export type ApiFailure =
  /** ScriptApp.getIdentityToken() returned nothing, so no request was sent. */
  | { kind: 'no-identity' }
  /** UrlFetchApp threw: no connection, DNS failure, timeout or a URL outside the allowlist. */
  | { kind: 'unreachable'; detail: string }
  /** HTTP 401 or 403. */
  | { kind: 'unauthorized'; status: number; message: string }
  /** HTTP 404. */
  | { kind: 'not-found'; message: string }
  /** HTTP 429; `retryAfterSeconds` comes from the Retry-After header, null when it is missing or unreadable. */
  | { kind: 'rate-limited'; retryAfterSeconds: number | null; message: string }
  /** HTTP 400, 409, 413 or 422: the tracker rejected the request's content. */
  | { kind: 'rejected'; status: number; message: string }
  /** Any other status outside 2xx. */
  | { kind: 'server'; status: number; message: string }
  /** A 2xx response whose body is not the JSON this add-on expects. */
  | { kind: 'invalid-response'; status: number };

export type ApiResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

/** The Apps Script services the client uses, passed in so tests and callers can see them. */
export interface HttpDeps {
  fetch(url: string, params: GoogleAppsScript.URL_Fetch.URLFetchRequestOptions): GoogleAppsScript.URL_Fetch.HTTPResponse;
  identityToken(): string | null;
}

export interface TrackerClient {
  createMessage(request: CreateMessageRequest): ApiResult<CreateMessageResponse>;
  createLink(request: CreateLinkRequest): ApiResult<CreateLinkResponse>;
  rewrite(request: RewriteRequest): ApiResult<RewriteResponse>;
  /** Reads a message's opens and clicks; `hits` is how many of the newest hits to list (the tracker's default when absent). */
  getSummary(token: string, hits?: number): ApiResult<MessageSummary>;
  reportFacts(token: string, facts: MessageFactsRequest): ApiResult<MessageSummary>;
  reportSelfView(token: string, view: SelfViewRequest): ApiResult<MessageSummary>;
  getActivity(page: { limit: number; cursor: string | null }): ApiResult<ActivityResponse>;
  deleteMyData(): ApiResult<DeleteMyDataResponse>;
}

/** Wraps the real services, UrlFetchApp and ScriptApp. */
export function appsScriptHttp(): HttpDeps {
  return {
    fetch: (url, params) => UrlFetchApp.fetch(url, params),
    identityToken: () => ScriptApp.getIdentityToken() || null,
  };
}

export function createTrackerClient(baseUrl: string, deps: HttpDeps): TrackerClient {
  function call<T>(method: 'get' | 'post' | 'delete', path: string, body: unknown, isExpected: (value: unknown) => boolean): ApiResult<T> {
    const identityToken = deps.identityToken();
    if (!identityToken) return { ok: false, failure: { kind: 'no-identity' } };

    const params: GoogleAppsScript.URL_Fetch.URLFetchRequestOptions = {
      method,
      headers: { Authorization: `Bearer ${identityToken}`, Accept: 'application/json' },
      // Without this UrlFetchApp throws on every 4xx and 5xx, hiding the tracker's error body.
      muteHttpExceptions: true,
      followRedirects: false,
    };
    if (body !== undefined) {
      params.contentType = 'application/json';
      params.payload = JSON.stringify(body);
    }

    let response: GoogleAppsScript.URL_Fetch.HTTPResponse;
    try {
      response = deps.fetch(`${baseUrl}${path}`, params);
    } catch (error) {
      return { ok: false, failure: { kind: 'unreachable', detail: errorMessage(error) } };
    }

    const status = response.getResponseCode();
    const parsed = parseJson(response.getContentText());
    if (status >= 200 && status < 300) {
      if (parsed === undefined || !isExpected(parsed)) return { ok: false, failure: { kind: 'invalid-response', status } };
      return { ok: true, value: parsed as T };
    }
    const message = apiErrorMessage(parsed, status);
    if (status === 429) return { ok: false, failure: { kind: 'rate-limited', retryAfterSeconds: retryAfterSeconds(response), message } };
    return { ok: false, failure: failureFor(status, message) };
  }

  const messagePath = (token: string, rest: string) => `api/messages/${encodeURIComponent(token)}/${rest}`;
  return {
    createMessage: (request) => call<CreateMessageResponse>('post', 'api/messages', request, isCreateMessageResponse),
    createLink: (request) => call<CreateLinkResponse>('post', 'api/links', request, isCreateLinkResponse),
    rewrite: (request) => call<RewriteResponse>('post', 'api/rewrite', request, isRewriteResponse),
    getSummary: (token, hits) =>
      call<MessageSummary>('get', messagePath(token, hits === undefined ? 'summary' : `summary?hits=${hits}`), undefined, isMessageSummary),
    reportFacts: (token, facts) => call<MessageSummary>('post', messagePath(token, 'facts'), facts, isMessageSummary),
    reportSelfView: (token, view) => call<MessageSummary>('post', messagePath(token, 'self-views'), view, isMessageSummary),
    getActivity: ({ limit, cursor }) =>
      call<ActivityResponse>('get', `api/activity?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, undefined, isActivityResponse),
    deleteMyData: () => call<DeleteMyDataResponse>('delete', 'api/me/data', undefined, isDeleteMyDataResponse),
  };
}

/**
 * Reads Retry-After as seconds (RFC 9110 allows a number of seconds or an HTTP
 * date). UrlFetchApp keeps the server's spelling of header names, so the name is
 * matched without regard to case.
 */
function retryAfterSeconds(response: GoogleAppsScript.URL_Fetch.HTTPResponse): number | null {
  const headers = response.getHeaders() as Record<string, unknown>;
  const name = Object.keys(headers).find((key) => key.toLowerCase() === 'retry-after');
  const value = name === undefined ? '' : String(headers[name]).trim();
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function failureFor(status: number, message: string): ApiFailure {
  if (status === 401 || status === 403) return { kind: 'unauthorized', status, message };
  if (status === 404) return { kind: 'not-found', message };
  if (status === 400 || status === 409 || status === 413 || status === 422) return { kind: 'rejected', status, message };
  return { kind: 'server', status, message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function apiErrorMessage(body: unknown, status: number): string {
  const message = isRecord(body) ? (body as Partial<ApiError>).message : undefined;
  return typeof message === 'string' && message ? message : `HTTP ${status} without an error message`;
}

/**
 * Returns the message of a thrown value. Apps Script services throw objects that need
 * not be instances of this script's Error, so the message is read without instanceof.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCreateMessageResponse(value: unknown): boolean {
  return isRecord(value) && typeof value.token === 'string' && typeof value.pixelUrl === 'string' && typeof value.pixelHtml === 'string';
}

function isCreateLinkResponse(value: unknown): boolean {
  return isRecord(value) && typeof value.trackedUrl === 'string' && (value.html === undefined || typeof value.html === 'string');
}

function isRewriteResponse(value: unknown): boolean {
  return isRecord(value) && typeof value.html === 'string' && typeof value.pixel === 'string' && Array.isArray(value.links);
}

function isActivityResponse(value: unknown): boolean {
  return isRecord(value) && Array.isArray(value.items) && (value.next === null || typeof value.next === 'string');
}

function isDeleteMyDataResponse(value: unknown): boolean {
  return isRecord(value) && typeof value.deletedMessages === 'number';
}

function isMessageSummary(value: unknown): boolean {
  return (
    isRecord(value) &&
    typeof value.token === 'string' &&
    Array.isArray(value.hits) &&
    isRecord(value.opens) &&
    isRecord(value.clicks) &&
    typeof value.totalHits === 'number'
  );
}
