import { HANDLER_NAMES } from '../handlerNames';
import { escapeHtml } from './text';
import { button, buttonRow, errorParagraph, paragraph } from './widgets';

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
  /** Id of the snippet to insert. */
  snippetId: 'snippetId',
} as const;

/** Snippets shown as buttons; the settings card accepts no more than this. */
export const MAX_COMPOSE_SNIPPETS = 10;

export interface ComposeCardState {
  draftKey: string;
  recipients: string[];
  /** Token of the tracked message; null while the draft is not tracked. */
  token: string | null;
  /** Whether inserted links and snippets are tracked (the sender's setting); true when absent. */
  trackLinks?: boolean;
  /** Saved snippets, by id and name. */
  snippets?: Array<{ id: string; name: string }>;
  /** True after "Track this email" was chosen again in this panel: offers to insert another pixel. */
  pixelWarning?: boolean;
  linkUrl?: string;
  linkText?: string;
  /** Shown in red at the top: what failed and what to do. */
  error?: string | null;
  /** Shown at the top in plain text. */
  notice?: string | null;
}

/**
 * Builds the compose panel: whether the draft is tracked, to whom it goes, the
 * "Track this email" button, the link form and the snippets. The draft state
 * travels in the actions' parameters because a compose add-on gets no draft id.
 */
export function buildComposeCard(state: ComposeCardState): GoogleAppsScript.Card_Service.Card {
  const tracked = state.token !== null;
  const trackLinks = state.trackLinks ?? true;
  const card = CardService.newCardBuilder().setHeader(
    CardService.newCardHeader()
      .setTitle('Email tracking')
      .setSubtitle(tracked ? 'This email is tracked' : 'This email is not tracked'),
  );

  const parameters: Record<string, string> = {
    [COMPOSE_PARAMS.draftKey]: state.draftKey,
    [COMPOSE_PARAMS.recipients]: JSON.stringify(state.recipients),
  };
  if (state.token) parameters[COMPOSE_PARAMS.token] = state.token;

  if (state.error || state.notice || state.pixelWarning) {
    const messages = CardService.newCardSection();
    if (state.error) messages.addWidget(errorParagraph(escapeHtml(state.error)));
    if (state.notice) messages.addWidget(paragraph(escapeHtml(state.notice)));
    if (state.pixelWarning) {
      messages.addWidget(
        paragraph(
          'Insert it again only if you deleted the image from the draft; otherwise the email already reports its opens.',
        ),
      );
      messages.addWidget(button('Insert the tracking image again', HANDLER_NAMES.insertPixelAgain, parameters));
    }
    card.addSection(messages);
  }

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
    status.addWidget(
      paragraph(
        'Tracking adds an invisible image at the start of the email; it reports when the email is opened. ' +
          'An email started with "Reply with tracking" or "New tracked email" is tracked already.',
      ),
    );
    status.addWidget(button('Track this email', HANDLER_NAMES.trackEmail, parameters));
  }
  card.addSection(status);

  card.addSection(linkSection(state, trackLinks, parameters));
  card.addSection(snippetSection(state, trackLinks, parameters));
  return card.build();
}

function linkSection(state: ComposeCardState, trackLinks: boolean, parameters: Record<string, string>): GoogleAppsScript.Card_Service.CardSection {
  const link = CardService.newCardSection().setHeader(trackLinks ? 'Tracked link' : 'Link');
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
      .setHint('The words the recipient clicks; replaces any selected text')
      .setValue(state.linkText ?? ''),
  );
  if (!trackLinks) link.addWidget(paragraph('Link tracking is off in Settings, so this inserts a plain link.'));
  link.addWidget(button(trackLinks ? 'Insert tracked link' : 'Insert link', HANDLER_NAMES.insertTrackedLink, parameters));
  return link;
}

function snippetSection(state: ComposeCardState, trackLinks: boolean, parameters: Record<string, string>): GoogleAppsScript.Card_Service.CardSection {
  const section = CardService.newCardSection().setHeader(trackLinks ? 'Tracked snippets' : 'Snippets');
  const snippets = (state.snippets ?? []).slice(0, MAX_COMPOSE_SNIPPETS);
  if (snippets.length === 0) {
    section.addWidget(paragraph('Save short texts you send often under Settings; they appear here to insert at the cursor, with their links tracked.'));
    return section;
  }

  section.addWidget(
    paragraph(trackLinks ? 'Inserts the text at the cursor with its links tracked.' : 'Inserts the text at the cursor as you saved it.'),
  );
  // Two buttons per row keep ten snippets within five widgets.
  for (let i = 0; i < snippets.length; i += 2) {
    const row = snippets
      .slice(i, i + 2)
      .map((snippet) => button(snippet.name, HANDLER_NAMES.insertSnippet, { ...parameters, [COMPOSE_PARAMS.snippetId]: snippet.id }));
    section.addWidget(buttonRow(...row));
  }
  return section;
}
