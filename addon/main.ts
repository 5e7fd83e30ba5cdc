import type { AddonEvent } from './events';
import type { HandlerName } from './handlerNames';
import { onGmailCompose, onGmailMessageOpen, onHomepage, onInsertTrackedLink, onRefreshSummary, onTrackEmail } from './handlers';

/*
 * Entry of the add-on bundle. esbuild wraps it in an IIFE assigned to the global
 * TrackerAddon, and the build adds one top-level function per handler name that
 * calls `TrackerAddon.handlers[name]`. The card builders are exported too, so tests
 * build cards from plain data through the same bundle.
 * Nothing here may call an Apps Script service at load time: Apps Script runs
 * top-level code on every call, and the manifest test loads the bundle without them.
 */

/** Every handler by its global name; the type makes a missing or extra name a compile error. */
export const handlers: Record<HandlerName, (e: AddonEvent) => unknown> = {
  onHomepage,
  onGmailMessageOpen,
  onGmailCompose,
  onTrackEmail,
  onInsertTrackedLink,
  onRefreshSummary,
};

export { HANDLER_NAMES, ALL_HANDLER_NAMES } from './handlerNames';
export { buildComposeCard } from './cards/compose';
export { buildHomepageCard } from './cards/homepage';
export { buildMessageErrorCard, buildNoPixelCard, buildSummaryCard, MAX_LISTED_HITS } from './cards/message';
export { describeFailure } from './cards/text';
export { checkLinkInput } from './linkInput';
export { trackerBaseUrl } from './config';
