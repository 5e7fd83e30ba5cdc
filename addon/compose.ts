/// <reference path="./types/card-service.d.ts" />
import { findPixelTokens, isTokenShaped, isTrackedLinkUrl, pixelHtml } from '../shared/urls';
import { buildComposeCard, type ComposeCardState } from './cards/compose';
import { describeFailure, escapeHtml } from './cards/text';
import { updateCardResponse } from './cards/widgets';
import type { DraftTokenStore } from './draftTokens';
import { checkLinkInput } from './linkInput';
import type { AddonSettings, Snippet } from './settings';
import type { TrackerClient } from './trackerClient';

/*
 * What the compose card's buttons do. Each function returns either a draft update
 * (the content Gmail inserts) or the compose card redrawn with a message. When a
 * request fails the draft is left as it was.
 */

export interface ComposeDeps {
  baseUrl: string;
  client: TrackerClient;
  draftTokens: DraftTokenStore;
  settings: AddonSettings;
  snippets: Snippet[];
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
export function composeState(draft: DraftContext, deps: Pick<ComposeDeps, 'draftTokens' | 'settings' | 'snippets'>): ComposeCardState {
  return {
    draftKey: draft.draftKey,
    recipients: draft.recipients,
    token: knownToken(draft, deps.draftTokens),
    trackLinks: deps.settings.trackLinks,
    snippets: deps.snippets.map((snippet) => ({ id: snippet.id, name: snippet.name })),
  };
}

function redraw(state: ComposeCardState): GoogleAppsScript.Card_Service.ActionResponse {
  return updateCardResponse(buildComposeCard(state));
}

function insertAtCursor(html: string): GoogleAppsScript.Card_Service.UpdateDraftActionResponse {
  // MUTABLE_HTML lets the sender edit the text afterwards; hrefs stay as inserted.
  const update = CardService.newUpdateDraftBodyAction()
    .addUpdateContent(html, CardService.ContentType.MUTABLE_HTML)
    .setUpdateType(CardService.UpdateDraftBodyType.IN_PLACE_INSERT);
  return CardService.newUpdateDraftActionResponseBuilder().setUpdateDraftBodyAction(update).build();
}

function insertPixel(html: string): GoogleAppsScript.Card_Service.UpdateDraftActionResponse {
  // IMMUTABLE_HTML keeps the sender from deleting or editing the pixel by accident.
  // At the start of the body the pixel survives Gmail clipping long messages.
  const update = CardService.newUpdateDraftBodyAction()
    .addUpdateContent(html, CardService.ContentType.IMMUTABLE_HTML)
    .setUpdateType(CardService.UpdateDraftBodyType.INSERT_AT_START);
  return CardService.newUpdateDraftActionResponseBuilder().setUpdateDraftBodyAction(update).build();
}

/**
 * Creates a tracked message and inserts its pixel at the start of the draft body.
 * A draft this panel tracked already gets a warning and the offer to insert the
 * image again, because the card cannot see whether the sender deleted it.
 */
export function trackEmail(draft: DraftContext, deps: ComposeDeps): ComposeResult {
  const state = composeState(draft, deps);
  if (state.token) {
    return redraw({ ...state, notice: 'This email is already tracked; its tracking image is at the start of the body.', pixelWarning: true });
  }

  const result = deps.client.createMessage({ recipients: draft.recipients });
  if (!result.ok) return redraw({ ...state, error: describeFailure(result.failure, deps.baseUrl, 'track') });

  const created = result.value;
  // The message card finds the pixel by this add-on's base URL; a tracker with another
  // public URL would produce emails whose opens the add-on could never show.
  if (!isTokenShaped(created.token) || !findPixelTokens(created.pixelHtml, deps.baseUrl).includes(created.token)) {
    return redraw({
      ...state,
      error: `The tracker returned the pixel ${created.pixelUrl}, which is not under this add-on's tracker address ${deps.baseUrl}. Build the add-on with TRACKER_BASE_URL set to the tracker's public URL. Your draft is unchanged.`,
    });
  }
  deps.draftTokens.put(draft.draftKey, created.token);
  return insertPixel(created.pixelHtml);
}

/** Inserts the pixel of a draft tracked in this panel again, after the sender confirmed it. */
export function insertPixelAgain(draft: DraftContext, deps: ComposeDeps): ComposeResult {
  const state = composeState(draft, deps);
  if (!state.token) return redraw({ ...state, error: 'This panel has no tracked email to insert the image of. Choose "Track this email".' });
  return insertPixel(pixelHtml(deps.baseUrl, state.token));
}

/** Inserts a link at the cursor, replacing any selection: tracked through the tracker, or plain when link tracking is off. */
export function insertTrackedLink(draft: DraftContext, input: { url: string; text: string }, deps: ComposeDeps): ComposeResult {
  const state: ComposeCardState = { ...composeState(draft, deps), linkUrl: input.url, linkText: input.text };

  const checked = checkLinkInput(input.url, input.text);
  if (!checked.ok) return redraw({ ...state, error: checked.error });
  if (!deps.settings.trackLinks) return insertAtCursor(`<a href="${escapeHtml(checked.url)}">${escapeHtml(checked.text)}</a>`);
  if (!state.token) {
    return redraw({ ...state, error: 'This email is not tracked yet. Choose "Track this email" first, then insert tracked links.' });
  }

  const result = deps.client.createLink({ token: state.token, url: checked.url, text: checked.text });
  if (!result.ok) return redraw({ ...state, error: describeFailure(result.failure, deps.baseUrl, 'link') });
  const link = result.value;
  if (!isTrackedLinkUrl(link.trackedUrl, deps.baseUrl)) {
    return redraw({
      ...state,
      error: `The tracker returned the link ${link.trackedUrl}, which is not under this add-on's tracker address ${deps.baseUrl}. Build the add-on with TRACKER_BASE_URL set to the tracker's public URL. Your draft is unchanged.`,
    });
  }
  return insertAtCursor(link.html ?? `<a href="${escapeHtml(link.trackedUrl)}">${escapeHtml(checked.text)}</a>`);
}

/** Inserts a saved snippet at the cursor, with its links made tracked by the tracker's rewriter when link tracking is on. */
export function insertSnippet(draft: DraftContext, snippetId: string | null, deps: ComposeDeps): ComposeResult {
  const state = composeState(draft, deps);
  const snippet = deps.snippets.find((candidate) => candidate.id === snippetId);
  if (!snippet) return redraw({ ...state, error: 'That snippet no longer exists; it was deleted in Settings. Your draft is unchanged.' });
  if (!deps.settings.trackLinks) return insertAtCursor(snippet.html);
  if (!state.token) {
    return redraw({ ...state, error: `This email is not tracked yet. Choose "Track this email" first, then insert "${snippet.name}" with its links tracked.` });
  }

  const result = deps.client.rewrite({ token: state.token, html: snippet.html, insertPixel: false });
  if (!result.ok) return redraw({ ...state, error: describeFailure(result.failure, deps.baseUrl, 'snippet') });
  return insertAtCursor(result.value.html);
}

function knownToken(draft: DraftContext, draftTokens: DraftTokenStore): string | null {
  if (draft.token && isTokenShaped(draft.token)) return draft.token;
  const stored = draftTokens.get(draft.draftKey);
  return stored && isTokenShaped(stored) ? stored : null;
}
