import type { HitView, MessageSummary } from '../../shared/api';
import { HIT_LABELS, LABEL_TEXT, type HitLabel } from '../../shared/labels';
import { HANDLER_NAMES } from '../handlerNames';
import { countOf, describeReader, escapeHtml } from './text';
import { describeDuration, describeWhen, formatTime } from './time';
import { button, buttonRow, composeButton, errorParagraph, paragraph } from './widgets';

/*
 * Cards of the message-open (contextual) trigger: the opens and clicks of a
 * tracked message, or why they cannot be shown. They are built from plain data,
 * so tests build each one without a tracker.
 */

/** Recipient opens listed per page. */
export const OPENS_PER_PAGE = 20;
/** Most hits GET /api/messages/:token/summary lists in one response. */
export const MAX_SUMMARY_HITS = 500;
/** Links listed with their clicks; more are counted in a sentence. */
export const MAX_LISTED_LINKS = 10;
/** Own views and machine hits listed; more are counted in a sentence. */
export const MAX_LISTED_OTHER_HITS = 10;
/**
 * Kept for callers of the first version: every list on the card together stays
 * far below the 100 widgets a card shows (Apps Script drops the sections past them).
 */
export const MAX_LISTED_HITS = OPENS_PER_PAGE;

/** Action parameter names of the message card. */
export const MESSAGE_PARAMS = {
  token: 'token',
  /** Recipient opens already listed on newer pages, a whole number from 0 for the newest page. */
  skip: 'skip',
} as const;

/** Relation of the open message to the tracked one. */
export type MessageRelation =
  /** The sender's own sent message, or a tracked message opened from the activity list. */
  | 'own'
  /** A message that quotes the sender's tracked message, such as a recipient's reply. */
  | 'quoted';

export interface SummaryDisplay {
  /** IANA time zone id the times are shown in. */
  timeZone: string;
  /** The sender's current time in epoch milliseconds, for relative times. */
  nowMs?: number;
  relation?: MessageRelation;
  /** Recipient opens already listed on newer pages; 0 for the first page. */
  skip?: number;
  /** Whether the card offers "Reply with tracking"; only a card beside an open message can. */
  canReply?: boolean;
}

interface ResolvedDisplay {
  timeZone: string;
  nowMs: number;
  relation: MessageRelation;
  skip: number;
  canReply: boolean;
}

/** Sentence that explains an email without opens; the tracker cannot distinguish these reasons. */
export const NOT_OPENED_REASONS =
  'An open is recorded only when the mail app loads images. Many apps and company mail systems block images until the reader allows them, ' +
  'and plain-text mail apps never load them. So the email may have been read without an open showing here; a reply or a click is surer.';

/** Builds the one-line headline, for example "Opened 3 times · first 12 minutes after sending · last yesterday 18:04". */
export function describeOpens(summary: MessageSummary, nowMs: number, timeZone: string): string {
  const opens = summary.opens.recipient;
  if (opens === 0) return 'Not opened yet';

  const parts = [opens === 1 ? 'Opened once' : `Opened ${opens} times`];
  if (summary.firstOpenAt) {
    parts.push(
      summary.sentAt
        ? `first ${describeDuration(summary.sentAt, summary.firstOpenAt)} after sending`
        : `first ${describeWhen(summary.firstOpenAt, nowMs, timeZone)}`,
    );
  }
  if (opens > 1 && summary.lastOpenAt) parts.push(`last ${describeWhen(summary.lastOpenAt, nowMs, timeZone)}`);
  return parts.join(' · ');
}

export function buildSummaryCard(summary: MessageSummary, display: SummaryDisplay): GoogleAppsScript.Card_Service.Card {
  const resolved: ResolvedDisplay = {
    timeZone: display.timeZone,
    nowMs: display.nowMs ?? Date.now(),
    relation: display.relation ?? 'own',
    skip: Math.max(0, display.skip ?? 0),
    canReply: display.canReply ?? false,
  };

  const card = CardService.newCardBuilder().setHeader(
    CardService.newCardHeader().setTitle('Opens and clicks').setSubtitle(describeMessage(summary)),
  );
  card.addSection(overviewSection(summary, resolved));
  card.addSection(opensSection(summary, resolved));
  const clicks = clicksSection(summary, resolved);
  if (clicks) card.addSection(clicks);
  const others = otherHitsSection(summary, resolved);
  if (others) card.addSection(others);
  return card.build();
}

/** Returns the subject, or the recipients while the subject is not known yet. */
export function describeMessage(message: { subject: string | null; recipients: string[] }): string {
  if (message.subject) return message.subject;
  if (message.recipients.length > 0) return `To ${message.recipients.join(', ')}`;
  return 'Tracked email';
}

