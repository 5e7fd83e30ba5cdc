import { buildSync } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ALL_HANDLER_NAMES } from '../addon/handlerNames';
import { manifestFunctionNames, RESTRICTED_GMAIL_SCOPES, type AddonManifest } from '../addon/manifest';

/*
 * Builds the Apps Script project clasp pushes: one JavaScript file with a global
 * function per handler name followed by the esbuild bundle, and the manifest
 * with the tracker's URL in its fetch allowlist.
 *
 * Environment: TRACKER_BASE_URL (the tracker's public base URL), ADDON_BUILD
 * ("local", the default, or "production"), ADDON_LOGO_URL (required for
 * production), ADDON_OUT_DIR (default "dist", the rootDir of .clasp.json).
 */

export type AddonBuildMode = 'local' | 'production';

export interface AddonBuildOptions {
  /** Repository root, where appsscript.json and addon/ are. */
  rootDir: string;
  outDir: string;
  mode: AddonBuildMode;
  trackerBaseUrl: string;
  logoUrl: string;
}

export interface AddonBuildResult {
  bundlePath: string;
  manifestPath: string;
  manifest: AddonManifest;
}

/** Name of the global the bundle's exports are assigned to. */
export const BUNDLE_GLOBAL = 'TrackerAddon';
export const BUNDLE_FILE = 'addon.js';
export const MANIFEST_FILE = 'appsscript.json';

const LOCAL_DEFAULT_BASE_URL = 'http://localhost:8080/';
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

export class AddonBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddonBuildError';
  }
}

/**
 * Checks the tracker's base URL and returns it ending with "/". Production takes
 * what the manifest allowlist takes: https, a full host and a path. A local build
 * also takes http on a loopback host, such as http://127.0.0.1:8080/.
 */
