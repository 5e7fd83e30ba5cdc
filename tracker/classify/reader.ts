/**
 * Describes who fetched a pixel or link: location, mail proxy, client, OS and
 * device. It runs once when the hit arrives, because it needs the full client
 * address, which is truncated before the hit is stored.
 */
import geoip from 'geoip-lite';
import UAParser from 'ua-parser-js';
import type { Location, MailProxy } from '../../shared/api';
import { normaliseIp } from './ip';
import { APPLE_RELAY_RANGES, GOOGLE_PROXY_RANGES } from './ranges';
import { isAppleMppUserAgent, isGmailImageProxy, isGmailPrefetch, isYahooProxy } from './signatures';

export interface ReaderFacts {
  /** Null when unknown, or when a proxy or a machine made the request, because its address does not locate the reader. */
  location: Location | null;
  proxy: MailProxy | null;
  client: string | null;
  os: string | null;
  /** "desktop", "mobile", "tablet" or null. */
  device: string | null;
}

interface ClientFacts {
  proxy: MailProxy | null;
  client: string | null;
  os: string | null;
  device: string | null;
  /** True when the address belongs to a fetching machine, not to the reader. */
  hidesLocation: boolean;
}

/** Operating systems that ua-parser-js 1.x names for desktop computers. */
const DESKTOP_OS = new Set(['Windows', 'Mac OS', 'Linux', 'Ubuntu', 'Debian', 'Fedora', 'Chromium OS', 'FreeBSD', 'OpenBSD']);

/**
 * Returns the reader facts for one request. `ip` is the full client address;
 * `userAgent` is the raw header, null or empty when absent.
 */
export function describeReader(ip: string | null, userAgent: string | null): ReaderFacts {
  const agent = userAgent && userAgent.trim() !== '' ? userAgent : null;
  const address = normaliseIp(ip);
  const facts = describeClient(address, agent);

  return {
    location: facts.hidesLocation || facts.proxy !== null ? null : lookupLocation(address),
    proxy: facts.proxy,
    client: facts.client,
    os: facts.os,
    device: facts.device,
  };
}

/**
 * Mail proxies and mail clients are recognised first, from their documented
 * user agents; anything else is described by ua-parser-js.
 */
function describeClient(address: string | null, agent: string | null): ClientFacts {
  const unknown = { os: null, device: null };

  if (isGmailImageProxy(agent)) {
    return { proxy: 'gmail', client: 'Gmail', ...unknown, hidesLocation: true };
  }
  if (isGmailPrefetch(agent)) {
    // The prefetcher comes from Google's addresses; its fake Edge user agent
    // says nothing about the reader's device.
    const fromGoogle = GOOGLE_PROXY_RANGES.has(address);
    return { proxy: fromGoogle ? 'gmail' : null, client: 'Gmail', ...unknown, hidesLocation: true };
  }
  if (isYahooProxy(agent)) {
    // Yahoo's proxy also serves AOL Mail, and its requests do not show which of the two.
    return { proxy: 'yahoo', client: 'Yahoo Mail', ...unknown, hidesLocation: true };
  }
  if (isAppleMppUserAgent(agent)) {
    const fromApple = APPLE_RELAY_RANGES.has(address);
    return { proxy: fromApple ? 'apple' : null, client: fromApple ? 'Apple Mail' : null, ...unknown, hidesLocation: true };
  }
  if (agent === null) {
    return { proxy: null, client: null, ...unknown, hidesLocation: false };
  }

  const parsed = new UAParser(agent).getResult();
  const os = parsed.os.name ?? null;
  const device = deviceType(parsed.device.type, os);
  const client = mailClientName(agent, parsed) ?? browserName(parsed);
  return { proxy: null, client, os, device, hidesLocation: GOOGLE_PROXY_RANGES.has(address) };
}

/**
 * Names the desktop and mobile mail clients whose user agents ua-parser-js 1.x
 * reports as a plain engine or an old browser.
 */
function mailClientName(agent: string, parsed: UAParser.IResult): string | null {
  // Outlook for Windows renders with Word's engine and sends an IE 7 user agent
  // ending in "Microsoft Outlook <version>; ms-office; MSOffice <n>". Newer
  // builds send "Microsoft Office/16.0 (...; Microsoft Outlook <build>; ...)".
  if (/Microsoft Outlook|ms-office|MSOffice/i.test(agent)) return 'Outlook';
  if (/Thunderbird\//.test(agent)) return 'Thunderbird';

  // Apple Mail on iPhone, iPad and Mac sends the bare WebKit user agent, with
  // neither "Version/" nor "Safari" (uap-core issue "Apple Mail incorrectly
  // detected as version 605"), so ua-parser-js reports the browser as "WebKit".
  const apple = parsed.device.vendor === 'Apple' || parsed.os.name === 'iOS' || parsed.os.name === 'Mac OS';
  if (apple && /AppleWebKit\//.test(agent) && !/Safari|Version\//.test(agent)) return 'Apple Mail';
  return null;
}

function browserName(parsed: UAParser.IResult): string | null {
  return parsed.browser.name ?? null;
}

function deviceType(parsedType: string | undefined, os: string | null): string | null {
  if (parsedType === 'mobile' || parsedType === 'tablet') return parsedType;
  if (parsedType === undefined && os !== null && DESKTOP_OS.has(os)) return 'desktop';
  return null;
}

function lookupLocation(address: string | null): Location | null {
  if (address === null) return null;
  const found = geoip.lookup(address);
  if (!found) return null;
  return {
    country: found.country || null,
    region: found.region || null,
    city: found.city || null,
    timeZone: found.timezone || null,
  };
}
