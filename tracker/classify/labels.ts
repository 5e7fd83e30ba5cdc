/**
 * The hit classifier. `labelOnArrival` labels a hit from the request alone.
 * `labelMessageHits` relabels all hits of a message from the facts known about
 * it (send time, the sender's own views) and by comparing its hits with each
 * other (repeated fetches, bursts of clicks). Label meanings are in
 * shared/labels.ts; docs/labels.md lists every rule, window and source.
 */
import { isbot } from 'isbot';
import type { HitLabel } from '../../shared/labels';
import type { HitRecord, LabelChange, SelfView } from '../store/types';
import { MICROSOFT_MAIL_PROTECTION_RANGES } from './ranges';
import { isAppleMppUserAgent, isGmailImageProxy, isGmailPrefetch, isYahooProxy } from './signatures';

/** The fields of a hit that the arrival rules read. */
export type ArrivingHit = Pick<HitRecord, 'kind' | 'method' | 'userAgent' | 'ip' | 'client'>;

export interface ArrivalRule {
  name: string;
  matches(hit: ArrivingHit, agent: string | null): boolean;
  label(hit: ArrivingHit): HitLabel;
}

/** Mail clients recognised by `describeReader` from their own user agents. */
const MAIL_CLIENTS = new Set(['Apple Mail', 'Outlook', 'Thunderbird']);

/**
 * User-agent fragments of security gateways, link previewers and HTTP
 * libraries that fetch links on their own. Matched case-insensitively.
 */
const KNOWN_AUTOMATION: { fragment: string; source: string }[] = [
  // Barracuda's email protection fetches links with this exact agent; listed by
  // Braze's bot-click filtering docs and the JayBizzle/Crawler-Detect issue
  // "barracuda sentinel email edition as user agent".
  { fragment: 'Barracuda Sentinel', source: 'Braze docs; JayBizzle/Crawler-Detect issue tracker' },
  // Slack unfurls links and proxies their images; both agents point at api.slack.com/robots.
  { fragment: 'Slackbot', source: 'api.slack.com/robots' },
  { fragment: 'Slack-ImgProxy', source: 'api.slack.com/robots' },
  // Microsoft Teams' and Skype's URL Preview service fetches a link while the
  // message is typed (Microsoft Teams privacy docs, "URL Preview service").
  { fragment: 'SkypeUriPreview', source: 'monperrus/crawler-user-agents; Microsoft Teams docs' },
  { fragment: 'LinkedInBot', source: 'monperrus/crawler-user-agents' },
  // Facebook's link preview crawler; its agent points at facebook.com/externalhit_uatext.php.
  { fragment: 'facebookexternalhit', source: 'facebook.com/externalhit_uatext.php' },
  { fragment: 'Twitterbot', source: 'monperrus/crawler-user-agents' },
  { fragment: 'Discordbot', source: 'monperrus/crawler-user-agents' },
  { fragment: 'TelegramBot', source: 'monperrus/crawler-user-agents' },
  { fragment: 'WhatsApp/', source: 'monperrus/crawler-user-agents' },
  // Command-line tools and HTTP libraries: scripts and home-made scanners.
  { fragment: 'curl/', source: 'curl default user agent' },
  { fragment: 'Wget/', source: 'GNU Wget default user agent' },
  { fragment: 'python-requests/', source: 'Braze docs (python-requests among filtered agents)' },
  { fragment: 'Go-http-client/', source: 'Go net/http default user agent' },
];

const KNOWN_AUTOMATION_LOWER = KNOWN_AUTOMATION.map((entry) => entry.fragment.toLowerCase());

function machineFetchLabel(hit: ArrivingHit): HitLabel {
  // Prefetchers fetch images; the same signature on a link means a scanner.
  return hit.kind === 'open' ? 'prefetch' : 'scanner';
}

/**
 * Arrival rules, first match wins. Mail proxies and mail clients come before
 * every generic bot test, because isbot 5 reports Gmail's and Yahoo's image
 * proxies, Apple's bare "Mozilla/5.0" and headless browsers as bots.
 */
