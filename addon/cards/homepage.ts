import type { ActivityResponse } from '../../shared/api';
import { HANDLER_NAMES } from '../handlerNames';
import { describeMessage } from './message';
import { countOf, escapeHtml } from './text';
import { describeWhen } from './time';
import { action, button, buttonRow, composeButton, errorParagraph, paragraph } from './widgets';

/*
 * The homepage: recent activity across the sender's tracked emails, newest first,
 * one page of the tracker's activity feed at a time.
 */

/** Emails per page of the activity list. */
export const ACTIVITY_PAGE_SIZE = 15;

export const HOMEPAGE_PARAMS = {
  /** Cursor of the page to show; absent for the newest page. */
  cursor: 'cursor',
  /** Number of the page shown, from 1, for its heading. */
  pageNumber: 'pageNumber',
  token: 'token',
} as const;

export interface HomepageState {
  /** One page of the feed; null when it could not be read. */
  activity: ActivityResponse | null;
  error?: string | null;
  timeZone: string;
  nowMs: number;
  /** Page number from 1. */
  pageNumber?: number;
}

function describeCounts(opens: number, clicks: number): string {
  const opened = opens === 0 ? 'Not opened yet' : `Opened ${opens === 1 ? 'once' : `${opens} times`}`;
  return clicks === 0 ? opened : `${opened} · ${countOf(clicks, 'click')}`;
}

export function buildHomepageCard(state: HomepageState): GoogleAppsScript.Card_Service.Card {
  const pageNumber = state.pageNumber ?? 1;
  const card = CardService.newCardBuilder().setHeader(CardService.newCardHeader().setTitle('Email tracking').setSubtitle('Recent activity'));

  const start = CardService.newCardSection();
  start.addWidget(
    buttonRow(
      composeButton('New tracked email', HANDLER_NAMES.newTrackedEmail, CardService.ComposedEmailType.STANDALONE_DRAFT),
      button('Settings', HANDLER_NAMES.openSettings),
    ),
  );
  card.addSection(start);

  const header = pageNumber === 1 ? `Recent activity (times in ${state.timeZone})` : `Older activity, page ${pageNumber} (times in ${state.timeZone})`;
  const list = CardService.newCardSection().setHeader(escapeHtml(header));
  if (state.error) list.addWidget(errorParagraph(escapeHtml(state.error)));

  const items = state.activity?.items ?? [];
  if (state.activity && items.length === 0) {
    list.addWidget(
      paragraph(
        pageNumber === 1
          ? 'No tracked emails yet. While you write an email, open this add-on and choose <b>Track this email</b>, or start one with <b>New tracked email</b>.'
          : 'No older tracked emails.',
      ),
    );
  }
  for (const item of items.slice(0, ACTIVITY_PAGE_SIZE)) {
    list.addWidget(
      CardService.newDecoratedText()
        .setTopLabel(`Last activity ${describeWhen(item.lastActivityAt, state.nowMs, state.timeZone)}`)
        .setText(escapeHtml(describeMessage(item)))
        .setBottomLabel(describeCounts(item.recipientOpens, item.recipientClicks))
        .setWrapText(true)
        .setOnClickAction(action(HANDLER_NAMES.showTrackedMessage, { [HOMEPAGE_PARAMS.token]: item.token })),
    );
  }

  const paging: GoogleAppsScript.Card_Service.TextButton[] = [];
  if (pageNumber > 1 || state.error) paging.push(button(state.error ? 'Try again' : 'Newest', HANDLER_NAMES.activityPage));
  if (state.activity?.next) {
    paging.push(
      button('Older', HANDLER_NAMES.activityPage, { [HOMEPAGE_PARAMS.cursor]: state.activity.next, [HOMEPAGE_PARAMS.pageNumber]: String(pageNumber + 1) }),
    );
  }
  if (paging.length > 0) list.addWidget(buttonRow(...paging));
  card.addSection(list);

  return card.build();
}
