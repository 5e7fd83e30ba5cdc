import type { AddonSettings, Snippet } from '../settings';
import { HANDLER_NAMES } from '../handlerNames';
import { countOf, escapeHtml } from './text';
import { button, buttonRow, errorParagraph, paragraph } from './widgets';

/*
 * The settings card (a universal action, so it is reachable from every card)
 * and the confirmation and result cards of "Delete all my tracking data".
 */

/** Form field names of the settings card. */
export const SETTINGS_INPUTS = {
  trackLinks: 'trackLinks',
  snippetName: 'snippetName',
  snippetHtml: 'snippetHtml',
} as const;

/** The value a checked "track links" item sends. */
export const TRACK_LINKS_ON = 'on';

export const SETTINGS_PARAMS = { snippetId: 'snippetId' } as const;

export interface SettingsCardState {
  settings: AddonSettings;
  snippets: Snippet[];
  /** Base URL of the tracker the add-on was built for. */
  trackerBaseUrl: string;
  /** The snippet form's values, kept when saving failed. */
  snippetName?: string;
  snippetHtml?: string;
  error?: string | null;
  notice?: string | null;
}

/** Returns the first words of a snippet without its tags, for its row in the list. */
export function previewSnippet(html: string, maxLength = 80): string {
  const text = html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export function buildSettingsCard(state: SettingsCardState): GoogleAppsScript.Card_Service.Card {
  const card = CardService.newCardBuilder().setHeader(CardService.newCardHeader().setTitle('Settings'));

  if (state.error || state.notice) {
    const messages = CardService.newCardSection();
    if (state.error) messages.addWidget(errorParagraph(escapeHtml(state.error)));
    if (state.notice) messages.addWidget(paragraph(escapeHtml(state.notice)));
    card.addSection(messages);
  }

  const compose = CardService.newCardSection().setHeader('Compose');
  compose.addWidget(
    CardService.newSelectionInput()
      .setType(CardService.SelectionInputType.CHECK_BOX)
      .setFieldName(SETTINGS_INPUTS.trackLinks)
      .setTitle('Links and snippets')
      .addItem('Track clicks on the links and snippets I insert', TRACK_LINKS_ON, state.settings.trackLinks),
  );
  compose.addWidget(button('Save', HANDLER_NAMES.saveSettings));
  card.addSection(compose);

  card.addSection(snippetsSection(state));

  const tracker = CardService.newCardSection().setHeader('Tracker');
  tracker.addWidget(
    CardService.newDecoratedText().setTopLabel('Opens and clicks are recorded by').setText(escapeHtml(state.trackerBaseUrl)).setWrapText(true),
  );
  tracker.addWidget(paragraph('This address is built into the add-on. To use another tracker, whoever deploys the add-on builds it again.'));
  card.addSection(tracker);

  const data = CardService.newCardSection().setHeader('Your data');
  data.addWidget(
    paragraph('The tracker keeps your tracked emails with their opens and clicks until they expire. You can delete all of it now.'),
  );
  data.addWidget(button('Delete all my tracking data', HANDLER_NAMES.confirmDeleteData));
  card.addSection(data);

  return card.build();
}

function snippetsSection(state: SettingsCardState): GoogleAppsScript.Card_Service.CardSection {
  const section = CardService.newCardSection().setHeader(`Snippets (${state.snippets.length})`);
  for (const snippet of state.snippets) {
    section.addWidget(
      CardService.newDecoratedText()
        .setTopLabel(escapeHtml(snippet.name))
        .setText(escapeHtml(previewSnippet(snippet.html)) || '(no text)')
        .setWrapText(true)
        .setButton(button('Delete', HANDLER_NAMES.deleteSnippet, { [SETTINGS_PARAMS.snippetId]: snippet.id })),
    );
  }
  section.addWidget(
    paragraph('A snippet is a short text, HTML allowed, that you insert from the compose panel. Its links are tracked when link tracking is on.'),
  );
  section.addWidget(
    CardService.newTextInput().setFieldName(SETTINGS_INPUTS.snippetName).setTitle('Snippet name').setValue(state.snippetName ?? ''),
  );
  section.addWidget(
    CardService.newTextInput()
      .setFieldName(SETTINGS_INPUTS.snippetHtml)
      .setTitle('Snippet text or HTML')
      .setHint('For example: Our price list: <a href="https://example.com/prices">prices</a>')
      .setMultiline(true)
      .setValue(state.snippetHtml ?? ''),
  );
  section.addWidget(button('Save snippet', HANDLER_NAMES.saveSnippet));
  return section;
}

/** Builds the confirmation step before deleting; nothing is deleted until "Delete everything". */
export function buildDeleteConfirmCard(trackerBaseUrl: string): GoogleAppsScript.Card_Service.Card {
  return CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle('Delete all tracking data?'))
    .addSection(
      CardService.newCardSection()
        .addWidget(
          paragraph(
            `This deletes, at ${escapeHtml(trackerBaseUrl)}, every email you tracked with its opens and clicks. It cannot be undone. ` +
              'Emails you already sent keep their tracking images, but their opens are no longer recorded or shown.',
          ),
        )
        .addWidget(buttonRow(button('Delete everything', HANDLER_NAMES.deleteData), button('Cancel', HANDLER_NAMES.goBack))),
    )
    .build();
}

/** Builds the card shown after the deletion, or after it failed. */
export function buildDeleteResultCard(result: { deletedMessages: number } | { error: string }): GoogleAppsScript.Card_Service.Card {
  const section = CardService.newCardSection();
  if ('error' in result) {
    section.addWidget(errorParagraph(escapeHtml(result.error)));
    section.addWidget(buttonRow(button('Try again', HANDLER_NAMES.deleteData), button('Cancel', HANDLER_NAMES.goBack)));
  } else {
    section.addWidget(paragraph(`Deleted ${countOf(result.deletedMessages, 'tracked email')} with ${result.deletedMessages === 1 ? 'its' : 'their'} opens and clicks.`));
    section.addWidget(button('Back', HANDLER_NAMES.goBack));
  }
  return CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle('error' in result ? 'Nothing was deleted' : 'Tracking data deleted'))
    .addSection(section)
    .build();
}
