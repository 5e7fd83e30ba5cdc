import geoip from 'geoip-lite';
import { UAParser } from 'ua-parser-js';
import type { Location, MailProxy } from '../../shared/api';

export interface ReaderFacts {
  location: Location | null;
  proxy: MailProxy | null;
  client: string | null;
  os: string | null;
  device: string | null;
}

/** Derives location, mail proxy and client facts from the full address and user agent. */
export function describeReader(ip: string | null, userAgent: string | null): ReaderFacts {
  const ua = userAgent ?? '';
  let proxy: MailProxy | null = null;
  if (ua.includes('GoogleImageProxy')) proxy = 'gmail';
  else if (ua.startsWith('YahooMailProxy')) proxy = 'yahoo';
  let location: Location | null = null;
  if (!proxy && ip) {
    const geo = geoip.lookup(ip);
    if (geo) location = { country: geo.country || null, region: geo.region || null, city: geo.city || null, timeZone: geo.timezone || null };
  }
  if (proxy === 'gmail') return { location, proxy, client: 'Gmail', os: null, device: null };
  const parsed = new UAParser(ua).getResult();
  return {
    location,
    proxy,
    client: parsed.browser.name ?? null,
    os: parsed.os.name ?? null,
    device: parsed.device.type ?? (parsed.os.name ? 'desktop' : null),
  };
}
