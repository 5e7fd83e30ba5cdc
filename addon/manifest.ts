/*
 * The parts of the Apps Script manifest (appsscript.json) this add-on uses, typed
 * after developers.google.com/apps-script/manifest and
 * developers.google.com/apps-script/manifest/gmail-addons.
 */

export interface AddonManifest {
  timeZone: string;
  runtimeVersion: 'V8';
  exceptionLogging?: 'STACKDRIVER' | 'NONE';
  oauthScopes: string[];
  /** URL prefixes UrlFetchApp may fetch: https only, full host, non-empty path. */
  urlFetchWhitelist: string[];
  addOns: {
    common: {
      name: string;
      logoUrl: string;
      /** Toolbar colour and button colour, as CSS hex colours. */
      layoutProperties: { primaryColor: string; secondaryColor: string };
      useLocaleFromApp: boolean;
      homepageTrigger: { runFunction: string; enabled: boolean };
      /** Menu entries shown on every card; each runs a function that returns cards. */
      universalActions: Array<{ label: string; runFunction: string }>;
      /** URL prefixes that buttons may open (`setOpenLink`): https only, like urlFetchWhitelist. */
      openLinkUrlPrefixes: string[];
    };
    gmail: {
      contextualTriggers: Array<{ unconditional: Record<string, never>; onTriggerFunction: string }>;
      composeTrigger: {
        selectActions: Array<{ text: string; runFunction: string }>;
        draftAccess: 'NONE' | 'METADATA';
      };
    };
  };
}

/**
 * Gmail scopes Google classes as restricted (support.google.com/cloud/answer/13464325);
 * publishing an add-on with any of them needs a paid security assessment.
 */
export const RESTRICTED_GMAIL_SCOPES = [
  'https://mail.google.com/',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.compose',
  'https://www.googleapis.com/auth/gmail.modify',
  'https://www.googleapis.com/auth/gmail.insert',
  'https://www.googleapis.com/auth/gmail.metadata',
  'https://www.googleapis.com/auth/gmail.settings.basic',
  'https://www.googleapis.com/auth/gmail.settings.sharing',
] as const;

/** Every function name the manifest makes Apps Script call. */
export function manifestFunctionNames(manifest: AddonManifest): string[] {
  const { common, gmail } = manifest.addOns;
  return [
    common.homepageTrigger.runFunction,
    ...common.universalActions.map((action) => action.runFunction),
    ...gmail.contextualTriggers.map((trigger) => trigger.onTriggerFunction),
    ...gmail.composeTrigger.selectActions.map((action) => action.runFunction),
  ];
}
