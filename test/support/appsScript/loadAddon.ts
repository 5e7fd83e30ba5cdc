/// <reference types="google-apps-script" />
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as vm from 'node:vm';
import type * as AddonMain from '../../../addon/main';
import type { AddonEvent } from '../../../addon/events';
import type { HandlerName } from '../../../addon/handlerNames';
import type { AddonManifest } from '../../../addon/manifest';
import { BUNDLE_FILE, BUNDLE_GLOBAL, MANIFEST_FILE } from '../../../scripts/build-addon';
import { createCardService, type FakeCardServiceApi } from './cardService';
import { FakeGmailApp } from './gmailApp';
import { FakeCacheService, FakeLogger, FakePropertiesService, FakeScriptApp, FakeSession, FakeUtilities } from './services';
import { FakeUrlFetchApp } from './urlFetchApp';

/*
 * Loads a built add-on (dist/addon.js and dist/appsscript.json) into a fresh vm
 * context, the way Apps Script runs it: one global scope, no require, no process,
 * with the fakes as the only services.
 */

export type AddonBundle = typeof AddonMain;

export interface LoadOptions {
  /** What ScriptApp.getIdentityToken() returns; null as when the user never granted openid. */
  identityToken: string | null;
  scriptTimeZone?: string;
  userEmail?: string;
  /**
   * Clock in epoch milliseconds of the cache fake and of the bundle's own `Date`
   * (`new Date()` and `Date.now()` with no argument), so a test can move the
   * add-on's time together with the tracker's.
   */
  now?: () => number;
}

export interface LoadedAddon {
  context: vm.Context;
  bundle: AddonBundle;
  manifest: AddonManifest;
  cardService: FakeCardServiceApi;
  gmail: FakeGmailApp;
  urlFetch: FakeUrlFetchApp;
  scriptApp: FakeScriptApp;
  cache: FakeCacheService;
  properties: FakePropertiesService;
  logger: FakeLogger;
  /** Calls a global function of the bundle, as Apps Script calls a trigger or action. */
  call(name: HandlerName | string, event: AddonEvent): unknown;
}

export function readBuiltAddon(distDir: string): { source: string; manifest: AddonManifest } {
  return {
    source: readFileSync(resolve(distDir, BUNDLE_FILE), 'utf8'),
    manifest: JSON.parse(readFileSync(resolve(distDir, MANIFEST_FILE), 'utf8')) as AddonManifest,
  };
}

/** Runs the bundle in a context with nothing but JavaScript's own globals. */
export function loadBare(distDir: string): vm.Context {
  const context = vm.createContext({});
  vm.runInContext(readBuiltAddon(distDir).source, context, { filename: BUNDLE_FILE });
  return context;
}

/** A Date whose current time is `now()`; every other use of Date is unchanged. */
function clockedDate(now: () => number): DateConstructor {
  class ClockedDate extends Date {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }
    static now(): number {
      return now();
    }
  }
  return ClockedDate as unknown as DateConstructor;
}

export function loadAddon(distDir: string, options: LoadOptions): LoadedAddon {
  const { source, manifest } = readBuiltAddon(distDir);
  const now = options.now ?? (() => Date.now());

  // The context object is filled in after creation, because the CardService fake
  // checks action names against the globals the bundle defines.
  const globals: Record<string, unknown> = {};
  const context = vm.createContext(globals);
  const isGlobalFunction = (name: string): boolean => typeof (context as Record<string, unknown>)[name] === 'function';

  const cardService = createCardService(isGlobalFunction, manifest.addOns.common.openLinkUrlPrefixes ?? []);
  const gmail = new FakeGmailApp();
  const urlFetch = new FakeUrlFetchApp(manifest.urlFetchWhitelist);
  const scriptApp = new FakeScriptApp(options.identityToken);
  const cache = new FakeCacheService(now);
  const properties = new FakePropertiesService();
  const logger = new FakeLogger();
  Object.assign(context, {
    CardService: cardService,
    GmailApp: gmail,
    UrlFetchApp: urlFetch,
    ScriptApp: scriptApp,
    CacheService: cache,
    PropertiesService: properties,
    Session: new FakeSession(options.scriptTimeZone ?? 'Etc/UTC', options.userEmail ?? 'sender@example.com'),
    Logger: logger,
    Utilities: new FakeUtilities(),
  });
  if (options.now) Object.assign(context, { Date: clockedDate(options.now) });
  vm.runInContext(source, context, { filename: BUNDLE_FILE });

  const bundle = (context as Record<string, unknown>)[BUNDLE_GLOBAL] as AddonBundle;
  return {
    context,
    bundle,
    manifest,
    cardService,
    gmail,
    urlFetch,
    scriptApp,
    cache,
    properties,
    logger,
    call(name, event) {
      const handler = (context as Record<string, unknown>)[name];
      if (typeof handler !== 'function') throw new Error(`${name} is not a global function of the add-on bundle`);
      return (handler as (e: AddonEvent) => unknown)(event);
    },
  };
}
