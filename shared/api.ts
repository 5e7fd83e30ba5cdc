/**
 * Request and response bodies of the tracker's JSON API. The tracker validates
 * requests and serialises responses with JSON schemas built from the same shapes
 * (tracker/schemas.ts); the add-on builds requests and reads responses with them.
 * Times are ISO 8601 strings in UTC.
 */
import type { HitKind, HitLabel } from './labels';

export interface CreateMessageRequest {
  /** Recipients as the compose card saw them; shown when no subject is known yet. */
  recipients?: string[];
}

export interface CreateMessageResponse {
  token: string;
  pixelUrl: string;
  /** An `<img>` element to insert into the draft body. */
  pixelHtml: string;
}

export interface CreateLinkRequest {
  token: string;
  /** Absolute http(s) URL the tracked link redirects to. */
  url: string;
  /** Link text; when present the response carries a ready `<a>` element. */
  text?: string;
}

export interface CreateLinkResponse {
  trackedUrl: string;
  html?: string;
}

export interface Location {
  country: string | null;
  region: string | null;
  city: string | null;
  timeZone: string | null;
}

export interface HitView {
  id: string;
  at: string;
  kind: HitKind;
  label: HitLabel;
  /** Destination of a click; absent for opens. */
  url?: string;
  /** Location from the reader's address; null when unknown or hidden by a proxy. */
  location: Location | null;
  /** Mail proxy that fetched on the reader's behalf, which hides the reader's location. */
  proxy: MailProxy | null;
  /** Mail client or browser, for example "Gmail", "Apple Mail", "Chrome". */
  client: string | null;
  os: string | null;
  /** "desktop", "mobile", "tablet" or null when the user agent does not tell. */
  device: string | null;
}

export type MailProxy = 'gmail' | 'yahoo' | 'apple';

export type LabelCounts = Record<HitLabel, number>;

export interface MessageSummary {
  token: string;
  subject: string | null;
  recipients: string[];
  createdAt: string;
  sentAt: string | null;
  opens: LabelCounts;
  clicks: LabelCounts;
  /** First and last recipient open; null until there is one. */
  firstOpenAt: string | null;
  lastOpenAt: string | null;
  /** Most recent hits, newest first, at most `hitsLimit` of them. */
  hits: HitView[];
  /** Hits stored for this message in all. */
  totalHits: number;
}

export interface ApiError {
  error: string;
  message: string;
}

export interface ActivityItem {
  token: string;
  subject: string | null;
  recipients: string[];
  sentAt: string | null;
  lastActivityAt: string;
  recipientOpens: number;
  recipientClicks: number;
}

export interface ActivityResponse {
  items: ActivityItem[];
  /** Pass as `cursor` to read the next page; null on the last page. */
  next: string | null;
}

export interface DeleteMyDataResponse {
  deletedMessages: number;
}

/** Reason the link rewriter left a link as written. */
export type LinkSkipReason =
  | 'empty' // no URL in the href
  | 'anchor' // "#name": a place inside the message
  | 'relative' // no scheme, so the destination depends on where the message is shown
  | 'scheme' // mailto:, tel:, sms:, javascript:, data: or any other non-http scheme
  | 'already_tracked' // already a tracked link of this tracker
  | 'quoted' // inside a quoted earlier message
  | 'conditional_comment' // inside an Outlook conditional comment, which is kept byte for byte
  | 'invalid'; // an http(s) URL that the tracker refuses to redirect to; `message` says why

export interface RewriteRequest {
  token: string;
  /** The message body, or a snippet of it. */
  html: string;
  /** False for snippets that must not get the open pixel; defaults to true. */
  insertPixel?: boolean;
}

export interface RewrittenLink {
  /** The href as the author wrote it, character references decoded once. */
  href: string;
  tracked: boolean;
  /** The URL the tracked link redirects to; only for tracked links. */
  destination?: string;
  /** The new href; only for tracked links. */
  trackedUrl?: string;
  /** Only for links left as written. */
  reason?: LinkSkipReason;
  /** Only for links left as written: the reason in a sentence. */
  message?: string;
}

export interface RewriteResponse {
  html: string;
  /** 'inserted', 'present' when the body already has a pixel, 'not_requested' when insertPixel was false. */
  pixel: PixelOutcome;
  /** Every link found, in document order. */
  links: RewrittenLink[];
}

export type PixelOutcome = 'inserted' | 'present' | 'not_requested';
/** Facts the add-on learns when the sender views the sent message. */
export interface MessageFactsRequest {
  /** Send time from GmailMessage.getDate(), as an ISO 8601 string. */
  sentAt: string;
  /** Subject of the sent message; absent keeps the stored one, null clears it. */
  subject?: string | null;
}

/** The sender has the message, or a reply quoting it, open in the add-on's panel. */
export interface SelfViewRequest {
  /** When the view started, as an ISO 8601 string; the tracker's clock when absent. */
  at?: string;
  /** True when the open message is a reply that quotes the tracked one. */
  quoted?: boolean;
}
