import { buildComposeCard, COMPOSE_PARAMS, LINK_TEXT_INPUT, LINK_URL_INPUT } from './cards/compose';
import { ACTIVITY_PAGE_SIZE, buildHomepageCard, HOMEPAGE_PARAMS } from './cards/homepage';
import { buildMessageErrorCard, MESSAGE_PARAMS } from './cards/message';
import { buildDeleteConfirmCard, buildDeleteResultCard, buildSettingsCard, SETTINGS_INPUTS, SETTINGS_PARAMS, TRACK_LINKS_ON } from './cards/settings';
import { describeFailure } from './cards/text';
import { pushCardResponse, updateCardResponse, updateCardWithNotice } from './cards/widgets';
import {
  composeState,
  insertPixelAgain,
  insertSnippet,
  insertTrackedLink,
  trackEmail,
  type ComposeDeps,
  type ComposeResult,
  type DraftContext,
} from './compose';
import { newTrackedEmail, replyWithTracking } from './composeActions';
import { trackerBaseUrl } from './config';
import { userCacheDraftTokens } from './draftTokens';
import { readInputValues, readOpenMessage, readParameter, readRecipients, readTextInput, readTimeZone, type AddonEvent } from './events';
import { emailFromIdentityToken } from './identity';
import { showMessageSummary, showTrackedMessage, type MessageViewMode } from './messageView';
import { checkSnippetInput, userPropertiesSettings } from './settings';
import { appsScriptHttp, createTrackerClient, type TrackerClient } from './trackerClient';

/*
 * Entry points Apps Script calls, one per name in HANDLER_NAMES. Each reads the
 * event object, calls a tested function and returns its card or response.
 */

type Card = GoogleAppsScript.Card_Service.Card;
type ActionResponse = GoogleAppsScript.Card_Service.ActionResponse;

function client(): TrackerClient {
  return createTrackerClient(trackerBaseUrl(), appsScriptHttp());
}

function timeZoneOf(e: AddonEvent): string {
  return readTimeZone(e) ?? Session.getScriptTimeZone();
}

/** Returns the signed-in user's address from Session, else from the identity token's email claim. */
function userEmail(): string | null {
  return Session.getActiveUser().getEmail() || emailFromIdentityToken(ScriptApp.getIdentityToken() || null);
}

// Homepage and activity.

function activityCard(e: AddonEvent, cursor: string | null, pageNumber: number): Card {
  const result = client().getActivity({ limit: ACTIVITY_PAGE_SIZE, cursor });
  const base = { timeZone: timeZoneOf(e), nowMs: Date.now(), pageNumber };
  if (!result.ok) return buildHomepageCard({ ...base, activity: null, error: describeFailure(result.failure, trackerBaseUrl(), 'activity') });
  return buildHomepageCard({ ...base, activity: result.value });
}

export function onHomepage(e: AddonEvent): Card {
  return activityCard(e, null, 1);
}

export function onRecentActivity(e: AddonEvent): GoogleAppsScript.Card_Service.UniversalActionResponse {
  return CardService.newUniversalActionResponseBuilder().displayAddOnCards([activityCard(e, null, 1)]).build();
}

export function onActivityPage(e: AddonEvent): ActionResponse {
  const pageNumber = Number(readParameter(e, HOMEPAGE_PARAMS.pageNumber) ?? '1');
  return updateCardResponse(activityCard(e, readParameter(e, HOMEPAGE_PARAMS.cursor), Number.isInteger(pageNumber) && pageNumber > 0 ? pageNumber : 1));
}

export function onShowTrackedMessage(e: AddonEvent): ActionResponse {
  const token = readParameter(e, HOMEPAGE_PARAMS.token) ?? '';
  const deps = { baseUrl: trackerBaseUrl(), client: client(), timeZone: timeZoneOf(e), nowMs: Date.now() };
  return pushCardResponse(showTrackedMessage(deps, token, { skip: 0, canReply: false }));
}

export function onNewTrackedEmail(_e: AddonEvent): GoogleAppsScript.Card_Service.ComposeActionResponse {
  return newTrackedEmail({ baseUrl: trackerBaseUrl(), client: client() });
}

// Compose.

function composeDeps(): ComposeDeps {
  const settings = userPropertiesSettings();
  return {
    baseUrl: trackerBaseUrl(),
    client: client(),
    draftTokens: userCacheDraftTokens(),
    settings: settings.read(),
    snippets: settings.listSnippets(),
  };
}

export function onGmailCompose(e: AddonEvent): Card {
  const draft: DraftContext = { draftKey: Utilities.getUuid(), recipients: readRecipients(e), token: null };
  return buildComposeCard(composeState(draft, composeDeps()));
}

export function onTrackEmail(e: AddonEvent): ComposeResult {
  return trackEmail(draftFromParameters(e), composeDeps());
}

export function onInsertPixelAgain(e: AddonEvent): ComposeResult {
  return insertPixelAgain(draftFromParameters(e), composeDeps());
}

export function onInsertTrackedLink(e: AddonEvent): ComposeResult {
  const input = { url: readTextInput(e, LINK_URL_INPUT), text: readTextInput(e, LINK_TEXT_INPUT) };
  return insertTrackedLink(draftFromParameters(e), input, composeDeps());
}

export function onInsertSnippet(e: AddonEvent): ComposeResult {
  return insertSnippet(draftFromParameters(e), readParameter(e, COMPOSE_PARAMS.snippetId), composeDeps());
}

/** Reads the draft from the compose card's action parameters. */
function draftFromParameters(e: AddonEvent): DraftContext {
  return {
    // A card drawn by an older version of the add-on has no draft key. A fresh key
    // keeps such a card working, but without the token of an earlier tracking.
    draftKey: readParameter(e, COMPOSE_PARAMS.draftKey) ?? Utilities.getUuid(),
    recipients: parseRecipients(readParameter(e, COMPOSE_PARAMS.recipients)),
    token: readParameter(e, COMPOSE_PARAMS.token),
  };
}

