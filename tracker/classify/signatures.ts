/**
 * User-agent signatures of mail proxies and mail clients, with the public
 * source of each. Both the reader description and the labels use them, so a
 * proxy is recognised the same way everywhere.
 */

/**
 * Gmail's image proxy, which fetches images when a Gmail reader opens the
 * message (web and apps), since December 2013. Current full value:
 * "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)".
 * Source: googlesystem.blogspot.com, "More About Gmail's Proxy" (2013-12), and
 * Return Path help, "What information does Email Client Monitor capture for
 * Web Proxy", which also notes that the proxy's location is Google's, not the
 * reader's.
 */
export const GMAIL_IMAGE_PROXY_TOKEN = 'GoogleImageProxy';

/**
 * Gmail's prefetch: when a message arrives while the recipient has Gmail open,
 * Gmail fetches its images from a Google address before showing it, with this
 * exact user agent (a fake Edge 12 string with a second "Mozilla/5.0" at the
 * end). It is not an open. Source: SparkPost/Bird, "Gmail is Prefetching
 * Images, Leading to Marginally Inflated Opens" (2022-01), which also added
 * the `is_prefetched` flag to SparkPost's open events for it.
 */
export const GMAIL_PREFETCH_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0';

/**
 * Yahoo Mail's image proxy, which since July 2018 also serves AOL Mail and has
 * re-fetched the same image up to four times per open. Full value:
 * "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html".
 * Source: Litmus help, "Why do I see a spike in Yahoo! Mail opens?".
 */
export const YAHOO_PROXY_TOKEN = 'YahooMailProxy';

/**
 * Apple Mail Privacy Protection (iOS 15, macOS 12 and later) downloads every
 * remote image when a message arrives, read or not, through Apple's relays with
 * exactly this user agent, in use since 2021-09-20. Sources: the uap-core issue
 * "Apple Mail proxy" (github.com/ua-parser/uap-core) for the user agent, and
 * SocketLabs help, "What
 * is Apple MPP and how can I identify these events in my data?", for the
 * download-on-arrival behaviour.
 */
export const APPLE_MPP_USER_AGENT = 'Mozilla/5.0';

export function isGmailImageProxy(userAgent: string | null): boolean {
  return userAgent !== null && userAgent.includes(GMAIL_IMAGE_PROXY_TOKEN);
}

export function isGmailPrefetch(userAgent: string | null): boolean {
  return userAgent !== null && userAgent.trim() === GMAIL_PREFETCH_USER_AGENT;
}

export function isYahooProxy(userAgent: string | null): boolean {
  return userAgent !== null && userAgent.includes(YAHOO_PROXY_TOKEN);
}

export function isAppleMppUserAgent(userAgent: string | null): boolean {
  return userAgent !== null && userAgent.trim() === APPLE_MPP_USER_AGENT;
}