export function checkTrackerBaseUrl(raw: string, mode: AddonBuildMode): string {
  const accepted =
    mode === 'production'
      ? 'an https:// URL with a host and a path, such as https://t.example.com/'
      : 'an https:// URL with a host and a path, or http:// on 127.0.0.1 or localhost, such as http://127.0.0.1:8080/';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AddonBuildError(`TRACKER_BASE_URL is "${raw}", which is not a URL; expected ${accepted}`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new AddonBuildError(`TRACKER_BASE_URL is "${raw}", which has credentials, a query or a fragment; expected ${accepted}`);
  }
  // new URL() adds "/" to a bare host, so the path is checked on the text as written.
  if (!/^[a-z]+:\/\/[^/]+\//i.test(raw)) {
    throw new AddonBuildError(`TRACKER_BASE_URL is "${raw}", which has no path; expected ${accepted}`);
  }
  const loopback = LOOPBACK_HOSTS.includes(url.hostname);
  const allowed =
    url.protocol === 'https:' ? !(mode === 'production' && loopback) : url.protocol === 'http:' && mode === 'local' && loopback;
  if (!allowed) throw new AddonBuildError(`TRACKER_BASE_URL is "${raw}" in a ${mode} build; expected ${accepted}`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

export function buildOptionsFromEnv(env: Record<string, string | undefined>, rootDir: string): AddonBuildOptions {
  const modeText = env.ADDON_BUILD || 'local';
  if (modeText !== 'local' && modeText !== 'production') {
    throw new AddonBuildError(`ADDON_BUILD is "${modeText}"; expected "local" or "production"`);
  }
  const mode: AddonBuildMode = modeText;

  const rawBase = env.TRACKER_BASE_URL || (mode === 'local' ? LOCAL_DEFAULT_BASE_URL : '');
  if (!rawBase) throw new AddonBuildError('TRACKER_BASE_URL is missing; a production build needs the tracker\'s https:// base URL, such as https://t.example.com/');
  const trackerBaseUrl = checkTrackerBaseUrl(rawBase, mode);

  const logoUrl = env.ADDON_LOGO_URL || (mode === 'local' ? `${trackerBaseUrl}logo.png` : '');
  if (mode === 'production' && !/^https:\/\/[^/]+\/./.test(logoUrl)) {
    throw new AddonBuildError(`ADDON_LOGO_URL is "${logoUrl}"; a production build needs the https:// URL of a square PNG logo`);
  }

  return { rootDir, outDir: resolve(rootDir, env.ADDON_OUT_DIR || 'dist'), mode, trackerBaseUrl, logoUrl };
}

/** Reads the manifest template and fills in the tracker URL and logo. */
export function buildManifest(options: AddonBuildOptions): AddonManifest {
  const templatePath = resolve(options.rootDir, MANIFEST_FILE);
  const manifest = JSON.parse(readFileSync(templatePath, 'utf8')) as AddonManifest;
  // The add-on fetches only the tracker's API, and links out only to the tracker's pages.
  manifest.urlFetchWhitelist = [options.trackerBaseUrl];
  manifest.addOns.common.openLinkUrlPrefixes = [options.trackerBaseUrl];
  manifest.addOns.common.logoUrl = options.logoUrl;

  const colours = manifest.addOns.common.layoutProperties;
  for (const key of ['primaryColor', 'secondaryColor'] as const) {
    if (!/^#[0-9a-f]{6}$/i.test(colours?.[key] ?? '')) {
      throw new AddonBuildError(`${templatePath} has addOns.common.layoutProperties.${key} "${colours?.[key] ?? ''}"; expected a colour such as #1a73e8`);
    }
  }

  for (const name of manifestFunctionNames(manifest)) {
    if (!(ALL_HANDLER_NAMES as readonly string[]).includes(name)) {
      throw new AddonBuildError(`${templatePath} names the function "${name}", which is not in HANDLER_NAMES (addon/handlerNames.ts); add it there or fix the manifest`);
    }
  }
  const selectActions = manifest.addOns.gmail.composeTrigger.selectActions.length;
  if (selectActions !== 1) {
    throw new AddonBuildError(`${templatePath} has ${selectActions} composeTrigger.selectActions; Gmail accepts exactly one`);
  }
  const restricted = manifest.oauthScopes.filter((scope) => (RESTRICTED_GMAIL_SCOPES as readonly string[]).includes(scope));
  if (restricted.length > 0) {
    throw new AddonBuildError(`${templatePath} requests the restricted scope ${restricted.join(', ')}; use the gmail.addons.* scopes instead`);
  }
  return manifest;
}

/** Writes the global functions Apps Script can find, each calling the handler of the same name in the bundle. */
export function globalStubs(names: readonly string[]): string {
  return names
    .map((name) => {
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new AddonBuildError(`handler name "${name}" is not a JavaScript identifier`);
      return `function ${name}(e) {\n  return ${BUNDLE_GLOBAL}.handlers.${name}(e);\n}\n`;
    })
    .join('\n');
}

export function buildAddon(options: AddonBuildOptions): AddonBuildResult {
  const manifest = buildManifest(options);

  const bundled = buildSync({
    entryPoints: [resolve(options.rootDir, 'addon/main.ts')],
    tsconfig: resolve(options.rootDir, 'addon/tsconfig.json'),
    bundle: true,
    write: false,
    format: 'iife',
    globalName: BUNDLE_GLOBAL,
    platform: 'neutral',
    target: 'es2019',
    charset: 'utf8',
    legalComments: 'none',
    define: { __TRACKER_BASE_URL__: JSON.stringify(options.trackerBaseUrl) },
    logLevel: 'silent',
  });
  // The directive esbuild puts first would sit after the stubs, where it means nothing.
  const bundle = bundled.outputFiles[0].text.replace(/^"use strict";\n/, '');
  // Apps Script has no module loader and no Node globals.
  for (const [pattern, what] of [
    [/\brequire\s*\(/, 'a require() call'],
    [/\bprocess\.\w/, 'a use of process'],
    [/^\s*(import|export)\s/m, 'an ES module statement'],
  ] as const) {
    if (pattern.test(bundle)) throw new AddonBuildError(`the add-on bundle contains ${what}, which Apps Script cannot run; remove the Node-only import`);
  }

  const header = `// Built by scripts/build-addon.ts (${options.mode}) for the tracker at ${options.trackerBaseUrl}. Do not edit.\n\n`;
  const source = `${header}${globalStubs(ALL_HANDLER_NAMES)}\n${bundle}`;

  prepareOutDir(options);
  const bundlePath = resolve(options.outDir, BUNDLE_FILE);
  const manifestPath = resolve(options.outDir, MANIFEST_FILE);
  writeFileSync(bundlePath, source);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { bundlePath, manifestPath, manifest };
}

/** Empties the output folder, because clasp pushes every file in it and replaces the whole remote project. */
function prepareOutDir(options: AddonBuildOptions): void {
  const fromOut = relative(options.outDir, options.rootDir);
  if (fromOut === '' || (!fromOut.startsWith('..') && !isAbsolute(fromOut))) {
    throw new AddonBuildError(`ADDON_OUT_DIR is ${options.outDir}, which contains the repository; choose a folder of its own such as dist`);
  }
  rmSync(options.outDir, { recursive: true, force: true });
  mkdirSync(options.outDir, { recursive: true });
}

function main(): void {
  try {
    const options = buildOptionsFromEnv(process.env, process.cwd());
    buildAddon(options);
    console.log(`add-on (${options.mode}) for ${options.trackerBaseUrl} written to ${relative(process.cwd(), options.outDir) || '.'}: ${BUNDLE_FILE}, ${MANIFEST_FILE}`);
  } catch (error) {
    if (!(error instanceof AddonBuildError)) throw error;
    console.error(`build-addon: ${error.message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