function parseRecipients(json: string | null): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

// Message panel.

export function onGmailMessageOpen(e: AddonEvent): Card {
  return messageCard(e, 'open');
}

export function onRefreshSummary(e: AddonEvent): ActionResponse {
  return updateCardResponse(messageCard(e, 'refresh'));
}

export function onShowOpensPage(e: AddonEvent): ActionResponse {
  // A missing or invalid count (not a whole number of 0 or more) shows the first page.
  const skip = Number(readParameter(e, MESSAGE_PARAMS.skip) ?? '0');
  const deps = { baseUrl: trackerBaseUrl(), client: client(), timeZone: timeZoneOf(e), nowMs: Date.now() };
  const token = readParameter(e, MESSAGE_PARAMS.token) ?? '';
  return updateCardResponse(showTrackedMessage(deps, token, { skip: Number.isSafeInteger(skip) && skip >= 0 ? skip : 0, canReply: readOpenMessage(e) !== null }));
}

export function onReplyWithTracking(e: AddonEvent): GoogleAppsScript.Card_Service.ComposeActionResponse {
  const open = readOpenMessage(e);
  return replyWithTracking({
    baseUrl: trackerBaseUrl(),
    client: client(),
    readMessage: () => {
      if (!open) throw new Error('Gmail sent no open email with this request. Open the email and try again.');
      GmailApp.setCurrentMessageAccessToken(open.accessToken);
      return GmailApp.getMessageById(open.messageId);
    },
    userEmail,
  });
}

function messageCard(e: AddonEvent, mode: MessageViewMode): Card {
  const open = readOpenMessage(e);
  const token = readParameter(e, MESSAGE_PARAMS.token);
  const deps = { baseUrl: trackerBaseUrl(), client: client(), timeZone: timeZoneOf(e), nowMs: Date.now() };
  if (!open) {
    // A card opened from the activity list refreshes by its token.
    if (token) return showTrackedMessage(deps, token, { skip: 0, canReply: false });
    return buildMessageErrorCard('No email open', 'Gmail sent no open email with this request. Open an email and try again.');
  }
  return showMessageSummary(
    {
      ...deps,
      readMessage: () => {
        // The access token grants this execution read access to the open message only.
        GmailApp.setCurrentMessageAccessToken(open.accessToken);
        const message = GmailApp.getMessageById(open.messageId);
        return { from: message.getFrom(), date: message.getDate() as unknown as Date, subject: message.getSubject(), body: message.getBody() };
      },
      userEmail,
    },
    mode,
  );
}

// Settings.

function settingsCard(extra: { error?: string; notice?: string; snippetName?: string; snippetHtml?: string } = {}): Card {
  const store = userPropertiesSettings();
  return buildSettingsCard({ settings: store.read(), snippets: store.listSnippets(), trackerBaseUrl: trackerBaseUrl(), ...extra });
}

export function onSettings(_e: AddonEvent): GoogleAppsScript.Card_Service.UniversalActionResponse {
  return CardService.newUniversalActionResponseBuilder().displayAddOnCards([settingsCard()]).build();
}

export function onOpenSettings(_e: AddonEvent): ActionResponse {
  return pushCardResponse(settingsCard());
}

export function onSaveSettings(e: AddonEvent): ActionResponse {
  const trackLinks = readInputValues(e, SETTINGS_INPUTS.trackLinks).includes(TRACK_LINKS_ON);
  userPropertiesSettings().write({ trackLinks });
  const notice = trackLinks ? 'Saved: links and snippets you insert are tracked.' : 'Saved: links and snippets you insert are not tracked.';
  return updateCardWithNotice(settingsCard({ notice }), notice);
}

export function onSaveSnippet(e: AddonEvent): ActionResponse {
  const store = userPropertiesSettings();
  const name = readTextInput(e, SETTINGS_INPUTS.snippetName);
  const html = readTextInput(e, SETTINGS_INPUTS.snippetHtml);
  const checked = checkSnippetInput(name, html, store.listSnippets());
  if (!checked.ok) return updateCardResponse(settingsCard({ error: checked.error, snippetName: name, snippetHtml: html }));

  store.addSnippet({ id: Utilities.getUuid(), name: checked.name, html: checked.html });
  const notice = `Saved the snippet "${checked.name}". It appears in the compose panel.`;
  return updateCardWithNotice(settingsCard({ notice }), notice);
}

export function onDeleteSnippet(e: AddonEvent): ActionResponse {
  const store = userPropertiesSettings();
  const id = readParameter(e, SETTINGS_PARAMS.snippetId) ?? '';
  const snippet = store.getSnippet(id);
  store.deleteSnippet(id);
  const notice = snippet ? `Deleted the snippet "${snippet.name}".` : 'That snippet was deleted already.';
  return updateCardWithNotice(settingsCard({ notice }), notice);
}

export function onConfirmDeleteData(_e: AddonEvent): ActionResponse {
  return pushCardResponse(buildDeleteConfirmCard(trackerBaseUrl()));
}

export function onDeleteData(_e: AddonEvent): ActionResponse {
  const result = client().deleteMyData();
  if (!result.ok) return updateCardResponse(buildDeleteResultCard({ error: describeFailure(result.failure, trackerBaseUrl(), 'delete') }));
  const card = buildDeleteResultCard(result.value);
  return updateCardWithNotice(card, 'Your tracking data was deleted.');
}

export function onGoBack(_e: AddonEvent): ActionResponse {
  return CardService.newActionResponseBuilder().setNavigation(CardService.newNavigation().popCard()).build();
}
