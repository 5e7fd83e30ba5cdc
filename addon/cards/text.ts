import type { HitView, MailProxy } from '../../shared/api';
import type { ApiFailure } from '../trackerClient';

/*
 * Sentences the cards show, as pure functions of plain data.
 */

/** Where a sender whose identity token is missing can remove and re-grant the add-on's access. */
export const PERMISSIONS_URL = 'https://myaccount.google.com/permissions';

const PROXY_NAMES: Record<MailProxy, string> = {
  gmail: "Gmail's image proxy",
  yahoo: "Yahoo's image proxy",
  apple: 'Apple Mail Privacy Protection',
};

/** Escapes text for the small HTML subset that card text widgets render. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Where the reader was, or why that is not known. */
export function describeLocation(hit: Pick<HitView, 'location' | 'proxy'>): string {
  if (hit.proxy) return `Location hidden by ${PROXY_NAMES[hit.proxy]}`;
  const location = hit.location;
  if (!location) return 'Location unknown';
  const parts = [location.city, location.region, location.country].filter((part): part is string => !!part);
  return parts.length > 0 ? parts.join(', ') : 'Location unknown';
}

/** The mail client or browser and its system, for example "Chrome on Linux". */
export function describeClient(hit: Pick<HitView, 'client' | 'os' | 'proxy'>): string {
  if (hit.client && hit.os) return `${hit.client} on ${hit.os}`;
  if (hit.client) return hit.client;
  if (hit.os) return `Unknown client on ${hit.os}`;
  return 'Unknown client';
}

/** Describes the mail client or browser, its system, place and device kind, for a hit's bottom line. */
export function describeReader(hit: Pick<HitView, 'client' | 'os' | 'proxy' | 'location' | 'device'>): string {
  const device = hit.device ? ` · ${DEVICE_NAMES[hit.device] ?? hit.device}` : '';
  return `${describeClient(hit)} · ${describeLocation(hit)}${device}`;
}

const DEVICE_NAMES: Record<string, string> = { desktop: 'computer', mobile: 'phone', tablet: 'tablet' };

/** Counts a noun: "1 open", "3 opens". */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

/** What the request was for, as the sender would say it. */
export type RequestPurpose = 'track' | 'link' | 'snippet' | 'summary' | 'activity' | 'delete' | 'reply' | 'new-email';

/** Purposes that would have changed the open draft: a failure leaves the draft as it was. */
const DRAFT_PURPOSES: readonly RequestPurpose[] = ['track', 'link', 'snippet'];

/** Explains a failed tracker call and what the sender can do next. */
export function describeFailure(failure: ApiFailure, baseUrl: string, purpose: RequestPurpose): string {
  const sentence = failureSentence(failure, baseUrl, purpose);
  return DRAFT_PURPOSES.includes(purpose) ? `${sentence} Your draft is unchanged.` : sentence;
}

/** Formats a wait in seconds the way a sender reads it: "45 seconds", "2 minutes". */
function describeWait(seconds: number): string {
  if (seconds < 90) return countOf(Math.max(1, seconds), 'second');
  return countOf(Math.ceil(seconds / 60), 'minute');
}

function failureSentence(failure: ApiFailure, baseUrl: string, purpose: RequestPurpose): string {
  switch (failure.kind) {
    case 'rate-limited':
      return failure.retryAfterSeconds === null
        ? `The tracker received too many requests from you (${failure.message}). Wait a minute, then try again.`
        : `The tracker received too many requests from you. Try again in ${describeWait(failure.retryAfterSeconds)}.`;
    case 'no-identity':
      return (
        'Google gave the add-on no identity token, so the tracker cannot tell who you are. ' +
        `Remove the add-on's access at ${PERMISSIONS_URL}, then reopen the add-on and allow access again.`
      );
    case 'unreachable':
      return `The tracker at ${baseUrl} could not be reached (${failure.detail}). Check your connection and try again; if it keeps failing, the tracker may be down.`;
    case 'unauthorized':
      return (
        `The tracker rejected your sign-in (HTTP ${failure.status}: ${failure.message}). ` +
        `Reopen the add-on; if that does not help, remove its access at ${PERMISSIONS_URL} and allow it again.`
      );
    case 'not-found':
      return purpose === 'summary' || purpose === 'reply'
        ? 'The tracker has no record of this message. Its records may have expired, or another account tracked it.'
        : `The tracker did not find what this request refers to (${failure.message}). Track the email again.`;
    case 'rejected':
      return `The tracker rejected the request (HTTP ${failure.status}): ${failure.message}`;
    case 'server':
      return `The tracker failed with HTTP ${failure.status} (${failure.message}). Try again in a minute.`;
    case 'invalid-response':
      return (
        `The tracker returned HTTP ${failure.status} with a body this add-on cannot read. ` +
        'The add-on and the tracker may be different versions; redeploy both.'
      );
  }
}
