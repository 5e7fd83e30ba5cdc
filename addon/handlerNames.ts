/**
 * Names of every function Apps Script calls in the add-on: triggers named by the
 * manifest and actions named by `Action.setFunctionName`. Apps Script finds only
 * top-level function declarations, so the build emits one global stub per name in
 * this table and the tests check that each stub exists. Name an action only
 * through this table, never with a string literal.
 */
export const HANDLER_NAMES = {
  homepage: 'onHomepage',
  messageOpen: 'onGmailMessageOpen',
  compose: 'onGmailCompose',
  trackEmail: 'onTrackEmail',
  insertTrackedLink: 'onInsertTrackedLink',
  refreshSummary: 'onRefreshSummary',
} as const;

export type HandlerKey = keyof typeof HANDLER_NAMES;
export type HandlerName = (typeof HANDLER_NAMES)[HandlerKey];

export const ALL_HANDLER_NAMES: readonly HandlerName[] = Object.values(HANDLER_NAMES);
