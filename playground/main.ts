import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildAddon } from '../scripts/build-addon';
import { loadAddon } from '../sandbox/loadAddon';
import { AddonHost } from './addonHost';
import { loadPlaygroundConfig, PlaygroundConfigError } from './config';
import { Mailbox } from './mailbox';
import { buildPlayground } from './server';

/*
 * Entry point of the playground process (build/playground/main.js): builds the
 * add-on for the local tracker, loads it into the sandbox and serves the page.
 * It runs apart from the tracker because the sandbox's UrlFetchApp blocks this
 * process while each request to the tracker runs.
 */

/** The repository root: this file is bundled to build/playground/main.js. */
const ROOT_DIR = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  let config;
  try {
    config = loadPlaygroundConfig(process.env);
  } catch (error) {
    if (!(error instanceof PlaygroundConfigError)) throw error;
    process.stderr.write(`Playground configuration error: ${error.message}\n`);
    process.exit(2);
  }
  if (!existsSync(config.devSigninKeyFile)) {
    process.stderr.write(
      `Playground: the development sign-in key ${config.devSigninKeyFile} does not exist. Start the tracker on the local profile first (npm start does both), or set DEV_SIGNIN_KEY_FILE to the tracker's key.\n`,
    );
    process.exit(2);
  }

  const addonDir = resolve(ROOT_DIR, 'build/playground/addon');
  buildAddon({ rootDir: ROOT_DIR, outDir: addonDir, mode: 'local', trackerBaseUrl: config.trackerBaseUrl, logoUrl: `${config.baseUrl}static/logo.png` });
  const addon = loadAddon(addonDir, { identityToken: null, userEmail: config.sender });
  const host = new AddonHost(addon, { email: config.sender, audience: config.audience, privateKeyPem: readFileSync(config.devSigninKeyFile, 'utf8') });
  const mailbox = new Mailbox(addon.gmail, config.sender);

  const app = buildPlayground({
    host,
    mailbox,
    publicDir: resolve(ROOT_DIR, 'playground/public'),
    samplesDir: resolve(ROOT_DIR, 'playground/samples'),
    baseUrl: config.baseUrl,
    trackerBaseUrl: config.trackerBaseUrl,
    logLevel: config.logLevel,
  });

  const stop = async (signal: string) => {
    app.log.info({ event: 'playground.stopping', signal }, 'stopping');
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  app.log.info({ event: 'playground.started', url: config.baseUrl, tracker: config.trackerBaseUrl, sender: config.sender }, `playground listening on ${config.baseUrl}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Playground failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
