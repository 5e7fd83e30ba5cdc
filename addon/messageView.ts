import type { MessageSummary } from '../shared/api';
import { findPixelTokens, pixelUrl } from '../shared/urls';
import {
  buildMessageErrorCard,
  buildNoPixelCard,
  buildNotYoursCard,
  buildSummaryCard,
  MAX_SUMMARY_HITS,
  type SummaryDisplay,
} from './cards/message';
import { describeFailure } from './cards/text';
import { isSentBy } from './identity';
import { errorMessage, type ApiResult, type TrackerClient } from './trackerClient';

/** The open message, as the card needs it. */
export interface OpenMessage {
  from: string;
  /** Send time, from GmailMessage.getDate(). */
  date: Date;
  subject: string;
  /** HTML body. */
  body: string;
}

export interface MessageViewDeps {
  baseUrl: string;
  client: TrackerClient;
  /** Reads the open message; throws when Gmail refuses. */
  readMessage(): OpenMessage;
  /** The signed-in sender's address; null when Google gives none. */
  userEmail(): string | null;
  timeZone: string;
  /** The sender's current time in epoch milliseconds. */
  nowMs: number;
}

/**
 * "open" when the panel opened on the message: the sender is looking at it, so the
 * add-on reports the send time and a self-view. "refresh" only reads again.
 */
export type MessageViewMode = 'open' | 'refresh';

/** Quoted pixels reported and tried per message; a long thread quotes each earlier message once. */
const MAX_QUOTED_TOKENS = 3;

/**
 * Marks where mail clients start a quoted earlier message: Gmail's gmail_quote
 * container, any blockquote, Outlook's reply header (divRplyFwdMsg, appendonsend),
 * Yahoo's yahoo_quoted and Thunderbird's moz-cite-prefix.
 */
const QUOTE_MARKERS = /class="[^"]*gmail_quote|<blockquote|id="divRplyFwdMsg"|id="appendonsend"|class="[^"]*yahoo_quoted|class="[^"]*moz-cite-prefix/i;

/**
 * Splits the message's pixels into its own and quoted ones. The add-on inserts
 * its pixel at the start of the body, so a pixel before the first quote is the
 * message's own and any pixel after it belongs to a quoted earlier message.
 */
export function locateTokens(body: string, baseUrl: string): { own: string | null; quoted: string[] } {
  const quoteStart = body.search(QUOTE_MARKERS);
  let own: string | null = null;
  const quoted: string[] = [];
  for (const token of findPixelTokens(body, baseUrl)) {
    const position = body.indexOf(pixelUrl(baseUrl, token));
    if (own === null && (quoteStart < 0 || position < quoteStart)) own = token;
    else quoted.push(token);
  }
  return { own, quoted };
}

/**
 * Builds the card for an open message: finds this tracker's pixels in the body,
 * reports the facts the sender's view reveals, and shows the opens and clicks.
 * A message the sender sent gets its send time and subject reported and a
 * self-view, because the panel is open on it and its pixel loads now. A message
 * quoting the sender's tracked email (a reply) gets a quoted self-view for each
 * quoted pixel, because those load in this view too.
 */
export function showMessageSummary(deps: MessageViewDeps, mode: MessageViewMode): GoogleAppsScript.Card_Service.Card {
  let message: OpenMessage;
  try {
    message = deps.readMessage();
  } catch (error) {
    const detail = errorMessage(error);
    return buildMessageErrorCard('Cannot read this email', `Gmail did not let the add-on read this email (${detail}). Reopen the email and try again.`);
  }

  const { own, quoted } = locateTokens(message.body, deps.baseUrl);
  if (own === null && quoted.length === 0) return buildNoPixelCard();

  const display: SummaryDisplay = { timeZone: deps.timeZone, nowMs: deps.nowMs, canReply: true };
  const at = new Date(deps.nowMs).toISOString();
  const failed = (result: Extract<ApiResult<unknown>, { ok: false }>) =>
    buildMessageErrorCard('Cannot show opens and clicks', describeFailure(result.failure, deps.baseUrl, 'summary'));

  // Reported first, so that the own message's summary below is labelled with them.
  // A quoted pixel of someone else's email gets 404, which changes nothing.
  const quotedSummaries: Array<ApiResult<MessageSummary>> = [];
  for (const token of quoted.slice(0, MAX_QUOTED_TOKENS)) {
    quotedSummaries.push(mode === 'open' ? deps.client.reportSelfView(token, { at, quoted: true }) : deps.client.getSummary(token));
    if (own === null && quotedSummaries[quotedSummaries.length - 1].ok) break;
  }

  if (own !== null && isSentBy(message.from, deps.userEmail())) {
    let result: ApiResult<MessageSummary>;
    if (mode === 'open') {
      const facts = deps.client.reportFacts(own, { sentAt: message.date.toISOString(), subject: message.subject || null });
      if (!facts.ok) return failed(facts);
      result = deps.client.reportSelfView(own, { at });
    } else {
      result = deps.client.getSummary(own);
    }
    if (!result.ok) return failed(result);
    return buildSummaryCard(result.value, { ...display, relation: 'own' });
  }

  if (own !== null) {
    // A received email with a pixel outside any quote: someone else tracked it, or
    // the sender wrote from an address the From check does not know. The tracker
    // shows it only to its owner.
    const result = deps.client.getSummary(own);
    if (result.ok) return buildSummaryCard(result.value, { ...display, relation: 'own' });
    if (result.failure.kind !== 'not-found') return failed(result);
  }

  for (const result of quotedSummaries) {
    if (result.ok) return buildSummaryCard(result.value, { ...display, relation: 'quoted' });
    if (result.failure.kind !== 'not-found') return failed(result);
  }
  return buildNotYoursCard();
}

/**
 * Builds the card of a tracked message by its token, for a page of its opens or an entry of the activity list.
 * `skip` counts the recipient opens listed on newer pages.
 */
export function showTrackedMessage(
  deps: Pick<MessageViewDeps, 'baseUrl' | 'client' | 'timeZone' | 'nowMs'>,
  token: string,
  options: { skip: number; canReply: boolean },
): GoogleAppsScript.Card_Service.Card {
  // Later pages need older hits than the summary lists by default, so ask for the most the tracker lists.
  let result = options.skip > 0 ? deps.client.getSummary(token, MAX_SUMMARY_HITS) : deps.client.getSummary(token);
  if (options.skip === 0 && result.ok && listsNoCountedOpen(result.value)) {
    // The newest hits contain none of the counted opens (the sender's own views, say),
    // so the first page reads as many hits as the tracker lists to find some.
    result = deps.client.getSummary(token, MAX_SUMMARY_HITS);
  }
  if (!result.ok) return buildMessageErrorCard('Cannot show opens and clicks', describeFailure(result.failure, deps.baseUrl, 'summary'));
  return buildSummaryCard(result.value, { timeZone: deps.timeZone, nowMs: deps.nowMs, skip: options.skip, canReply: options.canReply });
}

/** Whether a summary counts recipient opens, lists none of them, and left older hits out. */
function listsNoCountedOpen(summary: MessageSummary): boolean {
  const listsOpen = summary.hits.some((hit) => hit.kind === 'open' && hit.label === 'recipient');
  return summary.opens.recipient > 0 && !listsOpen && summary.hits.length < summary.totalHits;
}