function overviewSection(summary: MessageSummary, display: ResolvedDisplay): GoogleAppsScript.Card_Service.CardSection {
  const section = CardService.newCardSection();
  section.addWidget(paragraph(`<b>${escapeHtml(describeOpens(summary, display.nowMs, display.timeZone))}</b>`));
  if (display.relation === 'quoted') {
    section.addWidget(paragraph('This email quotes one of your tracked emails. The opens and clicks below are that email’s.'));
  }
  if (summary.opens.recipient === 0) section.addWidget(paragraph(escapeHtml(NOT_OPENED_REASONS)));

  const refresh = button('Refresh', HANDLER_NAMES.refreshSummary, { [MESSAGE_PARAMS.token]: summary.token });
  if (display.canReply) {
    section.addWidget(buttonRow(refresh, composeButton('Reply with tracking', HANDLER_NAMES.replyWithTracking, CardService.ComposedEmailType.REPLY_AS_DRAFT)));
  } else {
    section.addWidget(refresh);
  }
  return section;
}

function opensSection(summary: MessageSummary, display: ResolvedDisplay): GoogleAppsScript.Card_Service.CardSection {
  const section = CardService.newCardSection().setHeader(`Activity (times in ${escapeHtml(display.timeZone)})`);
  const opens = summary.hits.filter((hit) => hit.kind === 'open' && hit.label === 'recipient');
  const skip = display.skip;
  const listed = opens.slice(skip, skip + OPENS_PER_PAGE);
  const listedUpTo = skip + listed.length;

  if (summary.opens.recipient === 0 && opens.length === 0) section.addWidget(paragraph('No opens by a recipient yet.'));
  else if (listed.length === 0 && skip === 0) section.addWidget(paragraph('No opens by a recipient among the newest hits.'));
  else if (listed.length === 0) section.addWidget(paragraph('No older opens.'));
  for (const hit of listed) section.addWidget(hitRow(hit, 'Open', display));

  // The summary lists only the newest hits. The first page reads the default
  // number of them, so a fetch of MAX_SUMMARY_HITS can reach older opens,
  // unless this summary already contains every hit or that many of them.
  const olderOpens = summary.opens.recipient - listedUpTo;
  const fetchedMoreOpens = opens.length > listedUpTo;
  const biggerFetchReachesMore = skip === 0 && summary.hits.length < summary.totalHits && summary.hits.length < MAX_SUMMARY_HITS;
  const canListOlder = olderOpens > 0 && (fetchedMoreOpens || biggerFetchReachesMore);
  if (olderOpens > 0 && !canListOlder) {
    section.addWidget(paragraph(`${countOf(olderOpens, 'older open')} ${olderOpens === 1 ? 'is' : 'are'} counted above but not listed.`));
  }

  const paging: GoogleAppsScript.Card_Service.TextButton[] = [];
  if (skip > 0) paging.push(pageButton('Newer opens', summary.token, Math.max(0, skip - OPENS_PER_PAGE)));
  if (canListOlder) paging.push(pageButton('Older opens', summary.token, listedUpTo));
  if (paging.length > 0) section.addWidget(buttonRow(...paging));
  return section;
}

/** Builds a button that shows the page of opens after the newest `skip` recipient opens. */
function pageButton(text: string, token: string, skip: number): GoogleAppsScript.Card_Service.TextButton {
  return button(text, HANDLER_NAMES.showOpensPage, { [MESSAGE_PARAMS.token]: token, [MESSAGE_PARAMS.skip]: String(skip) });
}

interface LinkClicks {
  url: string;
  count: number;
  /** Newest click; hits arrive newest first. */
  latest: HitView;
}

/** Recipient clicks grouped by destination, the most recently clicked link first. */
export function groupClicks(hits: HitView[]): LinkClicks[] {
  const byUrl = new Map<string, LinkClicks>();
  for (const hit of hits) {
    if (hit.kind !== 'click' || hit.label !== 'recipient') continue;
    const url = hit.url ?? '(unknown destination)';
    const entry = byUrl.get(url);
    if (entry) entry.count += 1;
    else byUrl.set(url, { url, count: 1, latest: hit });
  }
  return [...byUrl.values()];
}

