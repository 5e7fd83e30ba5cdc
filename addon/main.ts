import type { AddonEvent } from './events';
import type { HandlerName } from './handlerNames';
import * as entryPoints from './handlers';

/*
 * Entry of the add-on bundle. esbuild wraps it in an IIFE assigned to the global
 * TrackerAddon, and the build adds one top-level function per handler name that
 * calls `TrackerAddon.handlers[name]`. The card builders are exported too, so tests
 * build cards from plain data through the same bundle.
 * Nothing here may call an Apps Script service at load time: Apps Script runs
 * top-level code on every call, and the manifest test loads the bundle without them.
 */

/** Every handler by its global name; the type makes a missing name a compile error. */
export const handlers: Record<HandlerName, (e: AddonEvent) => unknown> = {
  onHomepage: entryPoints.onHomepage,
  onGmailMessageOpen: entryPoints.onGmailMessageOpen,
  onGmailCompose: entryPoints.onGmailCompose,
  onSettings: entryPoints.onSettings,
  onRecentActivity: entryPoints.onRecentActivity,
  onTrackEmail: entryPoints.onTrackEmail,
  onInsertPixelAgain: entryPoints.onInsertPixelAgain,
  onInsertTrackedLink: entryPoints.onInsertTrackedLink,
  onInsertSnippet: entryPoints.onInsertSnippet,
  onRefreshSummary: entryPoints.onRefreshSummary,
  onShowOpensPage: entryPoints.onShowOpensPage,
  onReplyWithTracking: entryPoints.onReplyWithTracking,
  onActivityPage: entryPoints.onActivityPage,
  onShowTrackedMessage: entryPoints.onShowTrackedMessage,
  onNewTrackedEmail: entryPoints.onNewTrackedEmail,
  onOpenSettings: entryPoints.onOpenSettings,
  onSaveSettings: entryPoints.onSaveSettings,
  onSaveSnippet: entryPoints.onSaveSnippet,
  onDeleteSnippet: entryPoints.onDeleteSnippet,
  onConfirmDeleteData: entryPoints.onConfirmDeleteData,
  onDeleteData: entryPoints.onDeleteData,
  onGoBack: entryPoints.onGoBack,
};

export { HANDLER_NAMES, ALL_HANDLER_NAMES } from './handlerNames';
export { buildComposeCard } from './cards/compose';
export { buildHomepageCard } from './cards/homepage';
export {
  buildMessageErrorCard,
  buildNoPixelCard,
  buildNotYoursCard,
  buildSummaryCard,
  describeOpens,
  MAX_LISTED_HITS,
  OPENS_PER_PAGE,
} from './cards/message';
export { buildDeleteConfirmCard, buildDeleteResultCard, buildSettingsCard } from './cards/settings';
export { describeFailure } from './cards/text';
export { describeDuration, describeWhen } from './cards/time';
export { checkLinkInput } from './linkInput';
export { checkSnippetInput } from './settings';
export { emailFromIdentityToken, isSentBy } from './identity';
export { locateTokens } from './messageView';
export { trackerBaseUrl } from './config';
