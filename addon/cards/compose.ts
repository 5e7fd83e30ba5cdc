import { HANDLER_NAMES } from '../handlerNames';
import { escapeHtml } from './text';
import { button, errorParagraph, paragraph } from './widgets';

/** Names of the compose card's text inputs, as they arrive in the action event's form inputs. */
export const LINK_URL_INPUT = 'linkUrl';
export const LINK_TEXT_INPUT = 'linkText';

/** Action parameter names of the compose card. */
export const COMPOSE_PARAMS = {
  /** Random id of this compose session, the key under which the draft's token is cached. */
  draftKey: 'draftKey',
  /** Token of the tracked message, once the draft is tracked. */
  token: 'token',
  /** Recipients as a JSON array of strings. */
  recipients: 'recipients',
} as const;

export interface ComposeCardState {
  draftKey: string;
  recipients: string[];
  /** Token of the tracked message; null while the draft is not tracked. */
  token: string | null;
  linkUrl?: string;
  linkText?: string;
  /** Shown in red at the top: what failed and what to do. */
  error?: string | null;
  /** Shown at the top in plain text. */
  notice?: string | null;
}

/**
 * Builds the compose panel: whether the draft is tracked, to whom it goes, the
 * "Track this email" button and the form that inserts a tracked link. The draft
 * state travels in the actions' parameters because a compose add-on gets no draft id.
 */
export function buildComposeCard(state: ComposeCardState): GoogleAppsScript.Card_Service.Card {
  const tracked = state.token !== null;
  const card = CardService.newCardBuilder().setHeader(
    CardService.newCardHeader()
      .setTitle('Email tracking')
      .setSubtitle(tracked ? 'This email is tracked' : 'This email is not tracked'),
  );

  if (state.error || state.notice) {
    const messages = CardService.newCardSection();
    if (state.error) messages.addWidget(errorParagraph(escapeHtml(state.error)));
    if (state.notice) messages.addWidget(paragraph(escapeHtml(state.notice)));
    card.addSection(messages);
  }

  const parameters: Record<string, string> = {
    [COMPOSE_PARAMS.draftKey]: state.draftKey,
    [COMPOSE_PARAMS.recipients]: JSON.stringify(state.recipients),
  };
  if (state.token) parameters[COMPOSE_PARAMS.token] = state.token;

  const status = CardService.newCardSection().setHeader('This email');
  status.addWidget(
    CardService.newDecoratedText()
      .setTopLabel('To')
      .setText(state.recipients.length > 0 ? escapeHtml(state.recipients.join(', ')) : 'No recipients yet')
      .setWrapText(true),
  );
  if (tracked) {
    status.addWidget(paragraph('Tracking is on: opens and clicks appear when you open the sent email with this panel.'));
  } else {
    status.addWidget(paragraph('Tracking adds an invisible image at the start of the email; it reports when the email is opened.'));
    status.addWidget(button('Track this email', HANDLER_NAMES.trackEmail, parameters));
  }
  card.addSection(status);

  const link = CardService.newCardSection().setHeader('Tracked link');
  link.addWidget(
    CardService.newTextInput()
      .setFieldName(LINK_URL_INPUT)
      .setTitle('Link address')
      .setHint('For example https://example.com/page')
      .setValue(state.linkUrl ?? ''),
  );
  link.addWidget(
    CardService.newTextInput()
      .setFieldName(LINK_TEXT_INPUT)
      .setTitle('Link text')
      .setHint('The words the recipient clicks')
      .setValue(state.linkText ?? ''),
  );
  link.addWidget(button('Insert tracked link', HANDLER_NAMES.insertTrackedLink, parameters));
  card.addSection(link);

  return card.build();
}