function clicksSection(summary: MessageSummary, display: ResolvedDisplay): GoogleAppsScript.Card_Service.CardSection | null {
  const links = groupClicks(summary.hits);
  if (links.length === 0 && summary.clicks.recipient === 0) return null;

  const section = CardService.newCardSection().setHeader(`Clicks by a recipient (${summary.clicks.recipient})`);
  for (const link of links.slice(0, MAX_LISTED_LINKS)) {
    const times = link.count === 1 ? 'once' : `${link.count} times`;
    section.addWidget(
      CardService.newDecoratedText()
        .setTopLabel(`Click · ${times} · last ${describeWhen(link.latest.at, display.nowMs, display.timeZone)}`)
        .setText(escapeHtml(link.url))
        .setBottomLabel(describeReader(link.latest))
        .setWrapText(true),
    );
  }
  if (links.length > MAX_LISTED_LINKS) section.addWidget(paragraph(`${countOf(links.length - MAX_LISTED_LINKS, 'more link')} not listed.`));
  const listedClicks = links.reduce((sum, link) => sum + link.count, 0);
  if (summary.clicks.recipient > listedClicks) {
    section.addWidget(paragraph(`${countOf(summary.clicks.recipient - listedClicks, 'older click')} counted but not listed.`));
  }
  return section;
}

/** Counts of the hits kept out of the headline, by label, for example "2 Your own view, 1 Machine prefetch". */
function otherCounts(summary: MessageSummary): Array<{ label: HitLabel; count: number }> {
  return HIT_LABELS.filter((label) => label !== 'recipient')
    .map((label) => ({ label, count: (summary.opens[label] ?? 0) + (summary.clicks[label] ?? 0) }))
    .filter((entry) => entry.count > 0);
}

function otherHitsSection(summary: MessageSummary, display: ResolvedDisplay): GoogleAppsScript.Card_Service.CardSection | null {
  const counts = otherCounts(summary);
  if (counts.length === 0) return null;

  const total = counts.reduce((sum, entry) => sum + entry.count, 0);
  // Collapsed to its first line: the sender rarely needs these, but may wonder where a load went.
  const section = CardService.newCardSection()
    .setHeader(`Not counted: your views and machines (${total})`)
    .setCollapsible(true)
    .setNumUncollapsibleWidgets(1);
  section.addWidget(paragraph(escapeHtml(`${counts.map((entry) => `${entry.count} ${LABEL_TEXT[entry.label]}`).join(', ')}.`)));

  const hits = summary.hits.filter((hit) => hit.label !== 'recipient');
  for (const hit of hits.slice(0, MAX_LISTED_OTHER_HITS)) {
    section.addWidget(hitRow(hit, hit.kind === 'open' ? 'Open' : 'Click', display, LABEL_TEXT[hit.label]));
  }
  if (hits.length > MAX_LISTED_OTHER_HITS) {
    section.addWidget(paragraph(`${countOf(hits.length - MAX_LISTED_OTHER_HITS, 'more')} not listed.`));
  }
  return section;
}

function hitRow(hit: HitView, kind: 'Open' | 'Click', display: ResolvedDisplay, label?: string): GoogleAppsScript.Card_Service.DecoratedText {
  const when = describeWhen(hit.at, display.nowMs, display.timeZone);
  const time = escapeHtml(formatTime(hit.at, display.timeZone));
  return CardService.newDecoratedText()
    .setTopLabel([kind, label, when].filter((part) => part).join(' · '))
    .setText(hit.kind === 'click' && hit.url ? `${time}<br>${escapeHtml(hit.url)}` : time)
    .setBottomLabel(describeReader(hit))
    .setWrapText(true);
}

/** Builds the card for a message with no pixel of this tracker in its body. */
export function buildNoPixelCard(): GoogleAppsScript.Card_Service.Card {
  return CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle('Not tracked'))
    .addSection(
      CardService.newCardSection()
        .addWidget(
          paragraph(
            'This email carries no tracking pixel of this add-on, so there are no opens or clicks to show. ' +
              'To track an email, choose "Track this email" in the add-on while you write it.',
          ),
        )
        .addWidget(composeButton('Reply with tracking', HANDLER_NAMES.replyWithTracking, CardService.ComposedEmailType.REPLY_AS_DRAFT)),
    )
    .build();
}

/** Builds the card for a message tracked by someone else, such as a tracked email another user of the tracker sent you. */
export function buildNotYoursCard(): GoogleAppsScript.Card_Service.Card {
  return CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle('Not your tracked email'))
    .addSection(
      CardService.newCardSection().addWidget(
        paragraph('This email carries a tracking pixel, but the tracker does not list it among the emails you tracked, so its opens are not shown.'),
      ),
    )
    .build();
}

/** Builds a card that explains what failed and offers to try again. */
export function buildMessageErrorCard(title: string, message: string): GoogleAppsScript.Card_Service.Card {
  return CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle(title))
    .addSection(
      CardService.newCardSection()
        .addWidget(errorParagraph(escapeHtml(message)))
        .addWidget(button('Try again', HANDLER_NAMES.refreshSummary)),
    )
    .build();
}
