import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALL_HANDLER_NAMES } from '../addon/handlerNames';
import { manifestFunctionNames, RESTRICTED_GMAIL_SCOPES } from '../addon/manifest';
import { AddonBuildError, buildAddon, buildOptionsFromEnv, checkTrackerBaseUrl } from '../scripts/build-addon';
import { checkClaspProject } from '../scripts/clasp-check';
import { buildAddonForTest, removeBuild, REPO_ROOT } from './support/appsScript/build';
import { loadBare, readBuiltAddon } from './support/appsScript/loadAddon';

// Scopes the add-on may request: the gmail.addons.* scopes it needs, plus fetching,
// the user's locale and the identity token. Anything else needs a review first.
const ALLOWED_SCOPES = [
  'https://www.googleapis.com/auth/gmail.addons.execute',
  'https://www.googleapis.com/auth/gmail.addons.current.message.readonly',
  'https://www.googleapis.com/auth/gmail.addons.current.message.metadata',
  'https://www.googleapis.com/auth/gmail.addons.current.action.compose',
  'https://www.googleapis.com/auth/script.external_request',
  'https://www.googleapis.com/auth/script.locale',
  'openid',
  'https://www.googleapis.com/auth/userinfo.email',
];

describe('built add-on in a bare context', () => {
  let distDir: string;
  beforeAll(() => {
    distDir = buildAddonForTest('https://t.example.com/tracker/', 'production');
  });
  afterAll(() => removeBuild(distDir));

  test('every manifest function is a global function', () => {
    const context = loadBare(distDir) as Record<string, unknown>;
    const names = manifestFunctionNames(readBuiltAddon(distDir).manifest);
    expect(names).toEqual(['onHomepage', 'onSettings', 'onRecentActivity', 'onGmailMessageOpen', 'onGmailCompose']);
    for (const name of names) expect(typeof context[name]).toBe('function');
  });

  test('every handler name is a global function calling its handler', () => {
    const context = loadBare(distDir) as Record<string, unknown>;
    const bundle = context.TrackerAddon as { handlers: Record<string, unknown> };
    for (const name of ALL_HANDLER_NAMES) {
      expect(typeof context[name]).toBe('function');
      expect(typeof bundle.handlers[name]).toBe('function');
    }
    expect(Object.keys(bundle.handlers).sort()).toEqual([...ALL_HANDLER_NAMES].sort());
  });

  test('setFunctionName only takes names from the table', () => {
    // The only setFunctionName call receives a variable. Every action name passed to
    // it comes from HANDLER_NAMES, so each entry used must be a global function.
    const { source } = readBuiltAddon(distDir);
    const calls = [...source.matchAll(/setFunctionName\(([^)]*)\)/g)].map((match) => match[1].trim());
    expect(calls).toEqual(['functionName']);

    const context = loadBare(distDir) as Record<string, unknown>;
    const table = (context.TrackerAddon as { HANDLER_NAMES: Record<string, string> }).HANDLER_NAMES;
    const usedKeys = new Set([...source.matchAll(/HANDLER_NAMES\.(\w+)/g)].map((match) => match[1]));
    // Every handler the manifest does not name is reached from a card, so none is dead.
    const manifestNames = manifestFunctionNames(readBuiltAddon(distDir).manifest);
    const cardOnly = Object.keys(table).filter((key) => !manifestNames.includes(table[key]));
    for (const key of cardOnly) expect([key, usedKeys.has(key)]).toEqual([key, true]);
    for (const key of usedKeys) {
      expect(table[key]).toBeDefined();
      expect(typeof context[table[key]]).toBe('function');
    }
  });

  test('bundle uses no Node globals', () => {
    const { source } = readBuiltAddon(distDir);
    expect(source).not.toMatch(/\brequire\s*\(/);
    expect(source).not.toMatch(/\bprocess\./);
  });

  test('every referenced function exists', () => {
    // Names from the manifest and from every action name the bundle can pass to setFunctionName.
    const context = loadBare(distDir) as Record<string, unknown>;
    const { manifest } = readBuiltAddon(distDir);
    for (const name of [...manifestFunctionNames(manifest), ...ALL_HANDLER_NAMES]) expect(typeof context[name]).toBe('function');
  });

  test('manifest requests no restricted scope', () => {
    const { manifest } = readBuiltAddon(distDir);
    for (const scope of RESTRICTED_GMAIL_SCOPES) expect(manifest.oauthScopes).not.toContain(scope);
    expect([...manifest.oauthScopes].sort()).toEqual([...ALLOWED_SCOPES].sort());
  });

  test('manifest declares the Gmail triggers', () => {
    const { manifest } = readBuiltAddon(distDir);
    expect(manifest.runtimeVersion).toBe('V8');
    expect(manifest.timeZone).toBeTruthy();
    expect(manifest.urlFetchWhitelist).toEqual(['https://t.example.com/tracker/']);
    expect(manifest.addOns.common.useLocaleFromApp).toBe(true);
    expect(manifest.addOns.common.logoUrl).toMatch(/^https:\/\//);
    expect(manifest.addOns.gmail.composeTrigger.selectActions).toHaveLength(1);
    expect(manifest.addOns.gmail.composeTrigger.draftAccess).toBe('METADATA');
    expect(manifest.addOns.gmail.contextualTriggers).toEqual([{ unconditional: {}, onTriggerFunction: 'onGmailMessageOpen' }]);
  });

  test('manifest is ready for the Marketplace', () => {
    const { manifest } = readBuiltAddon(distDir);
    const common = manifest.addOns.common;
    expect(common.name).toBe('Email Tracker');
    expect(common.logoUrl).toBe('https://t.example.com/logo.png');
    expect(common.layoutProperties.primaryColor).toMatch(/^#[0-9a-f]{6}$/i);
    expect(common.layoutProperties.secondaryColor).toMatch(/^#[0-9a-f]{6}$/i);
    expect(common.openLinkUrlPrefixes).toEqual(['https://t.example.com/tracker/']);
    expect(common.universalActions.map((action) => action.label)).toEqual(['Settings', 'Recent activity']);
    for (const url of [...manifest.urlFetchWhitelist, ...common.openLinkUrlPrefixes]) expect(url).toMatch(/^https:\/\/[^/]+\/.*\/$/);
  });

  test('bundle has the tracker URL built in', () => {
    const context = loadBare(distDir) as Record<string, unknown>;
    const bundle = context.TrackerAddon as { trackerBaseUrl(): string };
    expect(bundle.trackerBaseUrl()).toBe('https://t.example.com/tracker/');
  });
});

describe('manifest template', () => {
  test('names only handlers from the table', () => {
    const template = JSON.parse(readFileSync(resolve(REPO_ROOT, 'appsscript.json'), 'utf8'));
    for (const name of manifestFunctionNames(template)) expect(ALL_HANDLER_NAMES).toContain(name);
  });
});

describe('tracker base URL setting', () => {
  test.each([
    ['https://t.example.com/', 'production', 'https://t.example.com/'],
    ['https://t.example.com/tracker', 'production', 'https://t.example.com/tracker/'],
    ['http://127.0.0.1:8123/', 'local', 'http://127.0.0.1:8123/'],
    ['http://localhost:8080/', 'local', 'http://localhost:8080/'],
    ['https://t.example.com/', 'local', 'https://t.example.com/'],
  ] as const)('accepts %s in a %s build', (raw, mode, expected) => {
    expect(checkTrackerBaseUrl(raw, mode)).toBe(expected);
  });

  test.each([
    ['http://t.example.com/', 'production', /expected an https:\/\/ URL/],
    ['http://127.0.0.1:8123/', 'production', /in a production build/],
    ['https://127.0.0.1/', 'production', /in a production build/],
    ['https://t.example.com', 'production', /has no path/],
    ['https://t.example.com/?x=1', 'production', /query/],
    ['https://user:pw@t.example.com/', 'production', /credentials/],
    ['t.example.com/', 'production', /not a URL/],
    ['http://192.168.1.5:8080/', 'local', /in a local build/],
    ['ftp://127.0.0.1/', 'local', /in a local build/],
  ] as const)('rejects %s in a %s build', (raw, mode, message) => {
    expect(() => checkTrackerBaseUrl(raw, mode)).toThrow(AddonBuildError);
    expect(() => checkTrackerBaseUrl(raw, mode)).toThrow(message);
    expect(() => checkTrackerBaseUrl(raw, mode)).toThrow(`"${raw}"`);
  });

  test('production build requires the URL', () => {
    expect(() => buildOptionsFromEnv({ ADDON_BUILD: 'production' }, REPO_ROOT)).toThrow(/TRACKER_BASE_URL is missing/);
  });

  test('production build requires an https logo', () => {
    expect(() => buildOptionsFromEnv({ ADDON_BUILD: 'production', TRACKER_BASE_URL: 'https://t.example.com/' }, REPO_ROOT)).toThrow(
      /ADDON_LOGO_URL/,
    );
  });

  test('unknown build mode is named', () => {
    expect(() => buildOptionsFromEnv({ ADDON_BUILD: 'prod' }, REPO_ROOT)).toThrow('ADDON_BUILD is "prod"; expected "local" or "production"');
  });

  test('output folder may not contain the repository', () => {
    expect(() => buildOptionsFromEnv({ ADDON_OUT_DIR: '.' }, REPO_ROOT)).not.toThrow();
    const options = buildOptionsFromEnv({ ADDON_OUT_DIR: '..' }, REPO_ROOT);
    expect(() => buildAddon(options)).toThrow(/contains the repository/);
  });
});

describe('clasp check before push', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clasp-check-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeProject(project: object, whitelist: string[] | null): void {
    writeFileSync(join(dir, '.clasp.json'), JSON.stringify(project));
    if (whitelist === null) return;
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'appsscript.json'), JSON.stringify({ urlFetchWhitelist: whitelist }));
  }

  test('accepts a production build', () => {
    writeProject({ scriptId: '1abcDEF', rootDir: 'dist' }, ['https://t.example.com/']);
    expect(checkClaspProject(dir)).toEqual([]);
  });

  test('names each problem', () => {
    writeProject({ scriptId: 'REPLACE_WITH_YOUR_SCRIPT_ID', rootDir: '.' }, ['http://127.0.0.1:8080/']);
    const problems = checkClaspProject(dir);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('scriptId "REPLACE_WITH_YOUR_SCRIPT_ID"');
    expect(problems[1]).toContain('rootDir "."');
    expect(problems[2]).toContain('dist/ holds a local build for http://127.0.0.1:8080/');
  });

  test('missing build is named', () => {
    writeProject({ scriptId: '1abcDEF', rootDir: 'dist' }, null);
    expect(checkClaspProject(dir)[0]).toMatch(/dist\/appsscript\.json is missing; run the production build first$/);
  });

  test('repository project file is a placeholder', () => {
    expect(checkClaspProject(REPO_ROOT).some((problem) => problem.includes('scriptId'))).toBe(true);
  });
});