export const ARRIVAL_RULES: ArrivalRule[] = [
  {
    // Browsers and mail clients GET images and links, while a HEAD only checks
    // that the URL exists. Microsoft Safe Links and other gateways do this
    // (edalzell/laravel-passwordless-login, "Microsoft 'Safelinks' breaks links").
    name: 'head-request',
    matches: (hit) => hit.method.toUpperCase() === 'HEAD',
    label: () => 'scanner',
  },
  {
    // Every browser and mail client sends a user agent; gateways have been
    // reported fetching with none (same report, from Microsoft's 104.47.x.x).
    name: 'empty-user-agent',
    matches: (_hit, agent) => agent === null,
    label: () => 'scanner',
  },
  {
    name: 'gmail-prefetch',
    matches: (_hit, agent) => isGmailPrefetch(agent),
    label: machineFetchLabel,
  },
  {
    // Apple Mail Privacy Protection downloads images on arrival, read or not.
    name: 'apple-mail-privacy-protection',
    matches: (_hit, agent) => isAppleMppUserAgent(agent),
    label: machineFetchLabel,
  },
  {
    name: 'gmail-image-proxy',
    matches: (_hit, agent) => isGmailImageProxy(agent),
    label: () => 'recipient',
  },
  {
    name: 'yahoo-image-proxy',
    matches: (_hit, agent) => isYahooProxy(agent),
    label: () => 'recipient',
  },
  {
    name: 'microsoft-mail-protection-address',
    matches: (hit) => MICROSOFT_MAIL_PROTECTION_RANGES.has(hit.ip),
    label: () => 'scanner',
  },
  {
    name: 'mail-client',
    matches: (hit) => hit.client !== null && MAIL_CLIENTS.has(hit.client),
    label: () => 'recipient',
  },
  {
    name: 'known-automation',
    matches: (_hit, agent) => {
      const lower = (agent ?? '').toLowerCase();
      return KNOWN_AUTOMATION_LOWER.some((fragment) => lower.includes(fragment));
    },
    label: () => 'scanner',
  },
  {
    // A headless browser acts for someone: browser tests, or a person's own
    // automation. No public source ties "HeadlessChrome" to mail gateways, and
    // gateways that use one are caught by the burst rules of labelMessageHits.
    name: 'headless-browser',
    matches: (_hit, agent) => /HeadlessChrome\//.test(agent ?? ''),
    label: () => 'recipient',
  },
  {
    // isbot 5 (Unlicense): a maintained pattern list of crawlers, libraries and tools.
    name: 'isbot',
    matches: (_hit, agent) => isbot(agent),
    label: () => 'scanner',
  },
];

/** Returns the first arrival rule that matches, or null for an ordinary reader. */
export function matchArrivalRule(hit: ArrivingHit): ArrivalRule | null {
  const agent = hit.userAgent && hit.userAgent.trim() !== '' ? hit.userAgent : null;
  return ARRIVAL_RULES.find((rule) => rule.matches(hit, agent)) ?? null;
}

/** Labels a hit from the request alone; used when it arrives and as the base of every relabel. */
export function labelOnArrival(hit: ArrivingHit): HitLabel {
  const rule = matchArrivalRule(hit);
  return rule === null ? 'recipient' : rule.label(hit);
}

/**
 * Hits up to this long after the reported send time still count as before it.
 * The send time comes from the message's Date, which has whole-second
 * precision, so a compose-window load in the same second may follow it.
 */
export const SEND_TIME_SLACK_MS = 1_000;

/**
 * A pixel load this long before a reported self-view belongs to it. The add-on
 * reports the view from its contextual trigger, which runs after Gmail has
 * rendered the message (and loaded its images), and then makes an HTTP call
 * from Apps Script, which can take several seconds on a cold start.
 */
export const SELF_VIEW_BEFORE_MS = 20_000;

/**
 * A pixel load or click this long after a reported self-view belongs to it:
 * images can load after the report when the sender expands a collapsed or
 * quoted part of the conversation.
 */
export const SELF_VIEW_AFTER_MS = 10_000;

/**
 * The same address and user agent fetching the pixel again within this window
 * is one open. Yahoo's proxy has fetched the same image up to four times within
 * seconds (Litmus help, "Why do I see a spike in Yahoo! Mail opens?").
 */
export const DUPLICATE_WINDOW_MS = 10_000;

/**
 * Clicks from one address on at least SCANNER_BURST_MIN_LINKS distinct links
 * within this window are a scanner. Gateways open every link of a message
 * within about a second (mautic "False Clicks - Secure Email Gateways",
 * resend-node "bot click detection"). A person needs several seconds to find
 * and open three different links.
 */
export const SCANNER_BURST_WINDOW_MS = 2_000;
export const SCANNER_BURST_MIN_LINKS = 3;

/**
 * Clicks from one address on every clicked link of the message (at least two)
 * within this long after the send time are a scanner, because gateways fetch
 * links seconds after delivery (gophish "links clicked almost immediately upon
 * receival"; django-anymail "Spurious signals", clusters within 60 s).
 * NOTE: the tracker only knows links that were clicked, not every link in the
 * message, and slower gateways (minutes after delivery) escape this rule and
 * are caught only by the burst rule.
 */
export const EARLY_CLICK_WINDOW_MS = 60_000;

export interface MessageFacts {
  /** Send time in epoch milliseconds; null until the add-on reports it. */
  sentAt: number | null;
}

function byTimeThenId(a: HitRecord, b: HitRecord): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/**
 * Relabels every hit of one message from its facts, its self-views and the
 * hits themselves. Deterministic: the result depends only on the input, not on
 * its order. Returns only the hits whose label changes.
 */
