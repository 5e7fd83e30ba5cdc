import { isTokenShaped } from '../shared/urls';
import { describeFailure } from './cards/text';
import { addressOf, isSentBy } from './identity';
import type { TrackerClient } from './trackerClient';

/*
 * Compose actions of the message card and the homepage: each creates the tracked
 * message first and then a draft whose body starts with its pixel, which Gmail
 * opens in a compose window. A compose action can only return a draft, so a
 * failure is thrown as an error with the sentence the sender should read.
 */

/** Empty line after the pixel in a new body, where the cursor starts. */
const EMPTY_LINE = '<div><br></div>';

export interface ReplyDeps {
  baseUrl: string;
  client: TrackerClient;
  /** The open message; throws when Gmail refuses. */
  readMessage(): GoogleAppsScript.Gmail.GmailMessage;
  userEmail(): string | null;
}

/** A failure the sender reads in Gmail's error bar. */
export class ComposeActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ComposeActionError';
  }
}

function createTrackedMessage(client: TrackerClient, baseUrl: string, recipients: string[], purpose: 'reply' | 'new-email'): string {
  const result = client.createMessage({ recipients });
  if (!result.ok) throw new ComposeActionError(`${describeFailure(result.failure, baseUrl, purpose)} No draft was created.`);
  if (!isTokenShaped(result.value.token)) throw new ComposeActionError('The tracker returned a malformed token. No draft was created.');
  return result.value.pixelHtml;
}

/** Splits a To header into addresses. */
function splitAddresses(header: string): string[] {
  return header
    .split(',')
    .map((part) => addressOf(part))
    .filter((address) => address.includes('@'));
}

/**
 * Creates a tracked reply draft to the open message. The reply to a message the
 * sender sent goes to its recipients (reply all); any other reply goes to its sender.
 */
export function replyWithTracking(deps: ReplyDeps): GoogleAppsScript.Card_Service.ComposeActionResponse {
  const message = deps.readMessage();
  const mine = isSentBy(message.getFrom(), deps.userEmail());
  const recipients = mine ? splitAddresses(message.getTo()) : [addressOf(message.getFrom())];

  const pixel = createTrackedMessage(deps.client, deps.baseUrl, recipients, 'reply');
  const htmlBody = `${pixel}${EMPTY_LINE}`;
  // NOTE: createDraftReplyAll addresses the original sender too, which for your own
  // sent message is you; Gmail may drop your own address, not verified here.
  const draft = mine ? message.createDraftReplyAll('', { htmlBody }) : message.createDraftReply('', { htmlBody });
  return CardService.newComposeActionResponseBuilder().setGmailDraft(draft).build();
}

/** Creates a new tracked draft with no recipients, subject or text yet. */
export function newTrackedEmail(deps: Pick<ReplyDeps, 'baseUrl' | 'client'>): GoogleAppsScript.Card_Service.ComposeActionResponse {
  const pixel = createTrackedMessage(deps.client, deps.baseUrl, [], 'new-email');
  const draft = GmailApp.createDraft('', '', '', { htmlBody: `${pixel}${EMPTY_LINE}` });
  return CardService.newComposeActionResponseBuilder().setGmailDraft(draft).build();
}
