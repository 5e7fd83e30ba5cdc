import type { HitView, LabelCounts, MessageSummary } from '../../shared/api';
import { HIT_LABELS, LABEL_TEXT } from '../../shared/labels';
import { HANDLER_NAMES } from '../handlerNames';
import { describeClient, describeLocation, escapeHtml } from './text';
import { formatTime } from './time';
import { button, errorParagraph, paragraph } from './widgets';

/*
 * Cards of the message-open (contextual) trigger: the opens and clicks of a
 * tracked message, or why they cannot be shown.
 */

/**
 * Hits listed one by one. A card shows at most 100 widgets and drops the sections
 * past that, so the list stays well under it and the rest is counted in a sentence.
 */
export const MAX_LISTED_HITS = 40;

export interface SummaryDisplay {
  /** IANA time zone id the times are shown in. */
  timeZone: string;
}

export function buildSummaryCard(summary: MessageSummary, display: SummaryDisplay): GoogleAppsScript.Card_Service.Card {
  const card = CardService.newCardBuilder().setHeader(
    CardService.newCardHeader()
      .setTitle('Opens and clicks')
      .setSubtitle(summary.subject ?? (summary.recipients.length > 0 ? `To ${summary.recipients.join(', ')}` : 'Tracked email')),
  );

  const overview = CardService.newCardSection();
  overview.addWidget(
    CardService.newDecoratedText()
      .setTopLabel('Opened by the recipient')
      .setText(countText(summary.opens.recipient, 'time'))
      .setBottomLabel(summary.firstOpenAt ? `First ${formatTime(summary.firstOpenAt, display.timeZone)}` : 'Not opened yet'),
  );
  overview.addWidget(
    CardService.newDecoratedText().setTopLabel('Links clicked by the recipient').setText(countText(summary.clicks.recipient, 'time')),
  );
  const others = otherCountsText(summary.opens, summary.clicks);
  if (others) overview.addWidget(paragraph(escapeHtml(others)));
  overview.addWidget(button('Refresh', HANDLER_NAMES.refreshSummary));
  card.addSection(overview);

  const activity = CardService.newCardSection().setHeader(`Activity (times in ${escapeHtml(display.timeZone)})`);
  if (summary.hits.length === 0) {
    activity.addWidget(paragraph('No opens or clicks yet.'));
  }
  const listed = summary.hits.slice(0, MAX_LISTED_HITS);
  for (const hit of listed) activity.addWidget(hitWidget(hit, display));
  if (summary.totalHits > listed.length) {
    activity.addWidget(paragraph(`Showing the latest ${listed.length} of ${summary.totalHits} opens and clicks.`));
  }
  card.addSection(activity);

  return card.build();
}

function hitWidget(hit: HitView, display: SummaryDisplay): GoogleAppsScript.Card_Service.DecoratedText {
  const time = escapeHtml(formatTime(hit.at, display.timeZone));
  const text = hit.kind === 'click' && hit.url ? `${time}<br>${escapeHtml(hit.url)}` : time;
  return CardService.newDecoratedText()
    .setTopLabel(`${hit.kind === 'open' ? 'Open' : 'Click'} · ${LABEL_TEXT[hit.label]}`)
    .setText(text)
    .setBottomLabel(`${describeClient(hit)} · ${describeLocation(hit)}`)
    .setWrapText(true);
}

function countText(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** Counts the hits kept out of the headline counts by label, for example "Not counted as the recipient's: 2 Machine prefetch." */
function otherCountsText(opens: LabelCounts, clicks: LabelCounts): string | null {
  const parts: string[] = [];
  for (const label of HIT_LABELS) {
    if (label === 'recipient') continue;
    const count = (opens[label] ?? 0) + (clicks[label] ?? 0);
    if (count > 0) parts.push(`${count} ${LABEL_TEXT[label]}`);
  }
  return parts.length > 0 ? `Not counted as the recipient's: ${parts.join(', ')}.` : null;
}

/** Builds the card for a message with no pixel of this tracker in its body. */
export function buildNoPixelCard(): GoogleAppsScript.Card_Service.Card {
  return CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle('Not tracked'))
    .addSection(
      CardService.newCardSection().addWidget(
        paragraph(
          'This email carries no tracking pixel of this add-on, so there are no opens or clicks to show. ' +
            'To track an email, choose "Track this email" in the add-on while you write it.',
        ),
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
