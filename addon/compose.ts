/// <reference path="./types/card-service.d.ts" />
import { findPixelTokens, isTokenShaped, isTrackedLinkUrl } from '../shared/urls';
import { buildComposeCard, type ComposeCardState } from './cards/compose';
import { describeFailure, escapeHtml } from './cards/text';
import { updateCardResponse } from './cards/widgets';
import type { DraftTokenStore } from './draftTokens';
import { checkLinkInput } from './linkInput';
import type { TrackerClient } from './trackerClient';

/*
 * What the compose card's buttons do. Each function returns either a draft update
 * (the content Gmail inserts) or the compose card redrawn with a message.
 */

export interface ComposeDeps {
  baseUrl: string;
  client: TrackerClient;
  draftTokens: DraftTokenStore;
}

export type ComposeResult = GoogleAppsScript.Card_Service.UpdateDraftActionResponse | GoogleAppsScript.Card_Service.ActionResponse;

/** The draft as the card's action parameters describe it. */
export interface DraftContext {
  draftKey: string;
  recipients: string[];
  /** Token from the action parameters, when the card was drawn after tracking. */
  token: string | null;
}

/** Builds the card state of a draft, taking its token from the parameters or, after tracking, from the store. */
export function composeState(draft: DraftContext, deps: Pick<ComposeDeps, 'draftTokens'>): ComposeCardState {
  return { draftKey: draft.draftKey, recipients: draft.recipients, token: knownToken(draft, deps.draftTokens) };
}

/** Creates a tracked message and inserts its pixel at the start of the draft body. */
export function trackEmail(draft: DraftContext, deps: ComposeDeps): ComposeResult {
  const state = composeState(draft, deps);
  if (state.token) {
    return updateCardResponse(buildComposeCard({ ...state, notice: 'This email is already tracked; its tracking image is at the start of the body.' }));
  }

  const result = deps.client.createMessage({ recipients: draft.recipients });
  if (!result.ok) return updateCardResponse(buildComposeCard({ ...state, error: describeFailure(result.failure, deps.baseUrl, 'track') }));

  const created = result.value;
  // The message card finds the pixel by this add-on's base URL; a tracker with another
  // public URL would produce emails whose opens the add-on could never show.
  if (!isTokenShaped(created.token) || !findPixelTokens(created.pixelHtml, deps.baseUrl).includes(created.token)) {
    return updateCardResponse(
      buildComposeCard({
        ...state,
        error: `The tracker returned the pixel ${created.pixelUrl}, which is not under this add-on's tracker address ${deps.baseUrl}. Build the add-on with TRACKER_BASE_URL set to the tracker's public URL.`,
      }),
    );
  }
  deps.draftTokens.put(draft.draftKey, created.token);

  // IMMUTABLE_HTML keeps the sender from deleting or editing the pixel by accident.
  // At the start of the body the pixel survives Gmail clipping long messages.
  const update = CardService.newUpdateDraftBodyAction()
    .addUpdateContent(created.pixelHtml, CardService.ContentType.IMMUTABLE_HTML)
    .setUpdateType(CardService.UpdateDraftBodyType.INSERT_AT_START);
  return CardService.newUpdateDraftActionResponseBuilder().setUpdateDraftBodyAction(update).build();
}

/** Asks the tracker for a tracked link and inserts it at the cursor. */
export function insertTrackedLink(draft: DraftContext, input: { url: string; text: string }, deps: ComposeDeps): ComposeResult {
  const state: ComposeCardState = { ...composeState(draft, deps), linkUrl: input.url, linkText: input.text };

  const checked = checkLinkInput(input.url, input.text);
  if (!checked.ok) return updateCardResponse(buildComposeCard({ ...state, error: checked.error }));
  if (!state.token) {
    return updateCardResponse(
      buildComposeCard({ ...state, error: 'This email is not tracked yet. Choose "Track this email" first, then insert tracked links.' }),
    );
  }

  const result = deps.client.createLink({ token: state.token, url: checked.url, text: checked.text });
  if (!result.ok) return updateCardResponse(buildComposeCard({ ...state, error: describeFailure(result.failure, deps.baseUrl, 'link') }));
  const link = result.value;
  if (!isTrackedLinkUrl(link.trackedUrl, deps.baseUrl)) {
    return updateCardResponse(
      buildComposeCard({
        ...state,
        error: `The tracker returned the link ${link.trackedUrl}, which is not under this add-on's tracker address ${deps.baseUrl}. Build the add-on with TRACKER_BASE_URL set to the tracker's public URL.`,
      }),
    );
  }

  // MUTABLE_HTML lets the sender edit the link text afterwards; the href stays tracked.
  const html = link.html ?? `<a href="${escapeHtml(link.trackedUrl)}">${escapeHtml(checked.text)}</a>`;
  const update = CardService.newUpdateDraftBodyAction()
    .addUpdateContent(html, CardService.ContentType.MUTABLE_HTML)
    .setUpdateType(CardService.UpdateDraftBodyType.IN_PLACE_INSERT);
  return CardService.newUpdateDraftActionResponseBuilder().setUpdateDraftBodyAction(update).build();
}

function knownToken(draft: DraftContext, draftTokens: DraftTokenStore): string | null {
  if (draft.token && isTokenShaped(draft.token)) return draft.token;
  const stored = draftTokens.get(draft.draftKey);
  return stored && isTokenShaped(stored) ? stored : null;
}
