import { buildComposeCard, COMPOSE_PARAMS, LINK_TEXT_INPUT, LINK_URL_INPUT } from './cards/compose';
import { buildHomepageCard } from './cards/homepage';
import { buildMessageErrorCard } from './cards/message';
import { composeState, insertTrackedLink, trackEmail, type ComposeDeps, type ComposeResult, type DraftContext } from './compose';
import { trackerBaseUrl } from './config';
import { userCacheDraftTokens } from './draftTokens';
import { readOpenMessage, readParameter, readRecipients, readTextInput, readTimeZone, type AddonEvent } from './events';
import { showMessageSummary } from './messageView';
import { appsScriptHttp, createTrackerClient } from './trackerClient';

/*
 * Entry points Apps Script calls, one per name in HANDLER_NAMES. Each reads the
 * event object, calls a tested function and returns its card or response.
 */

type Card = GoogleAppsScript.Card_Service.Card;

export function onHomepage(_e: AddonEvent): Card {
  return buildHomepageCard();
}

export function onGmailCompose(e: AddonEvent): Card {
  const draft: DraftContext = { draftKey: Utilities.getUuid(), recipients: readRecipients(e), token: null };
  return buildComposeCard(composeState(draft, composeDeps()));
}

export function onTrackEmail(e: AddonEvent): ComposeResult {
  return trackEmail(draftFromParameters(e), composeDeps());
}

export function onInsertTrackedLink(e: AddonEvent): ComposeResult {
  const input = { url: readTextInput(e, LINK_URL_INPUT), text: readTextInput(e, LINK_TEXT_INPUT) };
  return insertTrackedLink(draftFromParameters(e), input, composeDeps());
}

export function onGmailMessageOpen(e: AddonEvent): Card {
  return messageCard(e);
}

export function onRefreshSummary(e: AddonEvent): GoogleAppsScript.Card_Service.ActionResponse {
  return CardService.newActionResponseBuilder().setNavigation(CardService.newNavigation().updateCard(messageCard(e))).build();
}

function messageCard(e: AddonEvent): Card {
  const message = readOpenMessage(e);
  if (!message) {
    return buildMessageErrorCard('No email open', 'Gmail sent no open email with this request. Open an email and try again.');
  }
  const baseUrl = trackerBaseUrl();
  return showMessageSummary({
    baseUrl,
    client: createTrackerClient(baseUrl, appsScriptHttp()),
    readBody: () => {
      // The access token grants this execution read access to the open message only.
      GmailApp.setCurrentMessageAccessToken(message.accessToken);
      return GmailApp.getMessageById(message.messageId).getBody();
    },
    timeZone: readTimeZone(e) ?? Session.getScriptTimeZone(),
  });
}

function composeDeps(): ComposeDeps {
  const baseUrl = trackerBaseUrl();
  return { baseUrl, client: createTrackerClient(baseUrl, appsScriptHttp()), draftTokens: userCacheDraftTokens() };
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