export function labelMessageHits(facts: MessageFacts, selfViews: SelfView[], hits: HitRecord[]): LabelChange[] {
  const ordered = [...hits].sort(byTimeThenId);
  const scannerClicks = findScannerClicks(ordered, facts.sentAt);
  const viewTimes = selfViews.map((view) => view.at).sort((a, b) => a - b);
  const lastKeptOpen = new Map<string, number>();
  const changes: LabelChange[] = [];

  // Hits of one message repeat a few readers many times, so the arrival rules
  // (the costly part: isbot's patterns) run once per distinct request shape.
  const arrivalLabels = new Map<string, HitLabel>();
  const arrivalLabel = (hit: HitRecord): HitLabel => {
    const key = [hit.kind, hit.method, hit.ip, hit.client, hit.userAgent].join('\u0000');
    let label = arrivalLabels.get(key);
    if (label === undefined) {
      label = labelOnArrival(hit);
      arrivalLabels.set(key, label);
    }
    return label;
  };

  for (const hit of ordered) {
    const label = contextualLabel(hit, arrivalLabel(hit), facts.sentAt, scannerClicks, viewTimes, lastKeptOpen);
    if (label !== hit.label) changes.push({ id: hit.id, label });
  }
  return changes;
}

function contextualLabel(
  hit: HitRecord,
  base: HitLabel,
  sentAt: number | null,
  scannerClicks: Set<string>,
  viewTimes: number[],
  lastKeptOpen: Map<string, number>,
): HitLabel {
  if (sentAt !== null && hit.at < sentAt + SEND_TIME_SLACK_MS) return 'before_send';

  if (base !== 'recipient') return base;
  if (scannerClicks.has(hit.id)) return 'scanner';
  // The add-on runs only in Gmail, whose web and mobile clients load images
  // through Google's image proxy, so only proxied opens can be the sender's own
  // view. A direct load near a self-view is another reader and stays counted.
  const couldBeSender = hit.kind === 'click' || hit.proxy === 'gmail';
  if (couldBeSender && isDuringSelfView(hit.at, viewTimes)) return 'self';
  if (hit.kind !== 'open') return 'recipient';

  // Duplicates are measured from the last open that was kept, so a proxy that
  // keeps retrying does not stretch the window indefinitely.
  const key = `${hit.ip ?? ''}|${hit.userAgent ?? ''}`;
  const kept = lastKeptOpen.get(key);
  if (kept !== undefined && hit.at - kept <= DUPLICATE_WINDOW_MS) return 'duplicate';
  lastKeptOpen.set(key, hit.at);
  return 'recipient';
}

/** True when `at` lies within the window of one of the sorted view times. */
function isDuringSelfView(at: number, viewTimes: number[]): boolean {
  // Find the first view that is not too far in the past, then check it is not too far ahead.
  let low = 0;
  let high = viewTimes.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (viewTimes[middle] < at - SELF_VIEW_AFTER_MS) low = middle + 1;
    else high = middle;
  }
  return low < viewTimes.length && viewTimes[low] <= at + SELF_VIEW_BEFORE_MS;
}

/** Returns the ids of clicks that the burst and early-click rules mark as a scanner. */
function findScannerClicks(ordered: HitRecord[], sentAt: number | null): Set<string> {
  const clicksByAddress = new Map<string, HitRecord[]>();
  const allLinks = new Set<string>();
  for (const hit of ordered) {
    if (hit.kind !== 'click') continue;
    allLinks.add(hit.url ?? '');
    // NOTE: with IP_STORAGE=none every stored address is null, so all clicks
    // count as coming from one address and the burst rules can join readers.
    const address = hit.ip ?? '';
    const list = clicksByAddress.get(address);
    if (list) list.push(hit);
    else clicksByAddress.set(address, [hit]);
  }

  const marked = new Set<string>();
  for (const clicks of clicksByAddress.values()) {
    markBursts(clicks, marked);
    if (sentAt !== null) markEarlyClicksOnEveryLink(clicks, sentAt, allLinks.size, marked);
  }
  return marked;
}

/** Marks every click inside a window with enough distinct links (two pointers, linear time). */
function markBursts(clicks: HitRecord[], marked: Set<string>): void {
  const linkCounts = new Map<string, number>();
  let start = 0;
  let markedUpTo = -1;

  for (let end = 0; end < clicks.length; end += 1) {
    const link = clicks[end].url ?? '';
    linkCounts.set(link, (linkCounts.get(link) ?? 0) + 1);

    while (clicks[end].at - clicks[start].at > SCANNER_BURST_WINDOW_MS) {
      const old = clicks[start].url ?? '';
      const count = (linkCounts.get(old) ?? 0) - 1;
      if (count === 0) linkCounts.delete(old);
      else linkCounts.set(old, count);
      start += 1;
    }

    if (linkCounts.size >= SCANNER_BURST_MIN_LINKS) {
      for (let index = Math.max(start, markedUpTo + 1); index <= end; index += 1) marked.add(clicks[index].id);
      markedUpTo = end;
    }
  }
}

function markEarlyClicksOnEveryLink(clicks: HitRecord[], sentAt: number, linkCount: number, marked: Set<string>): void {
  if (linkCount < 2) return;
  const early = clicks.filter((click) => click.at >= sentAt && click.at <= sentAt + EARLY_CLICK_WINDOW_MS);
  const links = new Set(early.map((click) => click.url ?? ''));
  if (links.size < linkCount) return;
  for (const click of early) marked.add(click.id);
}
