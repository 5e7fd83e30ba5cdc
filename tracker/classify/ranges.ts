/**
 * Published address ranges of the machines that fetch images and links on a
 * reader's behalf. Each list names where its ranges come from. The lists are
 * deliberately coarse: they are only ever combined with a user-agent signature,
 * never used alone to decide that a request was not a person.
 */
import { AddressRanges } from './ip';

/**
 * Google's ranges that Gmail's image proxy (GoogleImageProxy) and Gmail's own
 * prefetcher fetch from. 66.102.0.0/20 is registered to Google LLC in ARIN
 * (NET-66-102-0-0-1, reverse names google-proxy-66-102-*.google.com).
 * 66.249.64.0 to 66.249.95.255 (/19) is registered to Google and also carries
 * Googlebot (reverse names crawl-66-249-*.googlebot.com), as quoted from ARIN
 * and DNS in the issue tracker of mitchellkrogza/nginx-ultimate-bad-bot-blocker.
 */
export const GOOGLE_PROXY_RANGES = new AddressRanges(['66.102.0.0/20', '66.249.64.0/19']);

/**
 * Apple's addresses that Mail Privacy Protection fetches from.
 * 17.0.0.0/8 is Apple's own allocation. Mail Privacy Protection uses the
 * iCloud Private Relay infrastructure (wordtothewise.com, "Apple MPP reporting
 * and geolocation", 2021-09), whose egress ranges Apple publishes at
 * mask-api.icloud.com/egress-ip-ranges.csv. The entries below are the prefixes
 * that contain that feed's IPv4 entries (Cloudflare 104.28.x, Fastly 140.248.x
 * and 146.75.128+, Akamai 172.224-226.x) and its main IPv6 blocks, as mirrored
 * in the repository hroost/icloud-private-relay-iplist.
 * NOTE: Apple's feed changes daily and is larger than these prefixes. An MPP
 * fetch from an address outside them is still labelled a prefetch by its user
 * agent, only without the "apple" proxy tag.
 */
export const APPLE_RELAY_RANGES = new AddressRanges([
  '17.0.0.0/8',
  '104.28.0.0/16',
  '140.248.0.0/18',
  '146.75.128.0/17',
  '172.224.0.0/14',
  '2606:54c0::/30',
  '2a02:26f7:b000::/36',
]);

/**
 * Exchange Online Protection, which delivers and scans Microsoft 365 mail and
 * whose Safe Links feature fetches links before delivery: the ranges in
 * Microsoft's SPF record spf.protection.outlook.com. Reports of Safe Links
 * fetching links with a blank user agent from 104.47.x.x are in the issue
 * trackers of edalzell/laravel-passwordless-login ("Microsoft 'Safelinks'
 * (Defender) breaks links") and opencollective/opencollective ("Magic links
 * don't work with Outlook safe links"). A reader's own browser or Outlook
 * client never fetches from these mail-server addresses.
 */
export const MICROSOFT_MAIL_PROTECTION_RANGES = new AddressRanges([
  '40.92.0.0/15',
  '40.107.0.0/16',
  '52.100.0.0/14',
  '104.47.0.0/17',
  '2a01:111:f400::/48',
  '2a01:111:f403::/48',
]);
