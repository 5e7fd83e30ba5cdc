/**
 * Names of every function Apps Script calls in the add-on: triggers and universal
 * actions named by the manifest, and actions named by `Action.setFunctionName`.
 * Apps Script finds only top-level function declarations, so the build emits one
 * global stub per name in this table and the tests check that each stub exists.
 * Name an action only through this table, never with a string literal.
 */
export const HANDLER_NAMES = {
  // Manifest triggers and universal actions.
  homepage: 'onHomepage',
  messageOpen: 'onGmailMessageOpen',
  compose: 'onGmailCompose',
  settings: 'onSettings',
  recentActivity: 'onRecentActivity',

  // Compose card.
  trackEmail: 'onTrackEmail',
  insertPixelAgain: 'onInsertPixelAgain',
  insertTrackedLink: 'onInsertTrackedLink',
  insertSnippet: 'onInsertSnippet',

  // Message card.
  refreshSummary: 'onRefreshSummary',
  showOpensPage: 'onShowOpensPage',
  replyWithTracking: 'onReplyWithTracking',

  // Homepage.
  activityPage: 'onActivityPage',
  showTrackedMessage: 'onShowTrackedMessage',
  newTrackedEmail: 'onNewTrackedEmail',

  // Settings.
  openSettings: 'onOpenSettings',
  saveSettings: 'onSaveSettings',
  saveSnippet: 'onSaveSnippet',
  deleteSnippet: 'onDeleteSnippet',
  confirmDeleteData: 'onConfirmDeleteData',
  deleteData: 'onDeleteData',
  goBack: 'onGoBack',
} as const;

export type HandlerKey = keyof typeof HANDLER_NAMES;
export type HandlerName = (typeof HANDLER_NAMES)[HandlerKey];

export const ALL_HANDLER_NAMES: readonly HandlerName[] = Object.values(HANDLER_NAMES);
