/// <reference types="google-apps-script" />
import { randomUUID } from 'node:crypto';
import type { Implements } from './cardService';

/*
 * Small Apps Script services: CacheService, PropertiesService, ScriptApp, Session,
 * Logger and Utilities. Limits are the documented ones, so code that would fail in
 * Apps Script fails here too.
 */

/** CacheService limits: key length in characters, value size in bytes, expiration in seconds. */
export const CACHE_MAX_KEY_LENGTH = 250;
export const CACHE_MAX_VALUE_BYTES = 100 * 1024;
export const CACHE_MAX_EXPIRATION_SECONDS = 21600;
const CACHE_DEFAULT_EXPIRATION_SECONDS = 600;

export class FakeCache implements Implements<GoogleAppsScript.Cache.Cache, 'get' | 'put' | 'remove'> {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  /** `now` returns epoch milliseconds, so tests move time without waiting. */
  constructor(private readonly now: () => number) {}

  get(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) return null;
    return entry.value;
  }

  put(key: string, value: string, expirationInSeconds = CACHE_DEFAULT_EXPIRATION_SECONDS): void {
    if (key.length > CACHE_MAX_KEY_LENGTH) throw new Error(`Exception: cache key has ${key.length} characters; the maximum is ${CACHE_MAX_KEY_LENGTH}`);
    const bytes = Buffer.byteLength(value);
    if (bytes > CACHE_MAX_VALUE_BYTES) throw new Error(`Exception: cache value has ${bytes} bytes; the maximum is ${CACHE_MAX_VALUE_BYTES}`);
    // Apps Script lowers a longer expiration to the maximum rather than failing.
    const seconds = Math.min(expirationInSeconds, CACHE_MAX_EXPIRATION_SECONDS);
    this.entries.set(key, { value, expiresAt: this.now() + seconds * 1000 });
  }

  remove(key: string): void {
    this.entries.delete(key);
  }
}

export class FakeCacheService implements Implements<GoogleAppsScript.Cache.CacheService, 'getUserCache' | 'getScriptCache'> {
  readonly userCache: FakeCache;
  readonly scriptCache: FakeCache;
  constructor(now: () => number) {
    this.userCache = new FakeCache(now);
    this.scriptCache = new FakeCache(now);
  }
  getUserCache(): GoogleAppsScript.Cache.Cache {
    return this.userCache as unknown as GoogleAppsScript.Cache.Cache;
  }
  getScriptCache(): GoogleAppsScript.Cache.Cache {
    return this.scriptCache as unknown as GoogleAppsScript.Cache.Cache;
  }
}

/** PropertiesService limit on one value, in bytes. */
export const PROPERTY_MAX_VALUE_BYTES = 9 * 1024;

export class FakeProperties implements Implements<GoogleAppsScript.Properties.Properties, 'getProperty' | 'setProperty' | 'deleteProperty'> {
  private readonly values = new Map<string, string>();
  getProperty(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  setProperty(key: string, value: string): this {
    const bytes = Buffer.byteLength(String(value));
    if (bytes > PROPERTY_MAX_VALUE_BYTES) throw new Error(`Exception: property value has ${bytes} bytes; the maximum is ${PROPERTY_MAX_VALUE_BYTES}`);
    this.values.set(key, String(value));
    return this;
  }
  deleteProperty(key: string): this {
    this.values.delete(key);
    return this;
  }
}

export class FakePropertiesService
  implements Implements<GoogleAppsScript.Properties.PropertiesService, 'getUserProperties' | 'getScriptProperties'>
{
  readonly user = new FakeProperties();
  readonly script = new FakeProperties();
  getUserProperties(): GoogleAppsScript.Properties.Properties {
    return this.user as unknown as GoogleAppsScript.Properties.Properties;
  }
  getScriptProperties(): GoogleAppsScript.Properties.Properties {
    return this.script as unknown as GoogleAppsScript.Properties.Properties;
  }
}

export class FakeScriptApp implements Implements<GoogleAppsScript.Script.ScriptApp, 'getIdentityToken'> {
  /** What getIdentityToken returns; Apps Script returns null until the user grants the openid scope. */
  constructor(public identityToken: string | null) {}
  getIdentityToken(): string {
    return this.identityToken as string;
  }
}

export class FakeSession implements Implements<GoogleAppsScript.Base.Session, 'getScriptTimeZone' | 'getActiveUser'> {
  constructor(
    private readonly scriptTimeZone: string,
    private readonly email: string,
  ) {}
  getScriptTimeZone(): string {
    return this.scriptTimeZone;
  }
  getActiveUser(): GoogleAppsScript.Base.User {
    const email = this.email;
    return { getEmail: () => email } as unknown as GoogleAppsScript.Base.User;
  }
}

export class FakeLogger implements Implements<GoogleAppsScript.Base.Logger, 'log'> {
  readonly lines: string[] = [];
  log(data: unknown, ...values: unknown[]): this {
    this.lines.push([data, ...values].map(String).join(' '));
    return this;
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Utilities.formatDate for the subset of java.text.SimpleDateFormat letters this
 * project uses (yyyy, MMM, MM, dd, d, EEE, HH, mm, ss and quoted text). Any other letter
 * throws, so the fake never formats differently from Apps Script without notice.
 */
export function formatDate(date: Date, timeZone: string, pattern: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((item) => item.type === type)?.value);
  const fields: Record<string, string> = {
    yyyy: String(part('year')),
    MMM: MONTHS[part('month') - 1],
    MM: String(part('month')).padStart(2, '0'),
    dd: String(part('day')).padStart(2, '0'),
    d: String(part('day')),
    HH: String(part('hour')).padStart(2, '0'),
    mm: String(part('minute')).padStart(2, '0'),
    ss: String(part('second')).padStart(2, '0'),
    // The weekday of the local calendar date, computed without a second Intl call.
    EEE: WEEKDAYS[new Date(Date.UTC(part('year'), part('month') - 1, part('day'))).getUTCDay()],
  };
  return pattern.replace(/'[^']*'|([A-Za-z])\1*/g, (token) => {
    if (token.startsWith("'")) return token.slice(1, -1);
    const value = fields[token];
    if (value === undefined) throw new Error(`formatDate fake does not support the pattern letters "${token}" in "${pattern}"`);
    return value;
  });
}

export class FakeUtilities implements Implements<GoogleAppsScript.Utilities.Utilities, 'getUuid' | 'formatDate'> {
  getUuid(): string {
    return randomUUID();
  }
  formatDate(date: GoogleAppsScript.Base.Date, timeZone: string, format: string): string {
    return formatDate(date as unknown as Date, timeZone, format);
  }
}
