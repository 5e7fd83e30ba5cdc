/**
 * Debian's Chromium, as the browser tests launch it through playwright-core.
 * The background-networking, component-update and sync switches keep it from
 * calling Google's services, which this machine cannot reach and the tests
 * must not contact.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
