import { findPixelTokens } from '../shared/urls';
import { buildMessageErrorCard, buildNoPixelCard, buildSummaryCard } from './cards/message';
import { describeFailure } from './cards/text';
import { errorMessage, type TrackerClient } from './trackerClient';

export interface MessageViewDeps {
  baseUrl: string;
  client: TrackerClient;
  /** Returns the HTML body of the open message; throws when Gmail refuses. */
  readBody(): string;
  timeZone: string;
}

/**
 * Builds the card for an open message: finds this tracker's pixel in the body and
 * shows the opens and clicks the tracker recorded for it.
 */
export function showMessageSummary(deps: MessageViewDeps): GoogleAppsScript.Card_Service.Card {
  let body: string;
  try {
    body = deps.readBody();
  } catch (error) {
    const detail = errorMessage(error);
    return buildMessageErrorCard('Cannot read this email', `Gmail did not let the add-on read this email (${detail}). Reopen the email and try again.`);
  }

  // The add-on inserts its pixel at the start of the body, so the first pixel is this
  // email's own; later ones come from quoted earlier emails.
  // NOTE: an email tracked twice (after the compose panel was reopened) carries two
  // pixels. Only the activity of the one inserted last is shown.
  const tokens = findPixelTokens(body, deps.baseUrl);
  if (tokens.length === 0) return buildNoPixelCard();

  const result = deps.client.getSummary(tokens[0]);
  if (!result.ok) return buildMessageErrorCard('Cannot show opens and clicks', describeFailure(result.failure, deps.baseUrl, 'summary'));
  return buildSummaryCard(result.value, { timeZone: deps.timeZone });
}
